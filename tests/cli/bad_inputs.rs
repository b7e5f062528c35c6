//! Bad inputs, table-driven: the tiny fixture (`tests/fixtures/tiny`) copied to a temporary
//! folder, one file changed per case, then `placeplan validate` (data-set files) or
//! `placeplan run` (the scenario file). Each case asserts the exit code and the parts of the
//! message: the file with its line and column, the value found and what was expected.
//!
//! Every file and every column of a data set is covered, and the scenario's keys and sections.

use std::path::Path;

use assert_cmd::Command;

/// How a case changes the fixture.
enum Change {
    /// Replace the first occurrence of a text in a file.
    Replace(&'static str, &'static str),
    /// Write a file (here `flows.csv`, which the fixture does not have).
    Write(&'static [u8]),
    /// Remove the file.
    Remove,
}

struct Case {
    /// A file of `data/`, or `plan.toml`.
    file: &'static str,
    change: Change,
    /// Parts the error output must contain, in order within one line.
    parts: &'static [&'static str],
}

use Change::{Remove, Replace, Write};

const fn case(file: &'static str, change: Change, parts: &'static [&'static str]) -> Case {
    Case {
        file,
        change,
        parts,
    }
}

const CASES: &[Case] = &[
    // settings.csv
    case(
        "settings.csv",
        Replace("base_date,2020-03", "base_date,2020-13"),
        &[
            "settings.csv:2:2:",
            "value = \"2020-13\"",
            "expected a month YYYY-MM",
        ],
    ),
    case(
        "settings.csv",
        Replace("base_date,2020-03", "base_date,2019-03"),
        &[
            "settings.csv:2:2:",
            "value = \"2019-03\"",
            "a month in the base school year 2019/20",
        ],
    ),
    case(
        "settings.csv",
        Replace("entry_age,6", "entry_age,16"),
        &["settings.csv:3:2:", "value = \"16\"", "between 3 and 9"],
    ),
    case(
        "settings.csv",
        Replace("entry_age,6", "entry_ages,6"),
        &[
            "settings.csv:3:1:",
            "setting = \"entry_ages\"",
            "did you mean \"entry_age\"",
        ],
    ),
    case(
        "settings.csv",
        Replace("base_date,2020-03\n", ""),
        &["settings.csv:", "no `base_date` row"],
    ),
    // stages.csv
    case(
        "stages.csv",
        Replace("junior,3,3,50", "junior,3,20,50"),
        &[
            "stages.csv:3:3:",
            "last_grade = \"20\"",
            "at most 16 grades in a stage",
        ],
    ),
    case(
        "stages.csv",
        Replace("junior,3,3,50", "junior,4,4,50"),
        &[
            "stages.csv:3:2:",
            "`primary` ends at grade 2 but `junior` starts at grade 4",
            "consecutive grades",
        ],
    ),
    case(
        "stages.csv",
        Replace("primary,1,2,45", "primary,1,2,0"),
        &[
            "stages.csv:2:4:",
            "class_size = \"0\"",
            "a whole number ≥ 1",
        ],
    ),
    case(
        "stages.csv",
        Replace("junior,3,3,50", "junior,2,3,50"),
        &[
            "stages.csv:3:2:",
            "first_grade = \"2\"",
            "grades not already in stage primary",
        ],
    ),
    case(
        "stages.csv",
        Replace("junior,3,3,50", "junior,3,x,50"),
        &["stages.csv:3:3:", "last_grade = \"x\"", "a grade number"],
    ),
    case(
        "stages.csv",
        Replace("primary,1,2,45", "primary,1,2,4500"),
        &[
            "stages.csv:2:4:",
            "class_size = \"4500\"",
            "between 1 and 1000",
        ],
    ),
    // areas.csv
    case(
        "areas.csv",
        Replace(",district,", ",village,"),
        &["areas.csv:2:3:", "kind = \"village\"", "expected one of"],
    ),
    case(
        "areas.csv",
        Replace("district,true", "district,yes"),
        &["areas.csv:2:4:", "urban = \"yes\"", "true or false"],
    ),
    case(
        "areas.csv",
        Replace("A1,甲区", ",甲区"),
        &["areas.csv:2:1:", "area_id = \"\"", "a non-empty value"],
    ),
    case(
        "areas.csv",
        Replace("A1,甲区", "A1,"),
        &["areas.csv:2:2:", "name = \"\"", "a non-empty value"],
    ),
    case(
        "areas.csv",
        Replace("area_id,name,", "area_id,nme,"),
        &[
            "areas.csv:1:2:",
            "unknown column \"nme\"",
            "did you mean \"name\"",
        ],
    ),
    case(
        "areas.csv",
        Replace("A1,甲区", "*,甲区"),
        &["areas.csv:2:1:", "area_id = \"*\"", "an id other than `*`"],
    ),
    case(
        "areas.csv",
        Write(b"\xff\xfe\xff,\xff\n"),
        &["areas.csv:", "neither UTF-8 nor GB18030"],
    ),
    // schools.csv
    case(
        "schools.csv",
        Replace("primary,true,2", "primary,true,-2"),
        &[
            "schools.csv:2:6:",
            "classrooms = \"-2\"",
            "a whole number ≥ 0",
        ],
    ),
    case(
        "schools.csv",
        Replace("primary,true,2", "primary,true,4000000000"),
        &[
            "schools.csv:2:6:",
            "classrooms = \"4000000000\"",
            "at most 10000 classrooms",
        ],
    ),
    case(
        "schools.csv",
        Replace(",primary,true", ",primry,true"),
        &[
            "schools.csv:2:4:",
            "stage = \"primry\"",
            "did you mean \"primary\"",
        ],
    ),
    case(
        "schools.csv",
        Replace("P1,A1,", "P1,A9,"),
        &[
            "schools.csv:2:2:",
            "area_id = \"A9\"",
            "an area_id of areas.csv",
        ],
    ),
    case(
        "schools.csv",
        Replace("J1,A1,", "P1,A1,"),
        &[
            "schools.csv:3:1:",
            "school_id = \"P1\"",
            "an id not used before (line 2)",
        ],
    ),
    case(
        "schools.csv",
        Replace("junior,true,1", "junior,maybe,1"),
        &["schools.csv:3:5:", "urban = \"maybe\"", "true or false"],
    ),
    case(
        "schools.csv",
        Replace("甲中学,junior", ",junior"),
        &["schools.csv:3:3:", "name = \"\"", "a non-empty value"],
    ),
    case(
        "schools.csv",
        Replace("urban,classrooms", "urban,rooms"),
        &["schools.csv:1:6:", "unknown column \"rooms\""],
    ),
    // enrolment.csv
    case(
        "enrolment.csv",
        Replace("P1,2019,1,60", "P1,2019,1,-3"),
        &[
            "enrolment.csv:5:4:",
            "pupils = \"-3\"",
            "a whole number ≥ 0",
        ],
    ),
    case(
        "enrolment.csv",
        Replace("P1,2019,1,60", "P1,2019,1,5000000"),
        &[
            "enrolment.csv:5:4:",
            "pupils = \"5000000\"",
            "at most 1048576 pupils (2^20)",
        ],
    ),
    case(
        "enrolment.csv",
        Replace("P1,2019,1,60", "P1,2019,1,6o"),
        &["enrolment.csv:5:4:", "pupils = \"6o\"", "a whole number"],
    ),
    case(
        "enrolment.csv",
        Replace("P1,2019,1,60", "P1,19,1,60"),
        &["enrolment.csv:5:2:", "year = \"19\"", "a year such as 2019"],
    ),
    case(
        "enrolment.csv",
        Replace("P1,2019,1,60", "P1,2019,K,60"),
        &["enrolment.csv:5:3:", "grade = \"K\"", "a grade number"],
    ),
    case(
        "enrolment.csv",
        Replace("J1,2019,3,40", "J1,2019,2,40"),
        &[
            "enrolment.csv:7:3:",
            "grade = \"2\"",
            "a grade of stage junior (3–3)",
        ],
    ),
    case(
        "enrolment.csv",
        Replace("J1,2019,3,40", "Q1,2019,3,40"),
        &[
            "enrolment.csv:7:1:",
            "school_id = \"Q1\"",
            "a school_id of schools.csv",
        ],
    ),
    case(
        "enrolment.csv",
        Replace("P1,2019,2,50", "P1,2019,1,50"),
        &[
            "enrolment.csv:6:1:",
            "one row per school, year and grade (this one repeats line 5)",
        ],
    ),
    case(
        "enrolment.csv",
        Replace("P1,2019,1,60", "P1,2019,\"1,60"),
        &[
            "enrolment.csv:5:3:",
            "unterminated quote",
            "expected a closing",
        ],
    ),
    case(
        "enrolment.csv",
        Replace("P1,2019,1,60", "P1,2019,1,60,7"),
        &[
            "enrolment.csv:5:",
            "row = \"P1,2019,1,60,7\"",
            "4 fields as in the header, found 5",
        ],
    ),
    case(
        "enrolment.csv",
        Replace("P1,2018,1,50\nP1,2018,2,40\nJ1,2018,3,40\n", ""),
        &["enrolment.csv:", "a single year of history"],
    ),
    case(
        "enrolment.csv",
        Replace("school_id,year,grade,pupils", "school_id,year,grade"),
        &["enrolment.csv:1:", "missing column \"pupils\""],
    ),
    // births.csv
    case(
        "births.csv",
        Replace("A1,2014,70", "A1,2014,-5"),
        &["births.csv:4:3:", "births = \"-5\"", "a number ≥ 0"],
    ),
    case(
        "births.csv",
        Replace("A1,2014,70", "A1,2014,1e30"),
        &["births.csv:4:3:", "births = \"1e30\"", "at most 1048576"],
    ),
    case(
        "births.csv",
        Replace("A1,2013,60\n", ""),
        &["births.csv:", "area_id = \"A1\"", "missing 2013"],
    ),
    case(
        "births.csv",
        Replace("A1,2014,70", "B9,2014,70"),
        &[
            "births.csv:4:1:",
            "area_id = \"B9\"",
            "an area_id of areas.csv",
        ],
    ),
    case(
        "births.csv",
        Replace("A1,2014,70", "A1,2013,70"),
        &[
            "births.csv:4:2:",
            "year = \"2013\"",
            "one row per area and year",
        ],
    ),
    case(
        "births.csv",
        Replace("A1,2014,70", "A1,2o14,70"),
        &["births.csv:4:2:", "year = \"2o14\"", "a year such as 2019"],
    ),
    case("births.csv", Remove, &["births.csv:", "file not found"]),
    // growth.csv
    case(
        "growth.csv",
        Replace("*,rural_to_town_rate,0,0,0", "*,rural_to_town_rate,0,0,1.5"),
        &[
            "growth.csv:7:5:",
            "high = \"1.5\"",
            "a share of village pupils per year, 0–1",
        ],
    ),
    case(
        "growth.csv",
        Replace("*,birth_change,0,0,0", "*,birth_change,-1.5,0,0"),
        &["growth.csv:2:3:", "low = \"-1.5\"", "a number > -1"],
    ),
    case(
        "growth.csv",
        Replace("*,migrant_inflow,0,0,0", "*,migrant_inflow,0,0,1e30"),
        &["growth.csv:5:5:", "high = \"1e30\"", "at most 1048576"],
    ),
    case(
        "growth.csv",
        Replace("*,entry_ratio,1,1,1", "*,entry_ratio,1,0.5,1"),
        &["growth.csv:3:4:", "central = \"0.5\"", "a value ≥ low (1)"],
    ),
    case(
        "growth.csv",
        Replace("*,entry_ratio,", "*,entry_ration,"),
        &[
            "growth.csv:3:2:",
            "driver = \"entry_ration\"",
            "did you mean \"entry_ratio\"",
        ],
    ),
    case(
        "growth.csv",
        Replace("*,returning_change,0,0,0\n", ""),
        &["growth.csv:", "no returning_change row"],
    ),
    case(
        "growth.csv",
        Replace("*,entry_ratio,1,1,1", "*,entry_ratio,1,x,1"),
        &["growth.csv:3:4:", "central = \"x\"", "a number"],
    ),
    case(
        "growth.csv",
        Replace("*,entry_ratio,", "Z9,entry_ratio,"),
        &[
            "growth.csv:3:1:",
            "area_id = \"Z9\"",
            "an area_id of areas.csv or `*`",
        ],
    ),
    case(
        "growth.csv",
        Replace("*,migrant_change,0,0,0", "*,migrant_change,-1,0,0"),
        &["growth.csv:6:3:", "low = \"-1\"", "a number > -1"],
    ),
    case(
        "growth.csv",
        Replace(
            "*,progression_factor,1,1,1",
            "*,progression_factor,1,1,1000",
        ),
        &["growth.csv:4:5:", "high = \"1000\"", "at most 100"],
    ),
    case(
        "growth.csv",
        Replace("*,returning_inflow,0,0,0", "*,returning_inflow,0,0,-2"),
        &[
            "growth.csv:9:5:",
            "high = \"-2\"",
            "a number of pupils per year ≥ 0",
        ],
    ),
    case(
        "growth.csv",
        Replace("*,birth_change,0,0,0", "*,birth_change,0,0,NaN"),
        &["growth.csv:2:5:", "high = \"NaN\"", "a number"],
    ),
    // profiles.csv
    case(
        "profiles.csv",
        Replace("migrant_inflow,1,1", "migrant_inflow,1,1.5"),
        &[
            "profiles.csv:2:3:",
            "share = \"1.5\"",
            "a share between 0 and 1",
        ],
    ),
    case(
        "profiles.csv",
        Replace("migrant_inflow,1,1", "migrant_inflow,1,0.5"),
        &[
            "profiles.csv:",
            "driver = \"migrant_inflow\"",
            "shares that sum to 1",
        ],
    ),
    case(
        "profiles.csv",
        Replace("returning_inflow,3,1", "returning_inflow,7,1"),
        &[
            "profiles.csv:3:2:",
            "grade = \"7\"",
            "a grade of the stages (1–3)",
        ],
    ),
    case(
        "profiles.csv",
        Replace("returning_inflow,3,1", "birth_change,3,1"),
        &[
            "profiles.csv:3:1:",
            "driver = \"birth_change\"",
            "one of migrant_inflow, returning_inflow",
        ],
    ),
    // projects.csv
    case(
        "projects.csv",
        Replace("P1,2,under", "P1,0,under"),
        &[
            "projects.csv:2:7:",
            "classrooms = \"0\"",
            "between 1 and 10000",
        ],
    ),
    case(
        "projects.csv",
        Replace("P1,2,under", "P1,4000000000,under"),
        &[
            "projects.csv:2:7:",
            "classrooms = \"4000000000\"",
            "between 1 and 10000",
        ],
    ),
    case(
        "projects.csv",
        Replace("under_construction", "done"),
        &[
            "projects.csv:2:8:",
            "status = \"done\"",
            "one of completed, under_construction, not_started",
        ],
    ),
    case(
        "projects.csv",
        Replace("2019-01,2020-06", "2019-13,2020-06"),
        &[
            "projects.csv:2:9:",
            "planned_start = \"2019-13\"",
            "a date YYYY-MM",
        ],
    ),
    case(
        "projects.csv",
        Replace("2019-01,2020-06", "2019-01,2018-06"),
        &[
            "projects.csv:2:10:",
            "planned_completion = \"2018-06\"",
            "a date not before planned_start (2019-01)",
        ],
    ),
    case(
        "projects.csv",
        Replace(
            "under_construction,2019-01,2020-06",
            "completed,2019-01,2030-06",
        ),
        &[
            "projects.csv:2:10:",
            "planned_completion = \"2030-06\"",
            "by the base date 2020-03",
        ],
    ),
    case(
        "projects.csv",
        Replace("expansion,P1,", "expansion,P9,"),
        &[
            "projects.csv:2:6:",
            "school_id = \"P9\"",
            "a school_id of schools.csv",
        ],
    ),
    case(
        "projects.csv",
        Replace("A1,primary,expansion", "A1,junior,expansion"),
        &[
            "projects.csv:2:4:",
            "stage = \"junior\"",
            "primary, the stage of school P1",
        ],
    ),
    case(
        "projects.csv",
        Replace(",expansion,", ",rebuild,"),
        &["projects.csv:2:5:", "kind = \"rebuild\"", "expected one of"],
    ),
    case(
        "projects.csv",
        Replace("X1,甲小学扩建,A1", "X1,甲小学扩建,A7"),
        &[
            "projects.csv:2:3:",
            "area_id = \"A7\"",
            "an area_id of areas.csv",
        ],
    ),
    case(
        "projects.csv",
        Replace("X1,", ","),
        &[
            "projects.csv:2:1:",
            "project_id = \"\"",
            "a non-empty value",
        ],
    ),
    // flows.csv (optional: the fixture has none)
    case(
        "flows.csv",
        Write(b"area_id,year,flow,pupils\nA1,2019,migrant_inflow,-2\n"),
        &[
            "flows.csv:2:4:",
            "pupils = \"-2\"",
            "a number of pupils ≥ 0",
        ],
    ),
    case(
        "flows.csv",
        Write(b"area_id,year,flow,pupils\nA1,2018,migrant_inflow,2\n"),
        &[
            "flows.csv:2:2:",
            "year = \"2018\"",
            "a year of the history after its first: 2019–2019",
        ],
    ),
    case(
        "flows.csv",
        Write(b"area_id,year,flow,pupils\nA1,2019,rural,2\n"),
        &["flows.csv:2:3:", "flow = \"rural\"", "expected one of"],
    ),
    case(
        "flows.csv",
        Write(b"area_id,year,flow,pupils\nA1,2019,migrant_inflow,1e30\n"),
        &["flows.csv:2:4:", "pupils = \"1e30\"", "at most 1048576"],
    ),
    case(
        "flows.csv",
        Write(b"area_id,year,flow,pupils\nA2,2019,migrant_inflow,1\n"),
        &[
            "flows.csv:2:1:",
            "area_id = \"A2\"",
            "an area_id of areas.csv",
        ],
    ),
    // The scenario file.
    case(
        "plan.toml",
        Replace("draws = 20", "draws = \"many\""),
        &[
            "plan.toml:6:9:",
            "found string \"many\"",
            "expected a whole number",
        ],
    ),
    case(
        "plan.toml",
        Replace("draws = 20", "draws = 4294967295"),
        &[
            "plan.toml:6:9:",
            "draws = \"4294967295\"",
            "between 1 and 1000000",
        ],
    ),
    case(
        "plan.toml",
        Replace(
            "horizon = 2020\ndraws = 20",
            "horizon = 2200\ndraws = 1000000",
        ),
        &[
            "plan.toml:6:1:",
            "draws = \"1000000\"",
            "GiB of results, above the limit of 4 GiB",
            "expected at most",
        ],
    ),
    case(
        "plan.toml",
        Replace("horizon = 2020", "horizon = 2018"),
        &[
            "plan.toml:15:8:",
            "targets.year = \"2020\"",
            "a year ≤ horizon (2018)",
        ],
    ),
    case(
        "plan.toml",
        Replace("horizon = 2020", "horizon = 2018\nbase_year = 2019"),
        &[
            "plan.toml:5:11:",
            "horizon = \"2018\"",
            "a year ≥ base_year (2019)",
        ],
    ),
    case(
        "plan.toml",
        Replace("title = { zh = \"微型\", en = \"Tiny\" }", "title = 3"),
        &["plan.toml:2:9:", "expected a table"],
    ),
    case(
        "plan.toml",
        Replace("data = \"data\"", "data = \"data"),
        &["plan.toml:4:8:", "unclosed string"],
    ),
    case(
        "plan.toml",
        Replace("description = ", "description = \"\"\"never closed\n"),
        &["plan.toml:3:15:", "unclosed multi-line string"],
    ),
    case(
        "plan.toml",
        Replace("seed = 1", "sed = 1"),
        &[
            "plan.toml:7:1:",
            "unknown key `sed`",
            "did you mean `seed`?",
        ],
    ),
    case(
        "plan.toml",
        Replace("pace = \"plan\"", "pace = \"fast\""),
        &[
            "plan.toml:10:8:",
            "pipeline.pace = \"fast\"",
            "one of plan, current-pace, accelerated",
        ],
    ),
    case(
        "plan.toml",
        Replace(
            "pace = \"plan\"",
            "pace = \"plan\"\ncancel_projects = [\"ZZ\"]",
        ),
        &[
            "plan.toml:11:20:",
            "pipeline.cancel_projects = \"ZZ\"",
            "a project_id of the data set",
        ],
    ),
    case(
        "plan.toml",
        Replace("horizon = 2020", "horizon = 2020\nbase_year = 2010"),
        &[
            "plan.toml:6:13:",
            "base_year = \"2010\"",
            "the data set's base year 2019, its latest enrolment year (history 2018–2019)",
        ],
    ),
    case(
        "plan.toml",
        Replace("seed = 1", "seed = 1\ncorrelation = 1.5"),
        &[
            "plan.toml:8:15:",
            "correlation = \"1.5\"",
            "a weight between 0 and 1",
        ],
    ),
    case(
        "plan.toml",
        Replace("year = 2020", "year = 2010"),
        &[
            "plan.toml:15:8:",
            "targets.year = \"2010\"",
            "a year ≥ the base year (2019)",
        ],
    ),
    case(
        "plan.toml",
        Replace(
            "seed = 1",
            "seed = 1\n[[drivers]]\ndriver = \"rural_to_town_rate\"\nlow = 0.1\ncentral = 0.2\nhigh = 1.5",
        ),
        &[
            "plan.toml:12:8:",
            "drivers.high = \"1.5\"",
            "a share of village pupils per year, 0–1",
        ],
    ),
    case(
        "plan.toml",
        Replace(
            "seed = 1",
            "seed = 1\n[[drivers]]\ndriver = \"birth_change\"\nlow = -1.5\ncentral = 0\nhigh = 0",
        ),
        &["plan.toml:10:7:", "drivers.low = \"-1.5\"", "a number > -1"],
    ),
    case(
        "plan.toml",
        Replace(
            "seed = 1",
            "seed = 1\n[[drivers]]\ndriver = \"entry_ratio\"\nmultiply = 200.0",
        ),
        &[
            "plan.toml:10:12:",
            "drivers.multiply = \"200.0\"",
            "a factor that keeps entry_ratio at most 100",
            "low 1 × 200 = 200",
        ],
    ),
    case(
        "plan.toml",
        Replace(
            "seed = 1",
            "seed = 1\n[[drivers]]\ndriver = \"entry_ration\"\nmultiply = 1.0",
        ),
        &[
            "plan.toml:9:10:",
            "drivers.driver = \"entry_ration\"",
            "did you mean \"entry_ratio\"",
        ],
    ),
    case(
        "plan.toml",
        Replace("seed = 1", "seed = 1\n[classes]\noversized = 0"),
        &[
            "plan.toml:9:13:",
            "classes.oversized = \"0\"",
            "a class size between 1 and 1000",
        ],
    ),
    case(
        "plan.toml",
        Replace(
            "pace = \"plan\"",
            "pace = \"plan\"\n[[pipeline.extra]]\nid = \"E1\"\nname = \"e\"\narea_id = \"A1\"\nstage = \"primary\"\nkind = \"expansion\"\nschool_id = \"P1\"\nclassrooms = 4000000000\nplanned_start = \"2020-01\"\nplanned_completion = \"2021-08\"",
        ),
        &[
            "plan.toml:18:14:",
            "pipeline.extra.classrooms = \"4000000000\"",
            "between 1 and 10000",
        ],
    ),
    case(
        "plan.toml",
        Replace(
            "max_oversized_share = 0.0",
            "max_oversized_share = \"none\"",
        ),
        &[
            "plan.toml:16:23:",
            "found string \"none\"",
            "expected a number",
        ],
    ),
];

/// Copies a folder tree.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), dest).unwrap();
        }
    }
}

