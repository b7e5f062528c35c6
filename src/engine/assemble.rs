//! Assembly: a checked data set and scenario become flat arrays the simulation runs on.
//!
//! Describe (data set + scenario) → assemble (this module) → run (`sim`, `monte_carlo`).
//! Schools are sorted into groups of one area and stage, town-centre schools first (new schools
//! first among them), so every step of the hot loop walks contiguous ranges.
//!
//! [`assemble`] runs named phases, in this order: [`years`] (base year and horizon),
//! [`Grades::of`] (stages in grade order with the scenario's class rules), [`kept_projects`]
//! (the pipeline after the scenario's cancellations and extra projects), [`school_protos`]
//! (existing schools and the new schools the kept projects create), [`enrolment_by_area`]
//! (base-year pupils and the area histories), [`SchoolArrays::lay_out`] (schools sorted into
//! contiguous groups, as flat arrays), [`progression_ratios`] (per area, net of external flows),
//! [`BirthTable::of`], [`DriverSamplers::of`] (the drivers after the scenario's changes),
//! [`inflow_profile`], [`project_infos`] and [`fit_pipeline`].
//!
//! It checks only what joins the data set to the scenario (base year, horizon, the scenario's
//! references); the data set's own rules (stages of consecutive grades, births coverage, ids)
//! are the data-set reader's, checked once there. It reads no file.

use hashbrown::HashMap;
use rayon::prelude::*;

use thiserror::Error;

use super::classes::ClassRule;
use super::pipeline::{KnownDelays, Pipeline, Schedule};
use super::progression::{self, History, RatioError};
use super::sampling::Quantile;
use crate::model::{
    AreaSel, DataSet, Driver, FlowKind, Growth, Project, ProjectStatus, SchoolYear, ThreePoint,
    YearMonth,
};
use crate::scenario::{DriverChange, Sampling, Scenario};

#[derive(Debug, Error, PartialEq)]
pub enum AssembleError {
    #[error("the data set has no enrolment rows, so it has no base year")]
    NoBaseYear,
    #[error(
        "the scenario's base year {scenario} is not the data set's latest enrolment year {data}"
    )]
    BaseYear {
        scenario: SchoolYear,
        data: SchoolYear,
    },
    #[error("horizon {horizon} is before the base year {base}")]
    Horizon {
        horizon: SchoolYear,
        base: SchoolYear,
    },
    #[error("area {area}: no `{driver}` value in growth.csv for {year}")]
    MissingDriver {
        area: String,
        driver: &'static str,
        year: SchoolYear,
    },
    #[error("area {area}: progression ratios: {source}")]
    Ratios { area: String, source: RatioError },
    #[error("{what} `{id}` refers to unknown {kind} `{reference}`")]
    Reference {
        what: &'static str,
        id: String,
        kind: &'static str,
        reference: String,
    },
    #[error("cancelled project `{0}` is not in the data set")]
    UnknownCancellation(String),
    #[error(transparent)]
    Range(#[from] super::sim::RangeError),
}

/// A group of schools of one area and stage: `start..urban_end` town-centre, `urban_end..end` village.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub area: usize,
    pub stage: usize,
    pub start: usize,
    pub urban_end: usize,
    pub end: usize,
}

/// A stage as the simulation needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct StageInfo {
    pub name: String,
    pub first_grade: u8,
    pub grades: usize,
    pub rule: ClassRule,
}

/// A project as the simulation needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectInfo {
    pub id: String,
    pub area: usize,
    pub school: usize,
    /// Index of the school's group.
    pub group: usize,
    pub classrooms: u32,
    /// The project's dates and status, as the pipeline sees them.
    pub schedule: Schedule,
    pub source: Project,
}

