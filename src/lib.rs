//! placeplan — a school-place capacity planning simulator.
//!
//! It projects pupils school by school and year by year against the construction pipeline,
//! under uncertainty, and counts the oversized classes (大班额, 56+ pupils; 超大班额, 66+) each
//! scenario clears, and when. See `SPEC.md` for the design of record.
//!
//! Dependencies flow one way: `cli → (run, holdout) → io, charts → figures, synth → engine →
//! scenario → input, model` (`geo` holds values, beside `model`); no module imports one above it
//! and no two modules import each other (`tests/cli/layers.rs` checks it). The engine never
//! touches files, the terminal, clap, polars or plotters.

pub mod charts;
pub mod cli;
pub mod engine;
pub mod figures;
pub mod geo;
pub mod holdout;
pub mod input;
pub mod io;
pub mod model;
pub mod run;
pub mod scenario;
pub mod synth;
