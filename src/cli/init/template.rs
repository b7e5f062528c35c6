//! The files `placeplan init` writes: a tiny, valid data set, a README explaining every file and
//! column (CSV files cannot hold comments), and a scenario with every key explained.
//!
//! The two texts a person reads first, the data set's README and the scenario with every key
//! explained, are files of their own beside this one (`template_README.md`,
//! `template_scenario.toml`), included as they are. Values only: writing is `init`'s job.

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
                let cohort_entry = entry + 4 * (u32::from(year - FIRST_YEAR)) - 3 * (grade - first);
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

const README: &str = include_str!("template_README.md");

const SCENARIO: &str = include_str!("template_scenario.toml");