/// The assembled model: every array the simulation reads, immutable and shared by threads.
#[derive(Debug, Clone, PartialEq)]
pub struct Assembled {
    pub base_year: SchoolYear,
    /// Years simulated including the base year: `base..=horizon`.
    pub years: usize,
    /// The month the project statuses describe (data: `settings.csv`).
    pub base_date: YearMonth,
    /// Age at grade-1 entry (data: `settings.csv`): entrants of year Y were born in Y − this.
    pub entry_age: u16,
    /// The data set records its historical flows: ratios are net of them and the inflow
    /// drivers are total flows (otherwise the drivers are flows beyond the historical trend).
    pub flows_recorded: bool,
    pub area_ids: Vec<String>,
    pub stages: Vec<StageInfo>,
    pub groups: Vec<Group>,
    /// Per school (sorted order).
    pub school_ids: Vec<String>,
    pub school_area: Vec<usize>,
    pub school_stage: Vec<usize>,
    pub school_urban: Vec<bool>,
    /// Created by a project: not open until its classrooms arrive.
    pub school_new: Vec<bool>,
    pub school_rooms: Vec<u32>,
    /// Offset of the school's grades in the flat pupil arrays.
    pub school_offset: Vec<usize>,
    /// Base-year pupils, flat (school, grade).
    pub base_pupils: Vec<f32>,
    /// Weight of the school in its group's entry-grade intake (pupils).
    pub entry_weight: Vec<f32>,
    /// Weight of a town-centre school in its group's inflows (pupils).
    pub inflow_weight: Vec<f32>,
    pub cells: usize,
    /// Progression ratio `ratios[area * transitions + (grade − min_grade)]`, grade → grade + 1.
    pub ratios: Vec<f32>,
    pub transitions: usize,
    pub min_grade: u8,
    /// Observed births per area, indexed by calendar year − `births_first_year`; NaN = not observed.
    pub births: Vec<f64>,
    pub births_first_year: u16,
    pub births_years: usize,
    /// Last observed birth year per area.
    pub births_last: Vec<u16>,
    /// Samplers of the distinct three-point values, and for each (driver, area, year) the index
    /// of its sampler: `driver_source[(driver * areas + area) * years + t]`.
    pub quantiles: Vec<Quantile>,
    pub quantile_driver: Vec<usize>,
    pub central: Vec<f64>,
    pub driver_source: Vec<usize>,
    pub correlation: f64,
    /// Inflow grade profiles (share of the inflow per grade − `min_grade`).
    pub migrant_profile: Vec<f32>,
    pub returning_profile: Vec<f32>,
    pub projects: Vec<ProjectInfo>,
    /// Each project's schedule (the same order), for the pipeline's sampler.
    pub schedules: Vec<Schedule>,
    /// When projects open: pace, delay model and its fit to the base-date evidence.
    pub pipeline: Pipeline,
    /// What the pipeline's sampling of `schedules` computes once for every draw.
    pub known_delays: KnownDelays,
    pub rebalancing: f32,
}

impl Assembled {
    pub fn areas(&self) -> usize {
        self.area_ids.len()
    }

    pub fn schools(&self) -> usize {
        self.school_ids.len()
    }

    pub fn grades_of(&self, school: usize) -> usize {
        self.stages[self.school_stage[school]].grades
    }

    pub fn year(&self, t: usize) -> SchoolYear {
        SchoolYear(self.base_year.0 + t as u16)
    }

    /// Index into `driver_source` of a driver, area and year index.
    #[inline(always)]
    pub fn source(&self, driver: Driver, area: usize, t: usize) -> usize {
        self.driver_source[(driver.index() * self.areas() + area) * self.years + t]
    }
}

/// The three-point value of a driver for an area and year (see [`governing_row`]).
fn resolve(ds: &DataSet, driver: Driver, area: &str, year: SchoolYear) -> Option<ThreePoint> {
    governing_row(&ds.growth, driver, area, year).map(|i| ds.growth[i].value)
}

