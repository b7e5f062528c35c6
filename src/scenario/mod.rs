//! Scenarios (SPEC §5): the TOML mirror of `scenarios/*.toml` and its checked form.
//!
//! A scenario names a data set and says how to change it. This module parses and checks;
//! it never runs the model and never reads the data set's files.

mod diagnostics;
pub mod file;
mod mirror;
mod references;
mod values;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use file::References;

use crate::input::{InputError, InputErrors};
use crate::model::progression::RatioOptions;
use crate::model::{AreaSel, Driver, ProjectKind, SchoolYear, ThreePoint, YearMonth};

/// How three-point estimates are sampled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sampling {
    Triangular,
    /// Beta-PERT with shape λ = 4.
    Pert,
}

/// Pipeline pace (SPEC §5).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pace {
    /// Every project completes on its planned date.
    Plan,
    /// Delays calibrated to the base-date progress of the plan batches.
    CurrentPace,
    /// Faster than the current pace: every `current-pace` delay multiplied by this factor
    /// (the scenario's `pipeline.delay_scale`, e.g. 1/3).
    Accelerated(f64),
}

/// How the pipeline's delays are modelled (`[pipeline] delay_model`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DelayModel {
    /// A reference-class prior updated with the base-date evidence (the default).
    #[default]
    ReferenceClass,
    /// The first version's exponential delays with means fitted to the base-date counts.
    Exponential,
}

/// A change to one driver's three-point values, for the areas selected.
#[derive(Debug, Clone, PartialEq)]
pub enum DriverChange {
    /// Multiply low, central and high by this factor.
    Multiply(f64),
    /// Replace the three-point values.
    Replace(ThreePoint),
}

#[derive(Debug, Clone, PartialEq)]
pub struct DriverOverride {
    pub driver: Driver,
    pub area: AreaSel,
    pub change: DriverChange,
}

/// A project added by the scenario (same fields as a `projects.csv` row, status `not_started`
/// unless given).
#[derive(Debug, Clone, PartialEq)]
pub struct ExtraProject {
    pub id: String,
    pub name: String,
    pub area_id: String,
    pub stage: String,
    pub kind: ProjectKind,
    pub school_id: String,
    pub classrooms: u32,
    pub planned_start: YearMonth,
    pub planned_completion: YearMonth,
    pub batch: String,
}

/// Which projects of the data set a scenario cancels.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cancellations {
    /// Cancel every project of the data set.
    pub all: bool,
    pub batches: Vec<String>,
    pub projects: Vec<String>,
}

/// Class-size rules (SPEC §2).
#[derive(Debug, Clone, PartialEq)]
pub struct ClassRules {
    /// Standard class size per stage name, overriding the data set's stage table.
    pub standard_size: BTreeMap<String, u32>,
    /// A class of at least this many pupils is oversized (default 56).
    pub oversized: u32,
    /// A class of at least this many pupils is super-oversized (default 66).
    pub super_oversized: u32,
}

impl Default for ClassRules {
    fn default() -> Self {
        ClassRules {
            standard_size: BTreeMap::new(),
            oversized: 56,
            super_oversized: 66,
        }
    }
}

/// A policy target, e.g. "no 66+ class and at most 5 % 56+ classes by 2020" (city-wide).
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// Short id used in `targets.csv`, e.g. `no-66-and-5pct-56-by-2020`.
    pub id: String,
    pub title_zh: String,
    pub title_en: String,
    pub year: SchoolYear,
    /// Maximum share (0–1) of super-oversized classes among all classes; 0 = none allowed.
    pub max_super_oversized_share: Option<f64>,
    /// Maximum share (0–1) of oversized classes among all classes.
    pub max_oversized_share: Option<f64>,
}

/// A scenario's words and relations beyond the model: read from the file, used by the charts
/// and the report only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScenarioMeta {
    /// The description in Chinese (the file's `description.zh`, or its plain string).
    pub description_zh: String,
    /// The scenario this one is compared with in charts (the file's `base`, a scenario name
    /// such as `current-pace`).
    pub base: Option<String>,
}

impl Scenario {
    /// The description in the given language: `zh` or `en`.
    pub fn description_in(&self, zh: bool) -> &str {
        if zh {
            &self.meta.description_zh
        } else {
            &self.description
        }
    }
}

/// A checked scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// The scenario file's stem, e.g. `plan`; names the output folder.
    pub name: String,
    pub title_zh: String,
    pub title_en: String,
    /// What the scenario asks, in a sentence, in English (from the file's `description`: its
    /// `en` text, or the plain string).
    pub description: String,
    /// What the charts and the report need besides: the Chinese description, the base scenario.
    pub meta: ScenarioMeta,
    /// Data set folder, resolved against the scenario file's folder (`..` pairs removed).
    pub data: PathBuf,
    /// `None` = the data set's latest enrolment year.
    pub base_year: Option<SchoolYear>,
    pub horizon: SchoolYear,
    pub draws: u32,
    pub seed: u64,
    pub sampling: Sampling,
    /// Weight (0–1) of the city-wide common factor in each draw's sampling of area drivers:
    /// 0 = areas independent, 1 = all areas at the same quantile.
    pub correlation: f64,
    pub drivers: Vec<DriverOverride>,
    pub pace: Pace,
    pub delay_model: DelayModel,
    pub cancel: Cancellations,
    pub extra_projects: Vec<ExtraProject>,
    pub classes: ClassRules,
    /// Share (0–1) of the pupils above a school's places that may move to a school of the same
    /// area and stage with spare places in one year.
    pub rebalancing: f64,
    pub progression: RatioOptions,
    pub targets: Vec<Target>,
}

/// Reads and checks a scenario file (UTF-8, BOM or GB18030): every problem is reported with
/// `path:line:column`. `name` is the file stem; `data` is resolved against the file's folder.
pub fn load(path: &Path) -> Result<Scenario, InputErrors> {
    load_with_references(path).map(|(s, _)| s)
}

/// [`load`], keeping the parsed file to check its references against a data set once that is
/// loaded ([`References::check_against`]), without reading or parsing the file again.
pub fn load_with_references(path: &Path) -> Result<(Scenario, References), InputErrors> {
    let text = crate::input::text::read_text(path)
        .map_err(|e| InputError::message(path, 0, 0, format!("{e:#}")))?;
    file::parse_with_references(path, text)
}

/// Reads a scenario file and checks its references against its data set (areas, stages,
/// schools, projects, batches, years), reporting each problem at its `path:line:column`.
pub fn check_against(path: &Path, data: &crate::model::DataSet) -> Result<(), InputErrors> {
    load_with_references(path)?.1.check_against(data)
}
