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
    Area, AreaKind, AreaSel, Births, DataSet, Driver, Enrolment, Grade, Growth, Profile, Project,
    ProjectKind, ProjectStatus, School, SchoolYear, Stage, ThreePoint, YearMonth, default_stages,
};
use crate::scenario::{Cancellations, ClassRules, Pace, Sampling, Scenario};

/// The published figures the Hengyang data set reproduces (SPEC §1, from the seed report).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Targets {
    /// Oversized (56+) classes city-wide in the base year: 2,033.
    pub oversized_base: u32,
    /// Pupils gained by the five urban districts from 2015 to 2019: 18,500.
    pub district_growth: u32,
    /// Places needed in the base year (shortfall): about 70,000.
    pub shortfall_base: f64,
    /// Places needed two years on with no construction: about 150,000.
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
    shortfall_base: 70_000.0,
    shortfall_no_build: 150_000.0,
    due: 52,
    due_completed: 4,
    start: 123,
    started: 67,
};

pub const BASE_YEAR: u16 = 2019;
pub const FIRST_YEAR: u16 = 2015;
/// Last observed birth year: at mid-2019, the 2018 births are the latest published.
pub const LAST_BIRTH_YEAR: u16 = 2018;

/// An area to synthesise: published division and population, assumed urbanisation of schooling.
struct AreaSpec {
    id: &'static str,
    name: &'static str,
    kind: AreaKind,
    /// Resident population, 10,000s (scaled so the city totals 7.30 million).
    population: f64,
    /// Share of pupils in town-centre schools (assumed).
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
    /// Crowding of town-centre primary schools: pupils / places − 1 (junior: half).
    pub crowding_town: f64,
    /// Spread (standard deviation) of crowding across town-centre schools.
    pub crowding_spread: f64,
    /// Yearly progression ratio of the urban districts' history (inflow of the past).
    pub district_ratio: f64,
    /// Migrant children entering town-centre schools per year, per 1,000 pupils of the area
    /// weighted by its rural share.
    pub migrant_rate: f64,
}

/// Draws of a standard normal, clamped to ±3 so that a synthetic school is never absurd.
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let z: f64 = rng.sample(StandardNormal);
    z.clamp(-3.0, 3.0)
}

/// The generated pieces before calibration.
struct Draft {
    stages: Vec<Stage>,
    areas: Vec<Area>,
    town_share: Vec<f64>,
    schools: Vec<School>,
    /// Base-year pupils per school, grade index within stage.
    base: Vec<Vec<u32>>,
    /// Relative size noise of each town school's crowding (standard normal).
    crowding_z: Vec<f64>,
    births: Vec<Births>,
}

fn area_birth_factor(kind: AreaKind) -> f64 {
    match kind {
        AreaKind::District => 0.92,
        _ => 1.03,
    }
}

