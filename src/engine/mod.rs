//! The model of SPEC §4: progression, entry, inflows, supply, rebalancing, classes, Monte Carlo.
//!
//! Pure computation on values: no file, no terminal, no clap, polars or plotters.

pub mod progression;
pub mod results;
