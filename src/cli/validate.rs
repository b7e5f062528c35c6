//! `placeplan validate` (list every problem of a data set, or summarise it) and `placeplan init`
//! (write a small, commented data set and scenario to fill in).
//!
//! The checking itself lives in `io::dataset`; this module only prints and writes the template.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use super::{InitArgs, ValidateArgs};
use crate::io::atomic::StagedDir;
use crate::io::dataset;
use crate::model::DataSet;

pub fn run(args: ValidateArgs) -> anyhow::Result<ExitCode> {
    if !args.dir.is_dir() {
        anyhow::bail!(
            "{} is not a folder: expected a data set folder",
            args.dir.display()
        );
    }
    match dataset::load(&args.dir) {
        Ok(ds) => {
            // The optional boundaries for the map: a broken file is a problem of the data set.
            if let Err(e) = crate::io::geojson::read(&args.dir) {
                eprintln!("{e:#}");
                eprintln!("1 problem found in {}", args.dir.display());
                return Ok(ExitCode::from(1));
            }
            print!("{}", summary(&ds));
            Ok(ExitCode::SUCCESS)
        }
        Err(errors) => {
            for e in &errors {
                eprintln!("{e}");
            }
            let n = errors.len();
            eprintln!(
                "{n} problem{} found in {}",
                if n == 1 { "" } else { "s" },
                args.dir.display()
            );
            Ok(ExitCode::from(1))
        }
    }
}

