//! End-to-end tests: the `placeplan` binary on small fixture data sets (one test binary).
mod backtest;
mod bad_days;
mod bad_inputs;
mod calibration;
mod engine;
mod fuzz;
mod layers;
mod project;
mod report;
mod run;
mod scenario;
mod shard;
mod validate;
mod workbook;