/// Runs one case; `Err` says how its output differs from the expectation.
fn run_case(case: &Case) -> Result<(), String> {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(Path::new("tests/fixtures/tiny"), tmp.path());
    let path = if case.file == "plan.toml" {
        tmp.path().join("plan.toml")
    } else {
        tmp.path().join("data").join(case.file)
    };
    match &case.change {
        Replace(from, to) => {
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(text.contains(from), "{}: no {from:?}", case.file);
            std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
        }
        Write(bytes) => std::fs::write(&path, bytes).unwrap(),
        Remove => std::fs::remove_file(&path).unwrap(),
    }
    let out = tmp.path().join("out");
    let mut cmd = Command::cargo_bin("placeplan").unwrap();
    cmd.current_dir(tmp.path());
    if case.file == "plan.toml" {
        cmd.args(["run", "plan.toml", "--no-charts", "--out", "out"]);
    } else {
        cmd.args(["validate", "data"]);
    }
    let output = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let code = output.status.code();
    let found = stderr.lines().any(|line| {
        let mut rest = line;
        case.parts.iter().all(|p| match rest.find(p) {
            Some(i) => {
                rest = &rest[i + p.len()..];
                true
            }
            None => false,
        })
    });
    if code != Some(1) || !found || out.exists() || stderr.contains("panicked") {
        return Err(format!(
            "{} {:?}: exit {code:?}, expected 1 and a line with {:?}; output written: {}\n{stderr}",
            case.file,
            match &case.change {
                Replace(_, to) => to.to_string(),
                Write(b) => String::from_utf8_lossy(b).into_owned(),
                Remove => "removed".to_owned(),
            },
            case.parts,
            out.exists()
        ));
    }
    Ok(())
}

#[test]
fn every_bad_input_gets_exit_1_and_a_located_message() {
    assert!(CASES.len() >= 60, "{} cases", CASES.len());
    let files: std::collections::BTreeSet<&str> = CASES.iter().map(|c| c.file).collect();
    assert_eq!(
        files.len(),
        11,
        "every file of a data set and the scenario: {files:?}"
    );
    let failures: Vec<String> = CASES.iter().filter_map(|c| run_case(c).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}