/// The row of `growth` that gives `driver` its value in `area` and `year`: the area's own row
/// wins over `*`; among rows of equal rank the last one in the file wins.
pub(crate) fn governing_row(
    growth: &[Growth],
    driver: Driver,
    area: &str,
    year: SchoolYear,
) -> Option<usize> {
    let mut best: Option<(bool, usize)> = None;
    for (i, g) in growth.iter().enumerate() {
        let covers = g.from_year.is_none_or(|f| f <= year) && g.to_year.is_none_or(|t| year <= t);
        if g.driver != driver || !covers || !g.area.matches(area) {
            continue;
        }
        let specific = matches!(g.area, AreaSel::Area(_));
        if best.is_none_or(|(s, _)| specific || !s) {
            best = Some((specific, i));
        }
    }
    best.map(|(_, i)| i)
}

/// Assembles a data set and scenario into the simulation's arrays.
pub fn assemble(ds: &DataSet, sc: &Scenario) -> Result<Assembled, AssembleError> {
    let (base_year, years) = years(ds, sc)?;
    let grades = Grades::of(ds, sc);
    let area_ids: Vec<String> = ds.areas.iter().map(|a| a.id.clone()).collect();
    let area_of: HashMap<&str, usize> = ds
        .areas
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id.as_str(), i))
        .collect();
    let projects = kept_projects(ds, sc)?;
    let protos = school_protos(ds, &projects, &area_of, &grades)?;
    let (base, history) = enrolment_by_area(ds, &protos, base_year)?;
    let schools = SchoolArrays::lay_out(&protos, &grades.stages, &base);
    let ratios = progression_ratios(ds, sc, &area_ids, &area_of, &grades, &history, base_year)?;
    let births = BirthTable::of(ds, &area_of, area_ids.len(), base_year);
    let drivers = DriverSamplers::of(ds, sc, &area_ids, base_year, years)?;
    let projects = project_infos(projects, &area_of, &schools)?;
    let pipeline = fit_pipeline(ds, sc, &area_of, area_ids.len(), base_year, years);
    let schedules: Vec<Schedule> = projects.iter().map(|p| p.schedule).collect();
    let known_delays = pipeline.known_delays(&schedules);
    let migrant_profile = inflow_profile(ds, Driver::MigrantInflow, &grades);
    let returning_profile = inflow_profile(ds, Driver::ReturningInflow, &grades);
    let m = Assembled {
        base_year,
        years,
        base_date: ds.settings.base_date,
        entry_age: u16::from(ds.settings.entry_age),
        flows_recorded: !ds.flows.is_empty(),
        area_ids,
        stages: grades.stages,
        groups: schools.groups,
        school_ids: schools.ids,
        school_area: schools.area,
        school_stage: schools.stage,
        school_urban: schools.urban,
        school_new: schools.new,
        school_rooms: schools.rooms,
        school_offset: schools.offset,
        cells: schools.base_pupils.len(),
        base_pupils: schools.base_pupils,
        entry_weight: schools.entry_weight,
        inflow_weight: schools.inflow_weight,
        ratios,
        transitions: grades.transitions,
        min_grade: grades.min_grade,
        births: births.births,
        births_first_year: births.first_year,
        births_years: births.years,
        births_last: births.last,
        quantiles: drivers.quantiles,
        quantile_driver: drivers.quantile_driver,
        central: drivers.central,
        driver_source: drivers.driver_source,
        correlation: sc.correlation,
        migrant_profile,
        returning_profile,
        schedules,
        known_delays,
        projects,
        pipeline,
        rebalancing: sc.rebalancing as f32,
    };
    // Refused rather than counted wrong: see `sim::check_range`.
    super::sim::check_range(&m)?;
    Ok(m)
}

/// Phase 1: the base year (the data set's latest enrolment year, which the scenario may pin)
/// and the number of years simulated, base year to horizon inclusive.
fn years(ds: &DataSet, sc: &Scenario) -> Result<(SchoolYear, usize), AssembleError> {
    let base_year = ds.base_year().ok_or(AssembleError::NoBaseYear)?;
    if let Some(b) = sc.base_year
        && b != base_year
    {
        return Err(AssembleError::BaseYear {
            scenario: b,
            data: base_year,
        });
    }
    if sc.horizon < base_year {
        return Err(AssembleError::Horizon {
            horizon: sc.horizon,
            base: base_year,
        });
    }
    Ok((base_year, usize::from(sc.horizon.0 - base_year.0) + 1))
}

