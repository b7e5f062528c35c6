//! The vocabulary of SPEC.md §2 as types: areas, schools, stages, grades, school years,
//! projects, growth assumptions and the data set that holds them, and the progression
//! conventions ([`progression`]).
//!
//! This module only describes values; it reads no file and computes no projection.

use std::fmt;
use std::path::PathBuf;

pub mod limits;
pub mod progression;

/// A school year, named by the calendar year it starts in: 2019 = 2019/20, schools open 1 September.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SchoolYear(pub u16);

impl fmt::Display for SchoolYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A grade: 1–6 primary, 7–9 junior secondary (0 = kindergarten `K` in the projection tool).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Grade(pub u8);

/// A calendar month, used for project dates (`YYYY-MM` in files).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    pub year: u16,
    /// 1–12.
    pub month: u8,
}

impl YearMonth {
    /// Months since year 0, so that differences are month counts.
    pub fn index(self) -> i32 {
        i32::from(self.year) * 12 + i32::from(self.month) - 1
    }

    /// Inverse of [`YearMonth::index`].
    pub fn from_index(index: i32) -> YearMonth {
        YearMonth {
            year: index.div_euclid(12) as u16,
            month: (index.rem_euclid(12) + 1) as u8,
        }
    }

    /// The first school year a building completed in this month can be used:
    /// schools open 1 September, so a project completed in August 2020 serves 2020/21,
    /// one completed in September 2020 serves 2021/22.
    pub fn first_school_year(self) -> SchoolYear {
        if self.month <= 8 {
            SchoolYear(self.year)
        } else {
            SchoolYear(self.year + 1)
        }
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// A school stage: a named span of grades with a standard class size.
/// Stages are data: the default table is primary 1–6 (45) and junior 7–9 (50), per 建标[2002]102号.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    pub name: String,
    pub first_grade: u8,
    pub last_grade: u8,
    /// Standard class size (pupils per classroom) used for places and class formation.
    pub class_size: u32,
    /// Cost of building one place (yuan), for a project whose cost is not given; `None` =
    /// unknown.
    pub cost_per_place: Option<f64>,
}

impl Stage {
    pub fn grades(&self) -> usize {
        usize::from(self.last_grade - self.first_grade + 1)
    }
}

/// The default stage table (SPEC §2).
pub fn default_stages() -> Vec<Stage> {
    vec![
        Stage {
            name: "primary".into(),
            first_grade: 1,
            last_grade: 6,
            class_size: 45,
            cost_per_place: None,
        },
        Stage {
            name: "junior".into(),
            first_grade: 7,
            last_grade: 9,
            class_size: 50,
            cost_per_place: None,
        },
    ]
}

/// Kind of a county-level area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AreaKind {
    District,
    County,
    City,
    Zone,
}

