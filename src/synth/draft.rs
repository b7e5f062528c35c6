//! The draft: areas, schools, the history's first year of pupils and births, synthesised from the
//! area specs with seeded noise (no classrooms yet, no later years). It draws from the generator's
//! RNG in a fixed order, so nothing here may be reordered without changing the data set.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

use super::hengyang::{
    CENTROIDS, COST_PER_PLACE, ENGLISH_NAMES, ENTRY_AGE, FIRST_YEAR, LAST_BIRTH_YEAR, birth_rate,
};
use crate::model::{Area, AreaKind, Births, School, Stage, default_stages};

/// Draws of a standard normal, clamped to ±3 so that a synthetic school is never absurd.
pub(super) fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let z: f64 = rng.sample(StandardNormal);
    z.clamp(-3.0, 3.0)
}

/// Progression of a cohort within a stage in the history: a few leave the city's public
/// schools each year (private schools, moves away).
pub(super) const SURVIVAL: f64 = 0.995;
/// Primary leavers who enter a public junior school of the same area.
pub(super) const CROSSING: f64 = 0.985;

/// The generated pieces before calibration.
#[derive(Clone)]
pub(super) struct Draft {
    pub(super) stages: Vec<Stage>,
    pub(super) areas: Vec<Area>,
    pub(super) town_share: Vec<f64>,
    /// Grade-1 entrants per birth six years earlier, per area.
    pub(super) entry_ratio: Vec<f64>,
    pub(super) schools: Vec<School>,
    /// Each school's area (index into `areas`): looked up once, as a nation has thousands.
    pub(super) school_area: Vec<usize>,
    /// Each school's share of its area, stage and locality.
    pub(super) weight: Vec<f64>,
    /// Pupils of the first year of the history per school, grade index within stage.
    pub(super) start: Vec<Vec<u32>>,
    /// Base-year pupils per school (the history's last year), set from the history.
    pub(super) base: Vec<Vec<u32>>,
    /// Crowding noise of each school, and of each of its grades (standard normal).
    pub(super) crowding_z: Vec<f64>,
    pub(super) grade_z: Vec<Vec<f64>>,
    /// Town-school grades whose crowding noise is below this split a class of 66+ pupils (the
    /// national target: none by the end of 2018); the most crowded above it have not yet.
    pub(super) comply_below: f64,
    pub(super) births: Vec<Births>,
    /// Every synthesised birth cohort by area and year (from 2000), for the generator's use.
    pub(super) cohorts: Vec<Vec<f64>>,
}

/// First birth year synthesised: the oldest pupils of the history's first year.
const FIRST_COHORT: u16 = 2000;

impl Draft {
    pub(super) fn cohort(&self, area: usize, year: u16) -> f64 {
        self.cohorts[area]
            .get(usize::from(year.saturating_sub(FIRST_COHORT)))
            .copied()
            .unwrap_or(0.0)
    }

    pub(super) fn class_size(&self, school: usize) -> u32 {
        self.stages
            .iter()
            .find(|st| st.name == self.schools[school].stage)
            .map_or(45, |st| st.class_size)
    }

    pub(super) fn area_of(&self, school: usize) -> usize {
        self.school_area[school]
    }

    pub(super) fn district(&self, area: usize) -> bool {
        self.areas[area].kind == AreaKind::District
    }
}

fn area_birth_factor(kind: AreaKind) -> f64 {
    match kind {
        AreaKind::District => 0.92,
        _ => 1.03,
    }
}