/// Phase 2: the stages in grade order, each with the class rule the scenario gives it, and the
/// grade range they span.
struct Grades {
    stages: Vec<StageInfo>,
    min_grade: u8,
    max_grade: u8,
    /// Grade-to-grade transitions over all stages: `max_grade − min_grade`.
    transitions: usize,
}

impl Grades {
    fn of(ds: &DataSet, sc: &Scenario) -> Grades {
        // Sorted by first grade (the data set's reader checks they are consecutive).
        let mut stage_list = ds.stages.clone();
        stage_list.sort_by_key(|s| s.first_grade);
        let stages: Vec<StageInfo> = stage_list
            .iter()
            .map(|s| StageInfo {
                name: s.name.clone(),
                first_grade: s.first_grade,
                grades: s.grades(),
                rule: ClassRule {
                    size: (*sc
                        .classes
                        .standard_size
                        .get(&s.name)
                        .unwrap_or(&s.class_size))
                    .max(1),
                    oversized: sc.classes.oversized,
                    super_oversized: sc.classes.super_oversized,
                },
            })
            .collect();
        let min_grade = stages.first().map_or(1, |s| s.first_grade);
        let max_grade = stage_list.last().map_or(1, |s| s.last_grade);
        Grades {
            stages,
            min_grade,
            max_grade,
            transitions: usize::from(max_grade - min_grade),
        }
    }

    fn stage_of(&self, name: &str) -> Option<usize> {
        self.stages.iter().position(|s| s.name == name)
    }
}

/// Phase 3: the projects the scenario keeps: the data set's, less its cancellations (each of
/// which must name a project of the data set), then its extra projects, not started.
fn kept_projects(ds: &DataSet, sc: &Scenario) -> Result<Vec<Project>, AssembleError> {
    let cancelled = |p: &Project| {
        sc.cancel.all || sc.cancel.batches.contains(&p.batch) || sc.cancel.projects.contains(&p.id)
    };
    for id in &sc.cancel.projects {
        if !ds.projects.iter().any(|p| &p.id == id) {
            return Err(AssembleError::UnknownCancellation(id.clone()));
        }
    }
    let mut projects: Vec<Project> = ds
        .projects
        .iter()
        .filter(|p| !cancelled(p))
        .cloned()
        .collect();
    projects.extend(sc.extra_projects.iter().map(|e| Project {
        id: e.id.clone(),
        name: e.name.clone(),
        area_id: e.area_id.clone(),
        stage: e.stage.clone(),
        kind: e.kind,
        school_id: e.school_id.clone(),
        classrooms: e.classrooms,
        status: ProjectStatus::NotStarted,
        planned_start: e.planned_start,
        planned_completion: e.planned_completion,
        batch: e.batch.clone(),
        cost: None,
    }));
    Ok(projects)
}

/// A school before sorting: an existing one, or a new one a kept project creates.
struct Proto {
    id: String,
    area: usize,
    stage: usize,
    urban: bool,
    new: bool,
    rooms: u32,
    design_rooms: u32,
}