impl AreaKind {
    pub const NAMES: [&'static str; 4] = ["district", "county", "city", "zone"];

    pub fn parse(s: &str) -> Option<AreaKind> {
        match s {
            "district" => Some(AreaKind::District),
            "county" => Some(AreaKind::County),
            "city" => Some(AreaKind::City),
            "zone" => Some(AreaKind::Zone),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// A county-level planning unit (区/县/市 or zone): the unit of accountability.
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    pub id: String,
    pub name: String,
    pub kind: AreaKind,
    /// An urban district (city proper), as opposed to a county or county-level city.
    pub urban: bool,
    /// The name in English, for English charts and reports (optional column `name_en`).
    pub name_en: Option<String>,
    /// Centroid (longitude, latitude) in degrees, WGS 84 (optional columns `lon`, `lat`), for
    /// the schematic map.
    pub centroid: Option<(f64, f64)>,
}

/// One school site and stage (a nine-year school is two rows).
#[derive(Debug, Clone, PartialEq)]
pub struct School {
    pub id: String,
    pub area_id: String,
    pub name: String,
    /// Name of a [`Stage`].
    pub stage: String,
    /// Town-centre school (true) or village school (false).
    pub urban: bool,
    /// Classrooms usable at the base date.
    pub classrooms: u32,
}

/// Pupils of one school and grade in one school year (`enrolment.csv`).
#[derive(Debug, Clone, PartialEq)]
pub struct Enrolment {
    /// Shared by the school's rows (a nation's history has millions of rows).
    pub school_id: std::sync::Arc<str>,
    pub year: SchoolYear,
    pub grade: Grade,
    pub pupils: u32,
}

/// Observed births in an area and calendar year (`births.csv`).
#[derive(Debug, Clone, PartialEq)]
pub struct Births {
    pub area_id: String,
    pub year: u16,
    pub births: f64,
}

/// The uncertain drivers of `growth.csv`. Units are in the doc of each variant.
///
/// Where the data set records its historical flows (`flows.csv`), progression ratios are
/// estimated net of them and the inflow drivers are total flows; where it does not, the inflow
/// drivers mean flows beyond the trend that the history already holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Driver {
    /// Annual relative change of births after the last observed year (e.g. -0.03 = −3 %/year).
    BirthChange,
    /// Grade-1 entrants per birth `entry_age` years earlier (ratio), net of the migrant and
    /// returning children who join grade 1.
    EntryRatio,
    /// Multiplier on the grade progression ratios estimated from history (ratio, 1 = history).
    ProgressionFactor,
    /// Migrant children from outside the city entering the area's town-centre schools in the
    /// first projected year (pupils per year).
    MigrantInflow,
    /// Annual relative change of the migrant inflow after the first projected year (e.g. -0.05).
    MigrantChange,
    /// Students returning from outside the city in the first projected year (pupils per year).
    ReturningInflow,
    /// Annual relative change of the returning inflow after the first projected year.
    ReturningChange,
    /// Share (0–1) of the area's village-school pupils who move to its town-centre schools each
    /// year (urbanisation inside the area): a rate of a stock, so the moves shrink as villages
    /// empty and never take a pupil a village school does not have.
    RuralToTownRate,
}

impl Driver {
    pub const ALL: [Driver; 8] = [
        Driver::BirthChange,
        Driver::EntryRatio,
        Driver::ProgressionFactor,
        Driver::MigrantInflow,
        Driver::MigrantChange,
        Driver::ReturningInflow,
        Driver::ReturningChange,
        Driver::RuralToTownRate,
    ];
    pub const NAMES: [&'static str; 8] = [
        "birth_change",
        "entry_ratio",
        "progression_factor",
        "migrant_inflow",
        "migrant_change",
        "returning_inflow",
        "returning_change",
        "rural_to_town_rate",
    ];

    pub fn parse(s: &str) -> Option<Driver> {
        Self::NAMES
            .iter()
            .position(|n| *n == s)
            .map(|i| Self::ALL[i])
    }

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// Which areas a growth row or scenario override applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AreaSel {
    /// `*`: every area.
    All,
    Area(String),
}

impl AreaSel {
    pub fn matches(&self, area_id: &str) -> bool {
        match self {
            AreaSel::All => true,
            AreaSel::Area(a) => a == area_id,
        }
    }
}

/// A three-point estimate (low ≤ central ≤ high).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThreePoint {
    pub low: f64,
    pub central: f64,
    pub high: f64,
}

/// One row of the analysts' assumption sheet (`growth.csv`).
#[derive(Debug, Clone, PartialEq)]
pub struct Growth {
    pub area: AreaSel,
    pub driver: Driver,
    pub value: ThreePoint,
    /// First school year the row applies to (inclusive); `None` = from the start.
    pub from_year: Option<SchoolYear>,
    /// Last school year the row applies to (inclusive); `None` = to the horizon.
    pub to_year: Option<SchoolYear>,
}

/// Grade profile of an inflow (`profiles.csv`): which grades the newcomers join.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// `migrant_inflow` or `returning_inflow`.
    pub driver: Driver,
    pub grade: Grade,
    /// Share of the inflow joining this grade; the shares of a driver sum to 1.
    pub share: f64,
}

/// Kind of a construction project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectKind {
    /// A new school: `school_id` names a school that does not exist before the project opens.
    NewSchool,
    /// More classrooms at the existing school `school_id`.
    Expansion,
}