/// Synthesises areas, schools, base-year pupils and births (no classrooms yet).
fn draft(specs: &[AreaSpecOwned], rng: &mut ChaCha8Rng) -> Draft {
    let stages = default_stages();
    let total_pop: f64 = specs.iter().map(|a| a.population).sum();
    let mut areas = Vec::new();
    let mut schools = Vec::new();
    let mut base = Vec::new();
    let mut crowding_z = Vec::new();
    let mut births = Vec::new();
    let mut town_share = Vec::new();
    for spec in specs {
        let pop = spec.population / total_pop * spec.city_population * 10_000.0;
        areas.push(Area {
            id: spec.id.clone(),
            name: spec.name.clone(),
            kind: spec.kind,
            urban: spec.kind == AreaKind::District,
            name_en: None,
            centroid: None,
        });
        town_share.push(spec.town_share);
        let factor = area_birth_factor(spec.kind) * (1.0 + 0.04 * normal(rng));
        let mut by_year = Vec::new();
        for year in 2003..=LAST_BIRTH_YEAR {
            let b =
                (pop * birth_rate(year) / 1000.0 * factor * (1.0 + 0.015 * normal(rng))).round();
            by_year.push((year, b));
            if year >= 2005 {
                births.push(Births {
                    area_id: spec.id.clone(),
                    year,
                    births: b,
                });
            }
        }
        let birth = |y: u16| by_year.iter().find(|(yy, _)| *yy == y).map_or(0.0, |x| x.1);
        // Entrants per birth: districts draw children from the counties, counties lose some.
        let er = if spec.kind == AreaKind::District {
            1.04
        } else {
            0.95
        } + 0.02 * normal(rng);
        for (st, stage) in stages.iter().enumerate() {
            // Area pupils of each grade in the base year: the birth cohort × entry × survival.
            let grade_total: Vec<f64> = (stage.first_grade..=stage.last_grade)
                .map(|g| {
                    let cohort = BASE_YEAR - 6 - u16::from(g - 1);
                    let survival =
                        0.995f64.powi(i32::from(g) - 1) * if st > 0 { 0.985 } else { 1.0 };
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
                let pupils = total * share;
                let avg = match (st, town) {
                    (0, true) => 2600.0,
                    (0, false) => 220.0,
                    (_, true) => 2000.0,
                    (_, false) => 520.0,
                };
                let n = ((pupils / avg).round() as usize).max(1);
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
                    base.push(pupils);
                    crowding_z.push(normal(rng));
                }
            }
        }
    }
    Draft {
        stages,
        areas,
        town_share,
        schools,
        base,
        crowding_z,
        births,
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

/// Junior schools' crowding relative to primary: their standard class (50) is only 12 % below
/// the oversized threshold (56), against 24 % for primary (45), so the same share of pupils over
/// places would make every junior class oversized.
const JUNIOR_SCALE: f64 = 0.35;

/// Crowding of village and township schools (pupils over places).
const VILLAGE_CROWDING: f64 = 0.04;

/// Classrooms of every school, as it was built: one per class of its grades at its crowding.
/// Town-centre schools are crowded by `town` (pupils over places, e.g. 0.15 = 15 % more pupils
/// than places), school by school ± `spread` (a standard deviation); village and township schools
/// by [`VILLAGE_CROWDING`], with rooms rounded up so that their small year groups are not
/// squeezed into one big class; junior schools by [`JUNIOR_SCALE`] of that.
fn set_classrooms(d: &mut Draft, town: f64, spread: f64) {
    for (i, s) in d.schools.iter_mut().enumerate() {
        let stage = d
            .stages
            .iter()
            .find(|st| st.name == s.stage)
            .map_or(45, |st| st.class_size);
        let scale = if stage > 45 { JUNIOR_SCALE } else { 1.0 };
        let z = d.crowding_z[i];
        let rooms = |n: u32, crowd: f64, up: bool| {
            let x = f64::from(n) / (f64::from(stage) * crowd.max(0.75));
            (if up { x.ceil() } else { x.round() } as u32).max(1)
        };
        s.classrooms = if s.urban {
            let crowd = 1.0 + scale * (town + spread * z);
            d.base[i].iter().map(|&n| rooms(n, crowd, false)).sum()
        } else {
            let crowd = 1.0 + scale * VILLAGE_CROWDING;
            d.base[i].iter().map(|&n| rooms(n, crowd, true)).sum()
        };
    }
}

/// Base-year oversized classes and shortfall of a draft.
fn base_figures(d: &Draft) -> (u32, f64) {
    let mut over = 0;
    let mut shortfall = 0.0;
    let mut out = [Default::default(); 9];
    for (i, s) in d.schools.iter().enumerate() {
        let st = d
            .stages
            .iter()
            .find(|st| st.name == s.stage)
            .map_or(45, |st| st.class_size);
        let rule = crate::engine::classes::ClassRule {
            size: st.max(1),
            oversized: 56,
            super_oversized: 66,
        };
        let p = &d.base[i];
        form_classes(p, s.classrooms, rule, &mut out[..p.len()]);
        over += out[..p.len()]
            .iter()
            .map(|c: &crate::engine::classes::GradeClasses| c.oversized)
            .sum::<u32>();
        let total: u32 = p.iter().sum();
        shortfall += f64::from(total.saturating_sub(s.classrooms * st));
    }
    (over, shortfall)
}

/// Bisection for an increasing function: the x in [lo, hi] where f(x) = target.
fn bisect(mut lo: f64, mut hi: f64, target: f64, mut f: impl FnMut(f64) -> f64) -> f64 {
    for _ in 0..40 {
        let mid = 0.5 * (lo + hi);
        if f(mid) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Finds the town crowding and its spread across schools that give the target shortfall and
/// oversized classes (at a given shortfall, a wider spread puts more classes over 56), then
/// nudges single grades until the oversized count is exact.
fn calibrate_base(d: &mut Draft, t: &Targets) -> (f64, f64) {
    let fit_town = |d: &mut Draft, hot: f64| {
        bisect(-0.3, 0.8, t.shortfall_base, |town| {
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
    let (mut hot, mut best) = (0.0, f64::INFINITY);
    let mut prev = (0.0, over_at(d, 0.0));
    for k in 1..=25 {
        let h = 0.01 * f64::from(k);
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
    // Exact count: move single town-school grades across the 56 boundary, one pupil at a time.
    let mut i = 0;
    let mut guard = 0;
    while guard < 100_000 {
        let (over, _) = base_figures(d);
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
        let (after, _) = base_figures(d);
        let better = (i64::from(after) - i64::from(t.oversized_base)).abs()
            < (i64::from(over) - i64::from(t.oversized_base)).abs();
        if !better {
            d.base[s][g] = old;
        }
    }
    (town, hot)
}

/// History 2015–2018 generated backwards from the base year: each cohort one grade down and one
/// year back, divided by the area's yearly ratio (towns growing, villages emptying as families
/// move); the top grade of each stage from the cohort one year older.
fn history(d: &Draft, rng: &mut ChaCha8Rng, district_ratio: f64) -> Vec<Vec<Vec<u32>>> {
    // hist[school][year - FIRST_YEAR][grade index]
    let years = usize::from(BASE_YEAR - FIRST_YEAR) + 1;
    let mut hist: Vec<Vec<Vec<u32>>> = d
        .base
        .iter()
        .map(|b| vec![vec![0; b.len()]; years])
        .collect();
    for (i, s) in d.schools.iter().enumerate() {
        let area = d.areas.iter().position(|a| a.id == s.area_id).unwrap_or(0);
        let district = d.areas[area].kind == AreaKind::District;
        let ratio = if district { district_ratio } else { 0.995 };
        let drift = if s.urban {
            1.0 + 0.02 * (1.0 - d.town_share[area])
        } else {
            0.985
        };
        let mut cur: Vec<f64> = d.base[i].iter().map(|&x| f64::from(x)).collect();
        hist[i][years - 1] = d.base[i].clone();
        for y in (0..years - 1).rev() {
            let n = cur.len();
            let mut prev = vec![0.0; n];
            for g in 0..n - 1 {
                prev[g] = cur[g + 1] / (ratio * drift * (1.0 + 0.02 * normal(rng)));
            }
            // The top grade a year back is a cohort a year older: about the same size.
            prev[n - 1] = cur[n - 1] / (ratio * drift) * (1.0 + 0.02 * normal(rng));
            hist[i][y] = prev.iter().map(|&x| x.round().max(0.0) as u32).collect();
            cur = prev;
        }
    }
    hist
}

fn district_total(d: &Draft, hist: &[Vec<Vec<u32>>], y: usize) -> i64 {
    d.schools
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            d.areas
                .iter()
                .any(|a| a.id == s.area_id && a.kind == AreaKind::District)
        })
        .map(|(i, _)| hist[i][y].iter().map(|&x| i64::from(x)).sum::<i64>())
        .sum()
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

/// Builds the data set from a calibrated draft.
fn build(
    d: &Draft,
    hist: &[Vec<Vec<u32>>],
    name: &str,
    migrant_rate: f64,
    projects: Vec<Project>,
) -> DataSet {
    let mut enrolment = Vec::new();
    for (i, s) in d.schools.iter().enumerate() {
        let first = d
            .stages
            .iter()
            .find(|st| st.name == s.stage)
            .map_or(1, |st| st.first_grade);
        for (y, row) in hist[i].iter().enumerate() {
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
    let mut growth = vec![
        Growth {
            area: AreaSel::All,
            driver: Driver::BirthChange,
            value: tp(-0.12, -0.07, -0.02),
            from_year: None,
            to_year: None,
        },
        Growth {
            area: AreaSel::All,
            driver: Driver::ProgressionFactor,
            value: tp(0.99, 1.0, 1.01),
            from_year: None,
            to_year: None,
        },
    ];
    for (a, area) in d.areas.iter().enumerate() {
        // Observed entrants per birth, 2015–2019.
        let entrants = |y: u16| -> f64 {
            d.schools
                .iter()
                .enumerate()
                .filter(|(_, s)| s.area_id == area.id && s.stage == "primary")
                .map(|(i, _)| f64::from(hist[i][usize::from(y - FIRST_YEAR)][0]))
                .sum()
        };
        let births = |y: u16| {
            d.births
                .iter()
                .find(|b| b.area_id == area.id && b.year == y)
                .map_or(f64::NAN, |b| b.births)
        };
        let er = (FIRST_YEAR..=BASE_YEAR)
            .map(|y| entrants(y) / births(y - 6))
            .sum::<f64>()
            / f64::from(BASE_YEAR - FIRST_YEAR + 1);
        let er = round(er, 3);
        growth.push(Growth {
            area: AreaSel::Area(area.id.clone()),
            driver: Driver::EntryRatio,
            value: tp(round(er - 0.04, 3), er, round(er + 0.03, 3)),
            from_year: None,
            to_year: None,
        });
        let pupils: f64 = d
            .schools
            .iter()
            .enumerate()
            .filter(|(_, s)| s.area_id == area.id)
            .map(|(i, _)| f64::from(d.base[i].iter().sum::<u32>()))
            .sum();
        let district = area.kind == AreaKind::District;
        let rural_weight = if district {
            0.35
        } else {
            1.0 - d.town_share[a]
        };
        let migrants = (pupils / 1000.0 * migrant_rate * rural_weight).round();
        growth.push(Growth {
            area: AreaSel::Area(area.id.clone()),
            driver: Driver::MigrantInflow,
            value: tp((migrants * 0.7).round(), migrants, (migrants * 1.3).round()),
            from_year: None,
            to_year: None,
        });
        let share = if district { 0.2 } else { 0.85 };
        growth.push(Growth {
            area: AreaSel::Area(area.id.clone()),
            driver: Driver::MigrantFromRuralShare,
            value: tp(
                round(share - 0.1, 2),
                share,
                round((share + 0.1_f64).min(1.0), 2),
            ),
            from_year: None,
            to_year: None,
        });
        let returning = (pupils * if district { 0.006 } else { 0.003 }).round();
        growth.push(Growth {
            area: AreaSel::Area(area.id.clone()),
            driver: Driver::ReturningInflow,
            value: tp(
                (returning * 0.5).round(),
                returning,
                (returning * 1.5).round(),
            ),
            from_year: None,
            to_year: None,
        });
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
        stages: d.stages.clone(),
        areas: d.areas.clone(),
        schools: d.schools.clone(),
        enrolment,
        births: d.births.clone(),
        growth,
        profiles,
        projects,
    }
}

/// The scenario the calibration runs: no construction, central case, the shipped defaults.
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
        cancel: Cancellations {
            all: true,
            ..Cancellations::default()
        },
        extra_projects: Vec::new(),
        classes: ClassRules::default(),
        rebalancing: 0.6,
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

/// Generates the calibrated Hengyang 2019 data set, and the knobs calibration found.
pub fn hengyang(seed: u64) -> (DataSet, Knobs) {
    generate(&hengyang_specs(), "hengyang-2019", &HENGYANG, seed, true)
}

/// A synthetic province of about `schools` schools (not calibrated: Hengyang's knobs), for the
/// scale benchmarks.
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
) -> (DataSet, Knobs) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut d = draft(specs, &mut rng);
    let (crowding_town, crowding_spread) = if calibrate {
        calibrate_base(&mut d, t)
    } else {
        set_classrooms(&mut d, 0.12, 0.05);
        (0.12, 0.05)
    };
    let hist_seed: u64 = rng.random();
    let years = usize::from(BASE_YEAR - FIRST_YEAR);
    let make_history = |ratio: f64| history(&d, &mut ChaCha8Rng::seed_from_u64(hist_seed), ratio);
    let district_ratio = if calibrate {
        bisect(0.95, 1.10, f64::from(t.district_growth), |r| {
            let h = make_history(r);
            (district_total(&d, &h, years) - district_total(&d, &h, 0)) as f64
        })
    } else {
        1.01
    };
    let mut hist = make_history(district_ratio);
    if calibrate {
        // Exact growth: the top grade of 2015 feeds no progression ratio, so set it straight.
        let gap = (district_total(&d, &hist, years) - district_total(&d, &hist, 0))
            - i64::from(t.district_growth);
        let tops: Vec<usize> = (0..d.schools.len())
            .filter(|&i| {
                d.schools[i].stage == "junior"
                    && d.areas
                        .iter()
                        .any(|a| a.id == d.schools[i].area_id && a.kind == AreaKind::District)
            })
            .collect();
        for (k, &i) in tops.iter().enumerate() {
            let share = gap.div_euclid(tops.len() as i64)
                + i64::from((k as i64) < gap.rem_euclid(tops.len() as i64));
            let last = hist[i][0].len() - 1;
            hist[i][0][last] = (i64::from(hist[i][0][last]) + share).max(0) as u32;
        }
    }
    let projects = projects(&d, t, &mut rng);
    let horizon = BASE_YEAR + 2;
    let migrant_rate = if calibrate {
        bisect(0.0, 200.0, t.shortfall_no_build, |rate| {
            let ds = build(&d, &hist, name, rate, projects.clone());
            central_city(&ds, &no_build_scenario(horizon), Metric::Shortfall, horizon)
                .unwrap_or(f64::NAN)
        })
    } else {
        12.0
    };
    // Round the rate so growth.csv holds tidy numbers; the calibration test allows ±5 %.
    let migrant_rate = (migrant_rate * 100.0).round() / 100.0;
    let ds = build(&d, &hist, name, migrant_rate, projects);
    (
        ds,
        Knobs {
            crowding_town,
            crowding_spread,
            district_ratio,
            migrant_rate,
        },
    )
}
