//! The seeded generator of synthetic data sets: the calibrated Hengyang default
//! (`data/hengyang-2019`) and synthetic provinces of any size for the scale benchmarks.
//!
//! Published figures go in as targets; everything else is synthesised from plausible
//! distributions and then calibrated, by bisection on a few scalars, until the engine's central
//! case reproduces the targets (see `data/hengyang-2019/README.md`). Deterministic for a seed.
//! Pure: it builds a `DataSet` value and never writes files (`io::dataset_out` does).
//!
//! The steps, one file each: `hengyang` holds the city's published facts and the assumptions
//! beside them; `draft` synthesises areas, schools and births; `history` rolls the enrolment
//! history forward by recorded flows; `classrooms` builds the base year's rooms and counts its
//! classes; `calibrate` fits the knobs to the targets; `projects` sites the plan batches;
//! `build` assembles the `DataSet`; `generate` runs them in order; `province` sizes a synthetic
//! province; `central` is the engine's central case, which calibration and the tests share.

mod build;
mod calibrate;
mod central;
mod classrooms;
mod draft;
mod generate;
mod hengyang;
mod history;
mod projects;
mod province;
mod spec;

pub use calibrate::{Knobs, MAX_SURGE};
pub use central::{central_city, no_build_scenario};
pub use classrooms::Bands;
pub use generate::{Generated, hengyang};
pub use hengyang::{
    BASE_DATE, BASE_YEAR, ENTRY_AGE, FIRST_YEAR, HENGYANG, LAST_BIRTH_YEAR, SUPER_SHARE, Targets,
};
pub use province::province;