impl ProjectKind {
    pub const NAMES: [&'static str; 2] = ["new_school", "expansion"];

    pub fn parse(s: &str) -> Option<ProjectKind> {
        match s {
            "new_school" => Some(ProjectKind::NewSchool),
            "expansion" => Some(ProjectKind::Expansion),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// Status of a project at the base date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProjectStatus {
    Completed,
    UnderConstruction,
    NotStarted,
}

impl ProjectStatus {
    pub const NAMES: [&'static str; 3] = ["completed", "under_construction", "not_started"];

    pub fn parse(s: &str) -> Option<ProjectStatus> {
        match s {
            "completed" => Some(ProjectStatus::Completed),
            "under_construction" => Some(ProjectStatus::UnderConstruction),
            "not_started" => Some(ProjectStatus::NotStarted),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// A pipeline item (`projects.csv`): a new school or an expansion adding classrooms.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    pub id: String,
    pub name: String,
    pub area_id: String,
    pub stage: String,
    pub kind: ProjectKind,
    pub school_id: String,
    /// Classrooms added when the project completes.
    pub classrooms: u32,
    pub status: ProjectStatus,
    pub planned_start: YearMonth,
    pub planned_completion: YearMonth,
    /// Plan batch, e.g. `due-2019` (to complete in 2019) or `start-2019` (to start in 2019).
    pub batch: String,
    /// Cost, 万元 (10,000 yuan); `None` = its places × the stage's cost per place.
    pub cost: Option<f64>,
}

impl Project {
    /// The project's cost in yuan: its own, or its places × its stage's cost per place.
    pub fn cost_yuan(&self, stage: Option<&Stage>) -> Option<f64> {
        self.cost.map(|c| c * 10_000.0).or_else(|| {
            let st = stage?;
            Some(f64::from(self.classrooms) * f64::from(st.class_size) * st.cost_per_place?)
        })
    }
}

/// A flow recorded in a data set's history (`flows.csv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FlowKind {
    /// Migrant children from outside the city who joined the area's town-centre schools.
    MigrantInflow,
    /// Students who returned from outside the city.
    ReturningInflow,
    /// Pupils who moved from the area's village schools to its town-centre schools.
    RuralToTown,
}

impl FlowKind {
    pub const ALL: [FlowKind; 3] = [
        FlowKind::MigrantInflow,
        FlowKind::ReturningInflow,
        FlowKind::RuralToTown,
    ];
    pub const NAMES: [&'static str; 3] = ["migrant_inflow", "returning_inflow", "rural_to_town"];

    pub fn parse(s: &str) -> Option<FlowKind> {
        Self::NAMES
            .iter()
            .position(|n| *n == s)
            .map(|i| Self::ALL[i])
    }

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// Whether the flow changes the area's pupils (it comes from outside the city), as opposed
    /// to moving pupils between the area's own schools.
    pub fn external(self) -> bool {
        self != FlowKind::RuralToTown
    }
}

/// Pupils of one historical flow into an area in one school year (`flows.csv`): those who
/// joined between the previous school year's count and this one's.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    pub area_id: String,
    pub year: SchoolYear,
    pub kind: FlowKind,
    pub pupils: f64,
}

/// Facts of the data set's calendar (`settings.csv`): a city's facts are data, never constants
/// in the engine.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// The month the project statuses describe (e.g. 2019-07 for figures reported in July 2019).
    /// It lies in the base school year: after 1 September of the base year, by 31 August of the
    /// next.
    pub base_date: YearMonth,
    /// Age (years) at which children enter grade 1: entrants of school year Y were born in
    /// Y − `entry_age`.
    pub entry_age: u8,
}

/// A data set: one folder of CSV files (SPEC §3), loaded and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct DataSet {
    /// Folder name, e.g. `hengyang-2019`.
    pub name: String,
    pub dir: PathBuf,
    pub settings: Settings,
    pub stages: Vec<Stage>,
    pub areas: Vec<Area>,
    pub schools: Vec<School>,
    pub enrolment: Vec<Enrolment>,
    pub births: Vec<Births>,
    pub growth: Vec<Growth>,
    pub profiles: Vec<Profile>,
    pub projects: Vec<Project>,
    /// Historical flows; empty when the data set records none (its inflow drivers are then
    /// flows beyond the historical trend).
    pub flows: Vec<Flow>,
}

impl DataSet {
    /// The base year: the school year the latest counts describe (the latest year of the
    /// enrolment history). It is observed, not simulated.
    pub fn base_year(&self) -> Option<SchoolYear> {
        self.enrolment.iter().map(|e| e.year).max()
    }

    pub fn stage(&self, name: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.name == name)
    }
}
