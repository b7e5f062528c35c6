//! The results of running one scenario: the rows of SPEC §7's tables, as values.
//!
//! Written by `io` (CSV, Parquet) and drawn by `charts`; nothing here touches a file.

use crate::model::SchoolYear;

/// A metric of `summary.csv`. Counts are pupils, places, classes or projects as named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    /// Pupils enrolled (grades of every stage).
    Pupils,
    /// Places: classrooms × the stage's standard class size.
    Places,
    /// Pupils above places, summed per school (a surplus never offsets another school's shortfall).
    Shortfall,
    Classes,
    /// Classes of ≥ 56 pupils (the scenario's threshold), super-oversized included.
    OversizedClasses,
    /// Classes of ≥ 66 pupils (the scenario's threshold).
    SuperOversizedClasses,
    /// Oversized classes in the base year minus oversized classes in this year.
    Cleared,
    /// Pupils moved by rebalancing in this year.
    PupilsMoved,
    /// Projects completed in time for this school year (open by 1 September), cumulative.
    ProjectsCompleted,
    /// Projects whose planned completion is in time for this school year, cumulative.
    ProjectsPlanned,
    /// Pupils added this year by natural increase: the change in pupils that neither migrants
    /// from outside the area nor returning students explain (entrants minus leavers, and
    /// progression). Migrant children from the area's own village schools are counted in
    /// [`Metric::DemandMigrant`] (they need town places) but add no pupil to the area.
    DemandNatural,
    /// Migrant children entering urban schools this year (pupils).
    DemandMigrant,
    /// Students returning from outside the city this year (pupils).
    DemandReturning,
}

impl Metric {
    pub const ALL: [Metric; 13] = [
        Metric::Pupils,
        Metric::Places,
        Metric::Shortfall,
        Metric::Classes,
        Metric::OversizedClasses,
        Metric::SuperOversizedClasses,
        Metric::Cleared,
        Metric::PupilsMoved,
        Metric::ProjectsCompleted,
        Metric::ProjectsPlanned,
        Metric::DemandNatural,
        Metric::DemandMigrant,
        Metric::DemandReturning,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Pupils => "pupils",
            Metric::Places => "places",
            Metric::Shortfall => "shortfall",
            Metric::Classes => "classes",
            Metric::OversizedClasses => "oversized_classes",
            Metric::SuperOversizedClasses => "super_oversized_classes",
            Metric::Cleared => "cleared",
            Metric::PupilsMoved => "pupils_moved",
            Metric::ProjectsCompleted => "projects_completed",
            Metric::ProjectsPlanned => "projects_planned",
            Metric::DemandNatural => "demand_natural",
            Metric::DemandMigrant => "demand_migrant",
            Metric::DemandReturning => "demand_returning",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// One row of `summary.csv`: a metric for one year and area (`ALL` = the city) over the draws.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    pub year: SchoolYear,
    pub area_id: String,
    pub metric: Metric,
    /// The central case (every uncertain value at its central value).
    pub central: f64,
    pub mean: f64,
    pub p5: f64,
    pub p10: f64,
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
}

/// One row of `schools.csv` (central case).
#[derive(Debug, Clone, PartialEq)]
pub struct SchoolRow {
    pub school_id: String,
    pub year: SchoolYear,
    pub grade: u8,
    pub pupils: u32,
    pub classes: u32,
    pub max_class_size: u32,
    pub oversized_classes: u32,
    pub super_oversized_classes: u32,
}

/// One row of `projects.csv`: probability that the project is open by 1 September of `year`.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectRow {
    pub project_id: String,
    pub year: SchoolYear,
    pub p_open: f64,
}

/// One row of `targets.csv`: probability over the draws that the target is met in `year`.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetRow {
    pub target: String,
    pub year: SchoolYear,
    pub probability: f64,
}

/// Everything one scenario run produces.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioResult {
    pub base_year: SchoolYear,
    pub horizon: SchoolYear,
    pub draws: u32,
    pub summary: Vec<SummaryRow>,
    pub schools: Vec<SchoolRow>,
    pub projects: Vec<ProjectRow>,
    pub targets: Vec<TargetRow>,
}

impl ScenarioResult {
    /// The summary row for a metric, year and area, if any.
    pub fn row(&self, metric: Metric, year: SchoolYear, area_id: &str) -> Option<&SummaryRow> {
        self.summary
            .iter()
            .find(|r| r.metric == metric && r.year == year && r.area_id == area_id)
    }
}