/// Phase 4: the existing schools in the data set's order, then one new (town-centre) school per
/// school id of a kept project that is not a school yet; its design is the classrooms of all
/// the projects that build it.
fn school_protos(
    ds: &DataSet,
    projects: &[Project],
    area_of: &HashMap<&str, usize>,
    grades: &Grades,
) -> Result<Vec<Proto>, AssembleError> {
    let mut protos: Vec<Proto> = Vec::with_capacity(ds.schools.len() + projects.len());
    for s in &ds.schools {
        let area = *area_of
            .get(s.area_id.as_str())
            .ok_or_else(|| AssembleError::Reference {
                what: "school",
                id: s.id.clone(),
                kind: "area",
                reference: s.area_id.clone(),
            })?;
        let stage = grades
            .stage_of(&s.stage)
            .ok_or_else(|| AssembleError::Reference {
                what: "school",
                id: s.id.clone(),
                kind: "stage",
                reference: s.stage.clone(),
            })?;
        protos.push(Proto {
            id: s.id.clone(),
            area,
            stage,
            urban: s.urban,
            new: false,
            rooms: s.classrooms,
            design_rooms: 0,
        });
    }
    // School id → index in `protos` (a province has tens of thousands: no linear search).
    let mut proto_of: HashMap<String, usize> = protos
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.clone(), i))
        .collect();
    for p in projects {
        if let Some(&i) = proto_of.get(&p.school_id) {
            // A further project of a new school adds to its design; one of an existing
            // school adds classrooms only.
            if protos[i].new {
                protos[i].design_rooms += p.classrooms;
            }
            continue;
        }
        let area = *area_of
            .get(p.area_id.as_str())
            .ok_or_else(|| AssembleError::Reference {
                what: "project",
                id: p.id.clone(),
                kind: "area",
                reference: p.area_id.clone(),
            })?;
        let stage = grades
            .stage_of(&p.stage)
            .ok_or_else(|| AssembleError::Reference {
                what: "project",
                id: p.id.clone(),
                kind: "stage",
                reference: p.stage.clone(),
            })?;
        proto_of.insert(p.school_id.clone(), protos.len());
        protos.push(Proto {
            id: p.school_id.clone(),
            area,
            stage,
            urban: true,
            new: true,
            rooms: 0,
            design_rooms: p.classrooms,
        });
    }
    Ok(protos)
}

/// Base-year pupils by (school id, grade).
type BasePupils<'a> = HashMap<(&'a str, u8), f32>;
/// Pupils by (area, calendar year, grade): an area's history, or its external flows.
type AreaCounts = HashMap<(usize, u16, u8), f64>;

/// Phase 5: the base year's pupils of each school and grade, and every year's pupils summed by
/// area and grade (the history the progression ratios are estimated from).
fn enrolment_by_area<'a>(
    ds: &'a DataSet,
    protos: &[Proto],
    base_year: SchoolYear,
) -> Result<(BasePupils<'a>, AreaCounts), AssembleError> {
    let input_index: HashMap<&str, usize> = protos
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let mut base: BasePupils<'a> = HashMap::new();
    let mut history: AreaCounts = HashMap::new();
    // A school's rows come together: its index is looked up once per run of them.
    let mut last: Option<(&str, usize)> = None;
    for e in &ds.enrolment {
        let i = match last {
            Some((id, i)) if id == &*e.school_id => i,
            _ => {
                let Some(&i) = input_index.get(&*e.school_id) else {
                    return Err(AssembleError::Reference {
                        what: "enrolment row of school",
                        id: e.school_id.to_string(),
                        kind: "school",
                        reference: e.school_id.to_string(),
                    });
                };
                last = Some((&*e.school_id, i));
                i
            }
        };
        if e.year == base_year {
            base.insert((&*e.school_id, e.grade.0), e.pupils as f32);
        }
        *history
            .entry((protos[i].area, e.year.0, e.grade.0))
            .or_default() += f64::from(e.pupils);
    }
    Ok((base, history))
}

/// Phase 6: the schools in simulation order, as flat per-school arrays, with their base-year
/// pupils flat by (school, grade) and the contiguous groups of one area and stage.
struct SchoolArrays {
    ids: Vec<String>,
    area: Vec<usize>,
    stage: Vec<usize>,
    urban: Vec<bool>,
    new: Vec<bool>,
    rooms: Vec<u32>,
    offset: Vec<usize>,
    base_pupils: Vec<f32>,
    entry_weight: Vec<f32>,
    inflow_weight: Vec<f32>,
    groups: Vec<Group>,
}