/// Counts of items by a key, in key order, as `3 primary, 2 junior`.
fn counts<'a>(keys: impl Iterator<Item = &'a str>) -> String {
    let mut by: BTreeMap<&str, usize> = BTreeMap::new();
    for k in keys {
        *by.entry(k).or_default() += 1;
    }
    by.iter()
        .map(|(k, n)| format!("{n} {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A short description of a valid data set.
pub fn summary(ds: &DataSet) -> String {
    let mut s = String::new();
    let years: Vec<u16> = ds.enrolment.iter().map(|e| e.year.0).collect();
    let (first, last) = (
        years.iter().min().copied().unwrap_or(0),
        years.iter().max().copied().unwrap_or(0),
    );
    let _ = writeln!(s, "{}: no problems found", ds.dir.display());
    let _ = writeln!(
        s,
        "  areas:     {} ({})",
        ds.areas.len(),
        counts(ds.areas.iter().map(|a| a.kind.as_str()))
    );
    let _ = writeln!(
        s,
        "  schools:   {} ({}); {} classrooms",
        ds.schools.len(),
        counts(ds.schools.iter().map(|x| x.stage.as_str())),
        ds.schools
            .iter()
            .map(|x| u64::from(x.classrooms))
            .sum::<u64>()
    );
    let _ = writeln!(
        s,
        "  enrolment: {} rows, years {first}–{last} (base year {last}), {} pupils in {last}",
        ds.enrolment.len(),
        ds.enrolment
            .iter()
            .filter(|e| e.year.0 == last)
            .map(|e| u64::from(e.pupils))
            .sum::<u64>()
    );
    let _ = writeln!(
        s,
        "  births:    {} rows; growth: {} rows; profiles: {} rows; stages: {}",
        ds.births.len(),
        ds.growth.len(),
        ds.profiles.len(),
        ds.stages
            .iter()
            .map(|st| format!(
                "{} {}–{} ({})",
                st.name, st.first_grade, st.last_grade, st.class_size
            ))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(s, "  projects:  {}", ds.projects.len());
    let mut batches: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for p in &ds.projects {
        let batch = if p.batch.is_empty() {
            "(no batch)"
        } else {
            p.batch.as_str()
        };
        batches.entry(batch).or_default().push(p.status.as_str());
    }
    for (batch, statuses) in batches {
        let _ = writeln!(
            s,
            "    {batch}: {} ({})",
            statuses.len(),
            counts(statuses.into_iter())
        );
    }
    s
}

pub fn init(args: InitArgs) -> anyhow::Result<ExitCode> {
    let dir = &args.dir;
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir)
            .with_context(|| format!("{} exists and is not a readable folder", dir.display()))?;
        if entries.next().is_some() {
            anyhow::bail!(
                "{} is not empty: init writes a new data set only into a new or empty folder",
                dir.display()
            );
        }
    }
    let staged = StagedDir::begin(dir)?;
    for (name, body) in template::files() {
        let path = staged.path().join(name);
        std::fs::write(&path, body).with_context(|| format!("cannot write {}", path.display()))?;
    }
    staged.commit()?;
    println!(
        "wrote a data set and scenario.toml to {}; read {} first, then run `placeplan validate {}`",
        dir.display(),
        Path::new(&dir).join("README.md").display(),
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The files `placeplan init` writes: a tiny, valid data set, a README explaining every file and
/// column (CSV files cannot hold comments), and a scenario with every key explained.
mod template {
    use std::fmt::Write as _;

    const FIRST_YEAR: u16 = 2015;
    const BASE_YEAR: u16 = 2019;

    /// (school_id, area_id, name, stage, urban, classrooms, grade-1 or grade-7 pupils in 2015).
    const SCHOOLS: [(&str, &str, &str, &str, bool, u32, u32); 4] = [
        (
            "P01",
            "A01",
            "城区第一小学 Town Primary 1",
            "primary",
            true,
            30,
            260,
        ),
        (
            "P02",
            "C01",
            "示例村小 Village Primary",
            "primary",
            false,
            6,
            35,
        ),
        (
            "J01",
            "A01",
            "城区第一中学 Town Junior 1",
            "junior",
            true,
            18,
            300,
        ),
        (
            "J02",
            "C01",
            "示例镇中学 Township Junior",
            "junior",
            false,
            6,
            60,
        ),
    ];

    pub fn files() -> Vec<(&'static str, String)> {
        vec![
            ("README.md", README.to_owned()),
            ("scenario.toml", SCENARIO.to_owned()),
            ("settings.csv", SETTINGS.to_owned()),
            ("stages.csv", STAGES.to_owned()),
            ("areas.csv", AREAS.to_owned()),
            ("schools.csv", schools()),
            ("enrolment.csv", enrolment()),
            ("births.csv", births()),
            ("growth.csv", GROWTH.to_owned()),
            ("profiles.csv", PROFILES.to_owned()),
            ("projects.csv", PROJECTS.to_owned()),
        ]
    }

    fn schools() -> String {
        let mut s = "school_id,area_id,name,stage,urban,classrooms\n".to_owned();
        for (id, area, name, stage, urban, rooms, _) in SCHOOLS {
            let _ = writeln!(s, "{id},{area},{name},{stage},{urban},{rooms}");
        }
        s
    }

    /// Cohorts that grow a little each year at entry and lose 1 % per grade.
    fn enrolment() -> String {
        let mut s = "school_id,year,grade,pupils\n".to_owned();
        for (id, _, _, stage, _, _, entry) in SCHOOLS {
            let grades = if stage == "primary" {
                1..=6u32
            } else {
                7..=9u32
            };
            let first = *grades.start();
            for year in FIRST_YEAR..=BASE_YEAR {
                for grade in grades.clone() {
                    let cohort_entry =
                        entry + 4 * (u32::from(year - FIRST_YEAR)) - 3 * (grade - first);
                    let pupils = cohort_entry * (100 - (grade - first)) / 100;
                    let _ = writeln!(s, "{id},{year},{grade},{pupils}");
                }
            }
        }
        s
    }

    fn births() -> String {
        let mut s = "area_id,year,births\n".to_owned();
        for (area, base) in [("A01", 300u32), ("C01", 120)] {
            for year in 2009..=2018u16 {
                let births = base + 5 * u32::from(year - 2009);
                let _ = writeln!(s, "{area},{year},{births}");
            }
        }
        s
    }

    const SETTINGS: &str = "setting,value\nbase_date,2020-03\nentry_age,6\n";

    const STAGES: &str = "stage,first_grade,last_grade,class_size\nprimary,1,6,45\njunior,7,9,50\n";

    const AREAS: &str = "area_id,name,kind,urban\nA01,示例区 Example District,district,true\nC01,示例县 Example County,county,false\n";

    const GROWTH: &str = "area_id,driver,low,central,high,from_year,to_year
*,birth_change,-0.06,-0.03,0,,
*,entry_ratio,0.95,1,1.05,,
*,progression_factor,0.98,1,1.02,,
A01,migrant_inflow,40,60,90,,
C01,migrant_inflow,0,0,0,,
*,migrant_change,-0.05,0,0.05,,
*,rural_to_town_rate,0.02,0.03,0.04,,
*,returning_change,-0.05,0,0.05,,
*,returning_inflow,0,10,20,2020,2022
*,returning_inflow,0,5,10,2023,
";

    const PROFILES: &str = "driver,grade,share
migrant_inflow,1,0.3
migrant_inflow,2,0.15
migrant_inflow,3,0.12
migrant_inflow,4,0.1
migrant_inflow,5,0.08
migrant_inflow,6,0.05
migrant_inflow,7,0.12
migrant_inflow,8,0.05
migrant_inflow,9,0.03
returning_inflow,4,0.1
returning_inflow,5,0.1
returning_inflow,6,0.1
returning_inflow,7,0.3
returning_inflow,8,0.25
returning_inflow,9,0.15
";

    const PROJECTS: &str = "project_id,name,area_id,stage,kind,school_id,classrooms,status,planned_start,planned_completion,batch
X01,城区第一小学扩建 Town Primary 1 extension,A01,primary,expansion,P01,6,under_construction,2018-09,2019-08,due-2019
N01,城区第二中学 Town Junior 2,A01,junior,new_school,J03,24,not_started,2019-10,2021-08,start-2019
";

    const README: &str = r#"# A placeplan data set

Fill in these CSV files for your city, then check them with `placeplan validate <this folder>`
and run `placeplan run <this folder>/scenario.toml`. Every file needs its header row; columns may
come in any order. Save as CSV UTF-8 (Excel's GBK/GB18030 files load too). Booleans are `true` or
`false`; dates are `YYYY-MM`; a school year is named by the year it starts (2019 = 2019/20).
The base year is the school year your latest counts describe: counts gathered in spring 2020
describe 2019/20, so the base year is 2019. It is observed, not simulated.

## settings.csv
The facts of your city's calendar, one row each (`setting`, `value`):
- `base_date`: the month the project statuses describe (`YYYY-MM`), in the base school year
  (from September of the base year to August of the next), e.g. `2020-03`
- `entry_age`: the age at which children enter grade 1 (entrants of year Y were born in Y − age)

## stages.csv
The school stages, e.g. primary 1–6 (class size 45) and junior 7–9 (50), with consecutive grades.
- `stage`: name used by schools.csv and projects.csv
- `first_grade`, `last_grade`: the grades of the stage
- `class_size`: standard class size (pupils per classroom) for places and class formation

## areas.csv
One row per county-level planning unit (区/县/市 or zone), the unit of accountability.
- `area_id`: short id (not `*` or `ALL`)
- `name`: display name (Chinese is fine)
- `kind`: `district`, `county`, `city` or `zone`
- `urban`: `true` for an urban district of the city proper
- optional `name_en`: the name in English charts and reports (else `name` is shown)
- optional `lon`, `lat`: the area's centroid in degrees (WGS 84), for the schematic map

## schools.csv
One row per school site and stage (a nine-year school is two rows).
- `school_id`, `area_id`, `name`
- `stage`: a stage of stages.csv
- `urban`: `true` for a town-centre school, `false` for a village school
- `classrooms`: classrooms usable at the base date

## enrolment.csv
Pupils per school, year and grade: several consecutive years up to the base year (the latest
year is the base year and the starting state).
- `school_id`, `year`, `grade` (a grade of the school's stage), `pupils`

## births.csv
Observed births per area and calendar year; every year from the base year − entry age to the
last observed year. Later years are projected with the `birth_change` driver.
- `area_id`, `year`, `births`

## growth.csv
The assumption sheet: three-point estimates (`low` ≤ `central` ≤ `high`) of each driver, for one
area or for `*` (every area), optionally limited to school years `from_year`–`to_year`
(empty = no limit). Every area needs every driver.
- `birth_change`: annual relative change of births after the last observed year (-0.03 = −3 %)
- `entry_ratio`: grade-1 entrants per birth `entry_age` years earlier (net of the newcomers
  who join grade 1)
- `progression_factor`: multiplier on the grade progression ratios estimated from history
- `migrant_inflow`: migrant children from outside the city entering the area's town-centre
  schools in the first projected year, pupils
- `migrant_change`: annual relative change of that inflow afterwards (-0.05 = −5 %)
- `returning_inflow`: students returning from outside the city in the first projected year
- `returning_change`: annual relative change of that inflow afterwards
- `rural_to_town_rate`: share (0–1) of the area's village-school pupils who move to its
  town-centre schools each year (a rate: an empty village sends nobody)

Without flows.csv the inflows mean flows beyond the trend of your history: the progression
ratios estimated from the history already hold the past flows.

## flows.csv (optional)
The flows of your history, if you know them: `area_id`, `year` (a school year of the history
after its first), `flow` (`migrant_inflow`, `returning_inflow` or `rural_to_town`), `pupils`
(those who joined between the previous year's count and this one's). Progression ratios are
then estimated net of the inflows from outside the city, and the drivers above are total flows.

## profiles.csv
Which grades the two inflows join: `driver` (`migrant_inflow` or `returning_inflow`), `grade`,
`share`; the shares of each driver sum to 1.

## projects.csv
The construction pipeline at the base date.
- `project_id`, `name`, `area_id`, `stage`
- `kind`: `expansion` (adds classrooms to the existing school `school_id`) or `new_school`
  (`school_id` is the id of the new school, not in schools.csv)
- `classrooms`: classrooms added on completion
- `status`: `completed`, `under_construction` or `not_started`
- `planned_start`, `planned_completion`: `YYYY-MM`; a building completed by August serves the
  school year starting that September
- `batch`: the plan batch, e.g. `due-2019` (to complete in 2019) or `start-2019` (to start)

## scenario.toml
A scenario to run on this data set; every key is explained in the file.
"#;

    const SCENARIO: &str = r#"# What does this scenario ask? Say it here in one line, e.g.
# "If the two projects finish on time, are the town's oversized classes cleared by 2022?"

# Title of charts and report, in Chinese and English.
title = { zh = "示例情景", en = "Example scenario" }
# One sentence: what the scenario asks, in Chinese and English (a plain string is shown in both).
description = { zh = "示例数据集，所有项目按计划日期完工。", en = "The example data set with every project on its planned date." }
# The scenario this one is compared with in its charts (a scenario file's stem), if any.
# base = "current-pace"
# The data set folder, relative to this file.
data = "."
# First simulated state; default = the latest year of enrolment.csv.
# base_year = 2019
# Last school year simulated (2025 = 2025/26).
horizon = 2025
# Monte Carlo draws, and the seed that makes them reproducible.
draws = 1000
seed = 2019
# How three-point estimates are sampled: "pert" or "triangular".
sampling = "pert"
# Weight (0–1) of the city-wide common factor: 0 = areas vary independently, 1 = together.
correlation = 0.5

[pipeline]
# "plan" (on schedule), "current-pace" (delays like the observed progress) or "accelerated"
# (then say how much faster: delay_scale = 0.5 halves the current pace's delays).
pace = "plan"
# Cancel every project of projects.csv, whole batches, or single projects.
cancel_all = false
cancel_batches = []
cancel_projects = []

# Projects to add (repeat the block for more):
# [[pipeline.extra]]
# id = "E01"
# name = "新增小学 New primary"
# area_id = "A01"
# stage = "primary"
# kind = "new_school"            # or "expansion" of an existing school_id
# school_id = "P03"
# classrooms = 24
# planned_start = "2020-03"
# planned_completion = "2021-08"
# batch = "extra"

# Change a driver of growth.csv for one area or "*" (every area): multiply its three points,
# or replace them with low, central and high.
[[drivers]]
driver = "migrant_inflow"
area = "*"
multiply = 1.0
# [[drivers]]
# driver = "birth_change"
# area = "*"
# low = -0.12
# central = -0.08
# high = -0.04

[classes]
# Standard class sizes per stage, overriding stages.csv.
standard_size = { primary = 45, junior = 50 }
# Classes of at least this many pupils are oversized (大班额) and super-oversized (超大班额).
oversized = 56
super_oversized = 66

[rebalancing]
# Redistricting: share (0–1) of the pupils above a school's places that may move, per year, to
# schools of the same area and stage with spare places. A policy lever, off by default: every
# child moved is counted (pupils_moved).
max_share = 0.0

[progression]
# How yearly grade progression ratios are averaged: mean, pooled, geometric, median, last,
# weighted (then give weights, most recent first).
averaging = "mean"
# Use only the N most recent transitions:
# window = 3
# weights = [3, 2, 1]
# A zero feeder count gives a ratio of 0 ("zero"), is left out ("skip") or is an "error".
zero_feeder = "zero"

# Targets: the probability of meeting each is reported (targets.csv).
[[targets]]
id = "no-66-and-5pct-56-by-2022"
title = { zh = "2022年消除超大班额且大班额不超过5%", en = "No 66+ classes and at most 5% 56+ classes by 2022" }
year = 2022
max_super_oversized_share = 0.0
max_oversized_share = 0.05
"#;
}
