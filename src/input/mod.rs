//! What every reader of a file a person wrote shares: input errors that point at
//! `file:line:column` ([`error`]), text decoding (UTF-8, BOM, GB18030: [`text`]), the CSV sheet
//! with physical line numbers ([`csvsheet`]), value parsers for years, grades, numbers and months
//! ([`parse`]), and "did you mean" suggestions ([`suggest`]).
//!
//! The bottom layer beside `model`: it imports nothing of the crate but `model`, and knows no
//! file's meaning (the data set's rules are `io::dataset`'s, the scenario's `scenario`'s). Its
//! only file access is reading one input file's bytes ([`text::read_text`]); it writes nothing.

pub mod csvsheet;
pub mod error;
pub mod parse;
pub mod suggest;
pub mod text;

pub use error::{InputError, InputErrors};