impl SchoolArrays {
    fn lay_out(protos: &[Proto], stages: &[StageInfo], base: &BasePupils<'_>) -> SchoolArrays {
        let mut order: Vec<usize> = (0..protos.len()).collect();
        order.sort_by_key(|&i| {
            let s = &protos[i];
            (s.area, s.stage, !s.urban, !s.new, i)
        });
        let n = order.len();
        let mut out = SchoolArrays {
            ids: Vec::with_capacity(n),
            area: Vec::with_capacity(n),
            stage: Vec::with_capacity(n),
            urban: Vec::with_capacity(n),
            new: Vec::with_capacity(n),
            rooms: Vec::with_capacity(n),
            offset: Vec::with_capacity(n),
            base_pupils: Vec::new(),
            entry_weight: Vec::with_capacity(n),
            inflow_weight: Vec::with_capacity(n),
            groups: Vec::new(),
        };
        for (pos, &i) in order.iter().enumerate() {
            let s = &protos[i];
            let st = &stages[s.stage];
            out.offset.push(out.base_pupils.len());
            let mut total = 0.0f32;
            for g in 0..st.grades {
                let p = base
                    .get(&(s.id.as_str(), st.first_grade + g as u8))
                    .copied()
                    .unwrap_or(0.0);
                out.base_pupils.push(p);
                total += p;
            }
            let size = st.rule.size as f32;
            let design = s.design_rooms as f32 * size;
            // An existing school takes entrants in proportion to its entry grade now; a new
            // school in proportion to one year-group of its design capacity.
            out.entry_weight.push(if s.new {
                design / st.grades as f32
            } else {
                out.base_pupils[out.offset[pos]]
            });
            out.inflow_weight.push(if s.new { design } else { total });
            out.ids.push(s.id.clone());
            out.area.push(s.area);
            out.stage.push(s.stage);
            out.urban.push(s.urban);
            out.new.push(s.new);
            out.rooms.push(s.rooms);
            match out.groups.last_mut() {
                Some(g) if g.area == s.area && g.stage == s.stage => {
                    g.end = pos + 1;
                    if s.urban {
                        g.urban_end = pos + 1;
                    }
                }
                _ => out.groups.push(Group {
                    area: s.area,
                    stage: s.stage,
                    start: pos,
                    urban_end: if s.urban { pos + 1 } else { pos },
                    end: pos + 1,
                }),
            }
        }
        out
    }
}

/// Phase 7: progression ratios per area, `ratios[area * transitions + (grade − min_grade)]`,
/// from the area totals of the history, net of its external flows.
///
/// The external flows of the history by (area, year, grade) are spread over grades by the
/// inflow profiles: progression ratios are estimated net of them, so that the inflow drivers
/// do not count again what the ratios already hold. Rural-to-town moves stay inside an area,
/// so its totals, and its ratios, do not see them.
fn progression_ratios(
    ds: &DataSet,
    sc: &Scenario,
    area_ids: &[String],
    area_of: &HashMap<&str, usize>,
    grades: &Grades,
    history: &AreaCounts,
    base_year: SchoolYear,
) -> Result<Vec<f32>, AssembleError> {
    let (min_grade, max_grade) = (grades.min_grade, grades.max_grade);
    let grade_share = |driver: Driver, grade: u8| -> f64 {
        ds.profiles
            .iter()
            .filter(|p| p.driver == driver && p.grade.0 == grade)
            .map(|p| p.share)
            .sum()
    };
    let mut inflow: AreaCounts = HashMap::new();
    for f in ds.flows.iter().filter(|f| f.kind.external()) {
        let Some(&a) = area_of.get(f.area_id.as_str()) else {
            continue;
        };
        let driver = match f.kind {
            FlowKind::MigrantInflow => Driver::MigrantInflow,
            _ => Driver::ReturningInflow,
        };
        for g in min_grade..=max_grade {
            let share = grade_share(driver, g);
            if share > 0.0 {
                *inflow.entry((a, f.year.0, g)).or_default() += f.pupils * share;
            }
        }
    }
    let first_year = ds
        .enrolment
        .iter()
        .map(|e| e.year.0)
        .min()
        .unwrap_or(base_year.0);
    let mut ratios = Vec::with_capacity(area_ids.len() * grades.transitions);
    for (a, id) in area_ids.iter().enumerate() {
        let table = |of: &AreaCounts| -> Vec<Vec<f64>> {
            (first_year..=base_year.0)
                .map(|y| {
                    (min_grade..=max_grade)
                        .map(|g| of.get(&(a, y, g)).copied().unwrap_or(0.0))
                        .collect()
                })
                .collect()
        };
        let h = History {
            first_year,
            first_grade: min_grade,
            counts: table(history),
        };
        let joined = table(&inflow);
        let r = progression::estimate_net_ratios(&h, Some(&joined), &sc.progression).map_err(
            |source| AssembleError::Ratios {
                area: id.clone(),
                source,
            },
        )?;
        ratios.extend(r.iter().map(|&x| x as f32));
    }
    Ok(ratios)
}