/// Synthesises areas, schools, the history's first year of pupils and births (no classrooms
/// yet).
pub(super) fn draft(specs: &[AreaSpecOwned], rng: &mut ChaCha8Rng) -> Draft {
    let stages: Vec<Stage> = default_stages()
        .into_iter()
        .map(|st| Stage {
            cost_per_place: Some(if st.name == "primary" {
                COST_PER_PLACE.0
            } else {
                COST_PER_PLACE.1
            }),
            ..st
        })
        .collect();
    let total_pop: f64 = specs.iter().map(|a| a.population).sum();
    let (mut areas, mut town_share, mut entry_ratio, mut cohorts) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut schools, mut weight, mut start, mut crowding_z, mut grade_z, mut births) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    for spec in specs {
        let pop = spec.population / total_pop * spec.city_population * 10_000.0;
        areas.push(Area {
            id: spec.id.clone(),
            name: spec.name.clone(),
            kind: spec.kind,
            urban: spec.kind == AreaKind::District,
            name_en: ENGLISH_NAMES
                .iter()
                .find(|(id, _)| *id == spec.id)
                .map(|(_, en)| en.to_string()),
            centroid: CENTROIDS
                .iter()
                .find(|(id, ..)| *id == spec.id)
                .map(|&(_, lon, lat)| (lon, lat)),
        });
        town_share.push(spec.town_share);
        let factor = area_birth_factor(spec.kind) * (1.0 + 0.04 * normal(rng));
        let mut by_year = Vec::new();
        for year in FIRST_COHORT..=LAST_BIRTH_YEAR {
            let b =
                (pop * birth_rate(year) / 1000.0 * factor * (1.0 + 0.015 * normal(rng))).round();
            by_year.push(b);
            if year >= 2005 {
                births.push(Births {
                    area_id: spec.id.clone(),
                    year,
                    births: b,
                });
            }
        }
        let birth = |y: u16| by_year[usize::from(y - FIRST_COHORT)];
        // Entrants per birth: districts draw children from the counties, counties lose some.
        let er = if spec.kind == AreaKind::District {
            1.04
        } else {
            0.95
        } + 0.02 * normal(rng);
        entry_ratio.push(er);
        for (st, stage) in stages.iter().enumerate() {
            // Area pupils of each grade in the first year: the birth cohort × entry × survival.
            let grade_total: Vec<f64> = (stage.first_grade..=stage.last_grade)
                .map(|g| {
                    let cohort = FIRST_YEAR - u16::from(ENTRY_AGE) - u16::from(g - 1);
                    let survival =
                        SURVIVAL.powi(i32::from(g) - 1) * if st > 0 { CROSSING } else { 1.0 };
                    birth(cohort) * er * survival
                })
                .collect();
            let total: f64 = grade_total.iter().sum();
            for town in [true, false] {
                let share = if town {
                    spec.town_share
                } else {
                    1.0 - spec.town_share
                };
                let avg = match (st, town) {
                    (0, true) => 2400.0,
                    (0, false) => 240.0,
                    (_, true) => 1900.0,
                    (_, false) => 560.0,
                };
                let n = ((total * share / avg).round() as usize).max(1);
                let weights: Vec<f64> = (0..n).map(|_| (0.35 * normal(rng)).exp()).collect();
                let wsum: f64 = weights.iter().sum();
                for (k, w) in weights.iter().enumerate() {
                    let id = format!(
                        "{}-{}{}{:03}",
                        spec.id,
                        if st == 0 { "P" } else { "J" },
                        if town { "T" } else { "V" },
                        k + 1
                    );
                    let kind_name = if st == 0 { "小学" } else { "中学" };
                    let name = if town {
                        format!("{}城区第{}{}", spec.name, k + 1, kind_name)
                    } else {
                        format!("{}乡村第{}{}", spec.name, k + 1, kind_name)
                    };
                    let pupils: Vec<u32> = grade_total
                        .iter()
                        .map(|g| {
                            (g * share * w / wsum * (1.0 + 0.06 * normal(rng)))
                                .round()
                                .max(0.0) as u32
                        })
                        .collect();
                    schools.push(School {
                        id,
                        area_id: spec.id.clone(),
                        name,
                        stage: stage.name.clone(),
                        urban: town,
                        classrooms: 0,
                    });
                    weight.push(w / wsum);
                    start.push(pupils);
                    crowding_z.push(normal(rng));
                    grade_z.push((0..grade_total.len()).map(|_| normal(rng)).collect());
                }
            }
        }
        cohorts.push(by_year);
    }
    let base = start.clone();
    let index: std::collections::HashMap<&str, usize> = areas
        .iter()
        .enumerate()
        .rev()
        .map(|(k, a)| (a.id.as_str(), k))
        .collect();
    let school_area = schools
        .iter()
        .map(|s| index.get(s.area_id.as_str()).copied().unwrap_or(0))
        .collect();
    Draft {
        stages,
        areas,
        town_share,
        entry_ratio,
        schools,
        school_area,
        weight,
        start,
        base,
        crowding_z,
        grade_z,
        comply_below: f64::INFINITY,
        births,
        cohorts,
    }
}

/// An area spec with owned strings (Hengyang's table or a synthetic province's).
#[derive(Debug, Clone)]
pub(super) struct AreaSpecOwned {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) kind: AreaKind,
    pub(super) population: f64,
    pub(super) town_share: f64,
    pub(super) city_population: f64,
}
