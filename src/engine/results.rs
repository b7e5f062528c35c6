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
    /// Natural change of the area's pupils this year: entrants − leavers + progression change.
    /// With [`Metric::DemandMigrant`] and [`Metric::DemandReturning`] it adds up exactly to the
    /// change in pupils since the previous year (rural-to-town moves stay inside the area).
    DemandNatural,
    /// Migrant children from outside the city who joined the area's town-centre schools this
    /// year (pupils).
    DemandMigrant,
    /// Students returning from outside the city this year (pupils).
    DemandReturning,
    /// Grade-1 entrants this year (births × entry ratio), pupils.
    Entrants,
    /// Pupils who left the top grade of the last stage after the previous year (pupils).
    Leavers,
    /// Net gains (+) or losses (−) of progression this year: pupils of each cohort after it moved
    /// up a grade (or into the next stage) minus the same cohort the year before.
    ProgressionChange,
    /// Pupils who moved from the area's village schools to its town-centre schools this year
    /// (they need town places; they add no pupil to the area).
    TownArrivals,
    /// Pupils who left the area's village schools for its town-centre schools this year: equal
    /// to [`Metric::TownArrivals`], since a move takes a pupil from a village school that has
    /// them (a rate of its pupils: an empty village school sends nobody).
    VillageDepartures,
    /// Pupils in the area's village schools: the stock that rural-to-town moves draw on. As it
    /// runs down, so do the moves.
    VillagePupils,
}

impl Metric {
    pub const ALL: [Metric; 19] = [
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
        Metric::Entrants,
        Metric::Leavers,
        Metric::ProgressionChange,
        Metric::TownArrivals,
        Metric::VillageDepartures,
        Metric::VillagePupils,
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
            Metric::Entrants => "entrants",
            Metric::Leavers => "leavers",
            Metric::ProgressionChange => "progression_change",
            Metric::TownArrivals => "town_arrivals",
            Metric::VillageDepartures => "village_departures",
            Metric::VillagePupils => "village_pupils",
        }
    }

    /// A flow between the previous school year and this one: it has no value in the base year,
    /// which is observed, not simulated.
    pub fn is_flow(self) -> bool {
        matches!(
            self,
            Metric::PupilsMoved
                | Metric::DemandNatural
                | Metric::DemandMigrant
                | Metric::DemandReturning
                | Metric::Entrants
                | Metric::Leavers
                | Metric::ProgressionChange
                | Metric::TownArrivals
                | Metric::VillageDepartures
        )
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

/// One row of `schools.csv` (central case). Compact (no id string per row: a province has
/// millions of rows): the school's id is [`ScenarioResult::school_id`].
#[derive(Debug, Clone, PartialEq)]
pub struct SchoolRow {
    /// Index into [`ScenarioResult::school_ids`].
    pub school: u32,
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
    /// Sorted by school id, year and grade.
    pub schools: Vec<SchoolRow>,
    /// The ids of the schools that [`SchoolRow::school`] indexes.
    pub school_ids: Vec<String>,
    pub projects: Vec<ProjectRow>,
    pub targets: Vec<TargetRow>,
    /// Per area (id), P(target met) in each target's year, the target's shares applied to the
    /// area's classes.
    pub area_targets: Vec<(String, Vec<TargetRow>)>,
}

impl ScenarioResult {
    /// The summary row for a metric, year and area, if any.
    ///
    /// Looked up where a run puts it (rows by year, area in the order of `area_targets` then
    /// `ALL`, and metric; the flows have no base-year row), so that a nation's thousands of
    /// areas are not a scan each; any other order is searched.
    pub fn row(&self, metric: Metric, year: SchoolYear, area_id: &str) -> Option<&SummaryRow> {
        let is = |r: &&SummaryRow| r.metric == metric && r.year == year && r.area_id == area_id;
        if self.in_run_layout() {
            self.expected_row(metric, year, area_id)
                .and_then(|i| self.summary.get(i))
                .filter(is)
        } else {
            self.summary.iter().find(is)
        }
    }

    /// Whether the summary has the rows of a run, in its order (first and last checked).
    fn in_run_layout(&self) -> bool {
        let areas = self.area_targets.len();
        let years = usize::from(self.horizon.0.saturating_sub(self.base_year.0)) + 1;
        let stocks = Metric::ALL.iter().filter(|m| !m.is_flow()).count();
        let rows = (areas + 1) * (stocks + (years - 1) * Metric::ALL.len());
        let first = self
            .area_targets
            .first()
            .map_or("ALL", |(id, _)| id.as_str());
        let last = Metric::ALL[Metric::ALL.len() - 1];
        self.summary.len() == rows
            && self.summary.first().is_some_and(|r| {
                (r.metric, r.year, r.area_id.as_str()) == (Metric::ALL[0], self.base_year, first)
            })
            && self.summary.last().is_some_and(|r| {
                (r.metric, r.year, r.area_id.as_str()) == (last, self.horizon, "ALL")
            })
    }

    /// Where a run puts a summary row.
    fn expected_row(&self, metric: Metric, year: SchoolYear, area_id: &str) -> Option<usize> {
        let areas = self.area_targets.len();
        let area = if area_id == "ALL" {
            areas
        } else {
            self.area_targets.iter().position(|(id, _)| id == area_id)?
        };
        let t = usize::from(year.0.checked_sub(self.base_year.0)?);
        let metrics = Metric::ALL.len();
        let stocks = Metric::ALL.iter().filter(|m| !m.is_flow()).count();
        if t == 0 {
            let k = Metric::ALL[..metric.index()]
                .iter()
                .filter(|m| !m.is_flow())
                .count();
            (!metric.is_flow()).then_some(area * stocks + k)
        } else {
            Some((areas + 1) * stocks + ((t - 1) * (areas + 1) + area) * metrics + metric.index())
        }
    }

    /// The id of a row's school.
    pub fn school_id(&self, row: &SchoolRow) -> &str {
        &self.school_ids[row.school as usize]
    }
}