/// Phase 8: observed births per area by calendar year (NaN where not observed). The data-set
/// reader has checked that every area's births cover the base year's entrants onwards without
/// holes, so every entry year up to an area's last observed birth year has its births.
struct BirthTable {
    /// `births[area * years + (year − first_year)]`.
    births: Vec<f64>,
    first_year: u16,
    years: usize,
    /// Last observed birth year per area.
    last: Vec<u16>,
}

impl BirthTable {
    fn of(
        ds: &DataSet,
        area_of: &HashMap<&str, usize>,
        areas: usize,
        base_year: SchoolYear,
    ) -> BirthTable {
        let first_year = ds
            .births
            .iter()
            .map(|b| b.year)
            .min()
            .unwrap_or(base_year.0);
        let end = ds
            .births
            .iter()
            .map(|b| b.year)
            .max()
            .unwrap_or(base_year.0);
        let years = usize::from(end - first_year) + 1;
        let mut births = vec![f64::NAN; areas * years];
        let mut last = vec![0u16; areas];
        for b in &ds.births {
            if let Some(&a) = area_of.get(b.area_id.as_str()) {
                births[a * years + usize::from(b.year - first_year)] = b.births;
                last[a] = last[a].max(b.year);
            }
        }
        BirthTable {
            births,
            first_year,
            years,
            last,
        }
    }
}

/// Phase 9: the drivers of every area and year after the scenario's changes, as distinct
/// three-point samplers and, per (driver, area, year), the index of its sampler.
struct DriverSamplers {
    quantiles: Vec<Quantile>,
    quantile_driver: Vec<usize>,
    central: Vec<f64>,
    driver_source: Vec<usize>,
}

impl DriverSamplers {
    fn of(
        ds: &DataSet,
        sc: &Scenario,
        area_ids: &[String],
        base_year: SchoolYear,
        years: usize,
    ) -> Result<DriverSamplers, AssembleError> {
        let mut out = DriverSamplers {
            quantiles: Vec::new(),
            quantile_driver: Vec::new(),
            central: Vec::new(),
            driver_source: vec![0usize; Driver::ALL.len() * area_ids.len() * years],
        };
        // Each driver's value per area and year, after the scenario's changes, in the order of
        // `driver_source`.
        let mut values = Vec::with_capacity(out.driver_source.len());
        for driver in Driver::ALL {
            for id in area_ids {
                for t in 0..years {
                    let year = SchoolYear(base_year.0 + t as u16);
                    let mut tp =
                        resolve(ds, driver, id, year).ok_or(AssembleError::MissingDriver {
                            area: id.clone(),
                            driver: driver.as_str(),
                            year,
                        })?;
                    for o in sc
                        .drivers
                        .iter()
                        .filter(|o| o.driver == driver && o.area.matches(id))
                    {
                        tp = match o.change {
                            DriverChange::Multiply(k) => {
                                let (x, y) = (tp.low * k, tp.high * k);
                                ThreePoint {
                                    low: x.min(y),
                                    central: tp.central * k,
                                    high: x.max(y),
                                }
                            }
                            DriverChange::Replace(v) => v,
                        };
                    }
                    values.push(tp);
                }
            }
        }
        let bits = |tp: &ThreePoint| [tp.low.to_bits(), tp.central.to_bits(), tp.high.to_bits()];
        // Areas that share a value share its table (a PERT table is 8,000 powers): each
        // distinct value tabulated once, the values side by side on the run's threads.
        let mut distinct: HashMap<[u64; 3], usize> = HashMap::new();
        let mut firsts = Vec::new();
        for tp in &values {
            distinct.entry(bits(tp)).or_insert_with(|| {
                firsts.push(*tp);
                firsts.len() - 1
            });
        }
        let tables: Vec<Quantile> = firsts
            .par_iter()
            .map(|&tp| match sc.sampling {
                Sampling::Triangular => Quantile::triangular(tp),
                Sampling::Pert => Quantile::pert(tp),
            })
            .collect();
        // One sampler per (driver, area, value): the same value in other years is the same
        // uncertain quantity, drawn once per draw.
        let mut seen: HashMap<(usize, usize, [u64; 3]), usize> = HashMap::new();
        for (i, tp) in values.iter().enumerate() {
            let (driver, a) = (i / years / area_ids.len(), i / years % area_ids.len());
            let key = (driver, a, bits(tp));
            out.driver_source[i] = *seen.entry(key).or_insert_with(|| {
                out.quantiles.push(tables[distinct[&key.2]].clone());
                out.quantile_driver.push(driver);
                out.central.push(tp.central);
                out.quantiles.len() - 1
            });
        }
        Ok(out)
    }
}

