//! Reading data sets and writing tables: the only place files are read or written
//! (and the only place polars appears).

pub mod atomic;
pub mod dataset_out;
pub mod history;
pub mod text;
