//! Reading data sets and writing tables: the only place files are read or written
//! (and the only place polars appears).

pub mod areas;
pub mod atomic;
pub mod backtest_out;
pub mod dataset;
pub mod dataset_out;
pub mod excel_csv;
pub mod geojson;
pub mod history;
pub mod priority;
pub mod shard;
pub mod tables;
pub mod workbook;
