//! Assembly: a checked data set and scenario become flat arrays the simulation runs on.
//!
//! Describe (data set + scenario) → assemble (this module) → run (`sim`, `monte_carlo`).
//! Schools are sorted into groups of one area and stage, town-centre schools first (new schools
//! first among them), so every step of the hot loop walks contiguous ranges.

use std::collections::HashMap;

use thiserror::Error;

use super::classes::ClassRule;
use super::pipeline::{Pipeline, Schedule};
use super::progression::{self, History, RatioError};
use super::sampling::Quantile;
use crate::model::{
    AreaSel, DataSet, Driver, FlowKind, Project, ProjectStatus, SchoolYear, ThreePoint, YearMonth,
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
    #[error("area {area}: no births for {year}, needed for the grade-1 entrants of {entry}")]
    MissingBirths { area: String, year: u16, entry: u16 },
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

/// The three-point value of a driver for an area and year: the area's own row wins over `*`;
/// among rows of equal rank the last one in the file wins.
fn resolve(ds: &DataSet, driver: Driver, area: &str, year: SchoolYear) -> Option<ThreePoint> {
    let mut best: Option<(bool, ThreePoint)> = None;
    for g in &ds.growth {
        let covers = g.from_year.is_none_or(|f| f <= year) && g.to_year.is_none_or(|t| year <= t);
        if g.driver != driver || !covers || !g.area.matches(area) {
            continue;
        }
        let specific = matches!(g.area, AreaSel::Area(_));
        if best.is_none_or(|(s, _)| specific || !s) {
            best = Some((specific, g.value));
        }
    }
    best.map(|(_, v)| v)
}

/// Assembles a data set and scenario into the simulation's arrays.
pub fn assemble(ds: &DataSet, sc: &Scenario) -> Result<Assembled, AssembleError> {
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
    let years = usize::from(sc.horizon.0 - base_year.0) + 1;
    let base_date = ds.settings.base_date;
    let entry_age = u16::from(ds.settings.entry_age);

    // Stages, sorted by first grade (the data set's reader checks they are contiguous).
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
    let transitions = usize::from(max_grade - min_grade);
    let stage_of = |name: &str| stages.iter().position(|s| s.name == name);

    let area_ids: Vec<String> = ds.areas.iter().map(|a| a.id.clone()).collect();
    let area_of: HashMap<&str, usize> = area_ids
        .iter()
        .enumerate()
        .map(|(i, a)| (a.as_str(), i))
        .collect();

    // Projects kept by the scenario.
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

    // Schools: existing ones plus the new schools the kept projects create.
    struct Proto {
        id: String,
        area: usize,
        stage: usize,
        urban: bool,
        new: bool,
        rooms: u32,
        design_rooms: u32,
    }
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
        let stage = stage_of(&s.stage).ok_or_else(|| AssembleError::Reference {
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
    for p in &projects {
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
        let stage = stage_of(&p.stage).ok_or_else(|| AssembleError::Reference {
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
    let input_index: HashMap<&str, usize> = protos
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let mut order: Vec<usize> = (0..protos.len()).collect();
    order.sort_by_key(|&i| {
        let s = &protos[i];
        (s.area, s.stage, !s.urban, !s.new, i)
    });

    // Base-year pupils by (school id, grade).
    let mut base: HashMap<(&str, u8), f32> = HashMap::new();
    let mut history: HashMap<(usize, u16, u8), f64> = HashMap::new();
    for e in &ds.enrolment {
        let Some(&i) = input_index.get(e.school_id.as_str()) else {
            return Err(AssembleError::Reference {
                what: "enrolment row of school",
                id: e.school_id.clone(),
                kind: "school",
                reference: e.school_id.clone(),
            });
        };
        if e.year == base_year {
            base.insert((e.school_id.as_str(), e.grade.0), e.pupils as f32);
        }
        *history
            .entry((protos[i].area, e.year.0, e.grade.0))
            .or_default() += f64::from(e.pupils);
    }

    let n = order.len();
    let mut school_ids = Vec::with_capacity(n);
    let (mut school_area, mut school_stage, mut school_urban, mut school_new, mut school_rooms) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut school_offset, mut base_pupils, mut entry_weight, mut inflow_weight) = (
        Vec::with_capacity(n),
        Vec::new(),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let mut groups: Vec<Group> = Vec::new();
    for (pos, &i) in order.iter().enumerate() {
        let s = &protos[i];
        let st = &stages[s.stage];
        school_offset.push(base_pupils.len());
        let mut total = 0.0f32;
        for g in 0..st.grades {
            let p = base
                .get(&(s.id.as_str(), st.first_grade + g as u8))
                .copied()
                .unwrap_or(0.0);
            base_pupils.push(p);
            total += p;
        }
        let size = st.rule.size as f32;
        let design = s.design_rooms as f32 * size;
        // An existing school takes entrants in proportion to its entry grade now; a new school
        // in proportion to one year-group of its design capacity.
        entry_weight.push(if s.new {
            design / st.grades as f32
        } else {
            base_pupils[school_offset[pos]]
        });
        inflow_weight.push(if s.new { design } else { total });
        school_ids.push(s.id.clone());
        school_area.push(s.area);
        school_stage.push(s.stage);
        school_urban.push(s.urban);
        school_new.push(s.new);
        school_rooms.push(s.rooms);
        match groups.last_mut() {
            Some(g) if g.area == s.area && g.stage == s.stage => {
                g.end = pos + 1;
                if s.urban {
                    g.urban_end = pos + 1;
                }
            }
            _ => groups.push(Group {
                area: s.area,
                stage: s.stage,
                start: pos,
                urban_end: if s.urban { pos + 1 } else { pos },
                end: pos + 1,
            }),
        }
    }
    let cells = base_pupils.len();
    let sorted_index: HashMap<&str, usize> = school_ids
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();

    // External flows of the history by (area, year, grade), spread over grades by the inflow
    // profiles: progression ratios are estimated net of them, so that the inflow drivers do
    // not count again what the ratios already hold. Rural-to-town moves stay inside an area,
    // so its totals, and its ratios, do not see them.
    let grade_share = |driver: Driver, grade: u8| -> f64 {
        ds.profiles
            .iter()
            .filter(|p| p.driver == driver && p.grade.0 == grade)
            .map(|p| p.share)
            .sum()
    };
    let mut inflow: HashMap<(usize, u16, u8), f64> = HashMap::new();
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
    // Progression ratios per area from the area totals of the history, net of external flows.
    let first_year = ds
        .enrolment
        .iter()
        .map(|e| e.year.0)
        .min()
        .unwrap_or(base_year.0);
    let mut ratios = Vec::with_capacity(area_ids.len() * transitions);
    for (a, id) in area_ids.iter().enumerate() {
        let table = |of: &HashMap<(usize, u16, u8), f64>| -> Vec<Vec<f64>> {
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
            counts: table(&history),
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

    // Births.
    let births_first_year = ds
        .births
        .iter()
        .map(|b| b.year)
        .min()
        .unwrap_or(base_year.0);
    let births_end = ds
        .births
        .iter()
        .map(|b| b.year)
        .max()
        .unwrap_or(base_year.0);
    let births_years = usize::from(births_end - births_first_year) + 1;
    let mut births = vec![f64::NAN; area_ids.len() * births_years];
    let mut births_last = vec![0u16; area_ids.len()];
    for b in &ds.births {
        if let Some(&a) = area_of.get(b.area_id.as_str()) {
            births[a * births_years + usize::from(b.year - births_first_year)] = b.births;
            births_last[a] = births_last[a].max(b.year);
        }
    }
    for (a, id) in area_ids.iter().enumerate() {
        for t in 1..years {
            let entry = base_year.0 + t as u16;
            let y = entry - entry_age;
            let observed = y >= births_first_year
                && y <= births_end
                && !births[a * births_years + usize::from(y - births_first_year)].is_nan();
            if !observed && y <= births_last[a] {
                return Err(AssembleError::MissingBirths {
                    area: id.clone(),
                    year: y,
                    entry,
                });
            }
        }
    }

    // Drivers: distinct three-point values after the scenario's changes.
    let mut quantiles = Vec::new();
    let mut quantile_driver = Vec::new();
    let mut central = Vec::new();
    let mut seen: HashMap<(usize, usize, [u64; 3]), usize> = HashMap::new();
    let mut driver_source = vec![0usize; Driver::ALL.len() * area_ids.len() * years];
    for driver in Driver::ALL {
        for (a, id) in area_ids.iter().enumerate() {
            for t in 0..years {
                let year = SchoolYear(base_year.0 + t as u16);
                let mut tp = resolve(ds, driver, id, year).ok_or(AssembleError::MissingDriver {
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
                // One sampler per (driver, area, value): the same value in other years is the
                // same uncertain quantity, drawn once per draw.
                let key = (
                    driver.index(),
                    a,
                    [tp.low.to_bits(), tp.central.to_bits(), tp.high.to_bits()],
                );
                let src = *seen.entry(key).or_insert_with(|| {
                    quantiles.push(match sc.sampling {
                        Sampling::Triangular => Quantile::triangular(tp),
                        Sampling::Pert => Quantile::pert(tp),
                    });
                    quantile_driver.push(driver.index());
                    central.push(tp.central);
                    quantiles.len() - 1
                });
                driver_source[(driver.index() * area_ids.len() + a) * years + t] = src;
            }
        }
    }

    let profile = |driver: Driver| {
        let mut v = vec![0.0f32; transitions + 1];
        for p in ds.profiles.iter().filter(|p| p.driver == driver) {
            if let Some(slot) = p
                .grade
                .0
                .checked_sub(min_grade)
                .and_then(|g| v.get_mut(usize::from(g)))
            {
                *slot = p.share as f32;
            }
        }
        v
    };

    let projects = projects
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
            let group = groups
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
        .collect::<Result<Vec<_>, AssembleError>>()?;
    // Fitted on the data set's own pipeline, whatever the scenario cancels.
    let evidence: Vec<Schedule> = ds
        .projects
        .iter()
        .map(|p| Schedule::of(p, area_of.get(p.area_id.as_str()).copied().unwrap_or(0)))
        .collect();
    let pipeline = Pipeline::fit(
        &evidence,
        sc.pace,
        sc.delay_model,
        base_date,
        base_year,
        years,
        area_ids.len(),
    );

    Ok(Assembled {
        base_year,
        years,
        base_date,
        entry_age,
        flows_recorded: !ds.flows.is_empty(),
        area_ids,
        stages,
        groups,
        school_ids,
        school_area,
        school_stage,
        school_urban,
        school_new,
        school_rooms,
        school_offset,
        base_pupils,
        entry_weight,
        inflow_weight,
        cells,
        ratios,
        transitions,
        min_grade,
        births,
        births_first_year,
        births_years,
        births_last,
        quantiles,
        quantile_driver,
        central,
        driver_source,
        correlation: sc.correlation,
        migrant_profile: profile(Driver::MigrantInflow),
        returning_profile: profile(Driver::ReturningInflow),
        schedules: projects.iter().map(|p| p.schedule).collect(),
        projects,
        pipeline,
        rebalancing: sc.rebalancing as f32,
    })
}