/// Phase 10 (per inflow driver): the share of the inflow per grade − `min_grade`.
fn inflow_profile(ds: &DataSet, driver: Driver, grades: &Grades) -> Vec<f32> {
    let mut v = vec![0.0f32; grades.transitions + 1];
    for p in ds.profiles.iter().filter(|p| p.driver == driver) {
        if let Some(slot) = p
            .grade
            .0
            .checked_sub(grades.min_grade)
            .and_then(|g| v.get_mut(usize::from(g)))
        {
            *slot = p.share as f32;
        }
    }
    v
}

/// Phase 11: each kept project with its area, its school's and group's positions in
/// simulation order, and its schedule.
fn project_infos(
    projects: Vec<Project>,
    area_of: &HashMap<&str, usize>,
    schools: &SchoolArrays,
) -> Result<Vec<ProjectInfo>, AssembleError> {
    let sorted_index: HashMap<&str, usize> = schools
        .ids
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    projects
        .into_iter()
        .map(|p| {
            let area =
                *area_of
                    .get(p.area_id.as_str())
                    .ok_or_else(|| AssembleError::Reference {
                        what: "project",
                        id: p.id.clone(),
                        kind: "area",
                        reference: p.area_id.clone(),
                    })?;
            let school = *sorted_index.get(p.school_id.as_str()).ok_or_else(|| {
                AssembleError::Reference {
                    what: "project",
                    id: p.id.clone(),
                    kind: "school",
                    reference: p.school_id.clone(),
                }
            })?;
            let group = schools
                .groups
                .iter()
                .position(|g| (g.start..g.end).contains(&school))
                .unwrap_or(0);
            Ok(ProjectInfo {
                id: p.id.clone(),
                area,
                school,
                group,
                classrooms: p.classrooms,
                schedule: Schedule::of(&p, area),
                source: p,
            })
        })
        .collect()
}

/// Phase 12: when projects open (pace, delay model), fitted on the data set's own pipeline,
/// whatever the scenario cancels.
fn fit_pipeline(
    ds: &DataSet,
    sc: &Scenario,
    area_of: &HashMap<&str, usize>,
    areas: usize,
    base_year: SchoolYear,
    years: usize,
) -> Pipeline {
    let evidence: Vec<Schedule> = ds
        .projects
        .iter()
        .map(|p| Schedule::of(p, area_of.get(p.area_id.as_str()).copied().unwrap_or(0)))
        .collect();
    Pipeline::fit(
        &evidence,
        sc.pace,
        sc.delay_model,
        ds.settings.base_date,
        base_year,
        years,
        areas,
    )
}
