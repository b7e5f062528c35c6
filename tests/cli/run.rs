//! `placeplan run` on the tiny fixture, whose every number is worked out by hand below.
//!
//! Fixture `tests/fixtures/tiny`: one area A1; primary school P1 (grades 1–2, standard 45,
//! 2 classrooms) and junior school J1 (grade 3, standard 50, 1 classroom); every driver fixed
//! (no uncertainty), no inflows; project X1 adds 2 classrooms to P1, planned to complete 2020-06.
//!
//! Base year 2019 (observed): P1 has 60 + 50 pupils, J1 40.
//! - P1 needs ⌈60/45⌉ + ⌈50/45⌉ = 2 + 2 = 4 classes for 2 rooms: D'Hondt gives 1 + 1, so grade 1
//!   is one class of 60 (oversized, not super) and grade 2 one of 50. J1: one class of 40.
//! - pupils 150; places 2·45 + 1·50 = 140; shortfall P1 110 − 90 = 20, J1 none → 20;
//!   classes 3; oversized 1.
//!
//! 2020: ratios from 2018→2019: grade 1→2 = 50/50 = 1, grade 2→3 = 40/40 = 1.
//! - P1 grade 2 = 60 × 1 = 60; grade 1 = births(2014) 70 × entry ratio 1 = 70;
//!   J1 grade 3 = P1's 2019 grade 2 (50) × 1 = 50.
//! - X1 completes June 2020, before 1 September: P1 has 4 rooms, needs 2 + 2 = 4: classes of
//!   35 + 35 and 30 + 30; J1 one class of 50. No school above places, so nobody moves.
//! - pupils 180; places 4·45 + 50 = 230; shortfall 0; classes 5; oversized 0; cleared 1;
//!   natural increase 180 − 150 = 30; projects completed 1.
//! - The target "no 56+ class" is met in 2020 in every draw (probability 1), not in 2019.

use std::path::Path;

use assert_cmd::Command;

/// Reads a CSV written by placeplan (UTF-8 with BOM) into rows of cells.
pub fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).expect("output exists");
    let text = text
        .strip_prefix('\u{feff}')
        .expect("Excel-friendly CSV starts with a BOM");
    text.lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

fn city(summary: &[Vec<String>], year: &str, metric: &str) -> String {
    summary
        .iter()
        .find(|r| r[0] == year && r[1] == "ALL" && r[2] == metric)
        .unwrap_or_else(|| panic!("no row {year} ALL {metric}"))[3]
        .clone()
}

#[test]
fn tiny_fixture_matches_the_hand_computation() {
    let out = tempfile::tempdir().unwrap();
    Command::cargo_bin("placeplan")
        .unwrap()
        .args([
            "run",
            "tests/fixtures/tiny/plan.toml",
            "--no-charts",
            "--out",
        ])
        .arg(out.path())
        .assert()
        .success();
    let summary = read_csv(&out.path().join("plan/summary.csv"));
    assert_eq!(
        summary[0].join(","),
        "year,area_id,metric,central,mean,p5,p10,p50,p90,p95"
    );
    let expect = [
        ("2019", "pupils", "150"),
        ("2019", "places", "140"),
        ("2019", "shortfall", "20"),
        ("2019", "classes", "3"),
        ("2019", "oversized_classes", "1"),
        ("2019", "super_oversized_classes", "0"),
        ("2020", "pupils", "180"),
        ("2020", "places", "230"),
        ("2020", "shortfall", "0"),
        ("2020", "classes", "5"),
        ("2020", "oversized_classes", "0"),
        ("2020", "cleared", "1"),
        ("2020", "pupils_moved", "0"),
        ("2020", "demand_natural", "30"),
        ("2020", "projects_completed", "1"),
    ];
    for (year, metric, value) in expect {
        assert_eq!(city(&summary, year, metric), value, "{year} {metric}");
    }
    // No uncertainty: every quantile equals the central case.
    for row in &summary[1..] {
        assert!(
            row[3..].iter().all(|v| v == &row[3]),
            "spread in a fixed scenario: {row:?}"
        );
    }

    let schools = read_csv(&out.path().join("plan/schools.csv"));
    let rows: Vec<String> = schools.iter().map(|r| r.join(",")).collect();
    assert_eq!(
        rows,
        [
            "school_id,year,grade,pupils,classes,max_class_size,oversized_classes,super_oversized_classes",
            "J1,2019,3,40,1,40,0,0",
            "J1,2020,3,50,1,50,0,0",
            "P1,2019,1,60,1,60,1,0",
            "P1,2019,2,50,1,50,0,0",
            "P1,2020,1,70,2,35,0,0",
            "P1,2020,2,60,2,30,0,0",
        ]
    );
    let targets = read_csv(&out.path().join("plan/targets.csv"));
    assert_eq!(targets[1].join(","), "none-56-by-2020,2019,0");
    assert_eq!(targets[2].join(","), "none-56-by-2020,2020,1");
    let projects = read_csv(&out.path().join("plan/projects.csv"));
    assert_eq!(projects[1].join(","), "X1,2020,1");
    for f in ["summary.parquet", "schools.parquet", "manifest.json"] {
        assert!(out.path().join("plan").join(f).is_file(), "{f} missing");
    }
    let compare = read_csv(&out.path().join("compare/summary.csv"));
    assert_eq!(compare[0][0], "scenario");
}

#[test]
fn tables_are_identical_for_one_and_two_threads() {
    let run = |threads: &str| {
        let out = tempfile::tempdir().unwrap();
        Command::cargo_bin("placeplan")
            .unwrap()
            .args([
                "run",
                "scenarios/current-pace.toml",
                "--no-charts",
                "--draws",
                "200",
                "--threads",
                threads,
                "--out",
            ])
            .arg(out.path())
            .assert()
            .success();
        let read = |f: &str| std::fs::read(out.path().join("current-pace").join(f)).unwrap();
        (
            read("summary.csv"),
            read("projects.csv"),
            read("targets.csv"),
            read("summary.parquet"),
            std::fs::read(out.path().join("placeplan.xlsx")).unwrap(),
        )
    };
    let one = run("1");
    let two = run("2");
    assert!(
        one.0 == two.0,
        "summary.csv differs between 1 and 2 threads"
    );
    assert!(
        one.1 == two.1,
        "projects.csv differs between 1 and 2 threads"
    );
    assert!(
        one.2 == two.2,
        "targets.csv differs between 1 and 2 threads"
    );
    assert!(
        one.3 == two.3,
        "summary.parquet differs between 1 and 2 threads"
    );
    // The workbook once carried the second it was written in (without charts).
    assert!(one.4 == two.4, "placeplan.xlsx differs between two runs");
}

/// Runs `scenarios/current-pace.toml` on the default data set, tables only, into a new folder.
fn current_pace(draws: &str, extra: &[&str]) -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    Command::cargo_bin("placeplan")
        .unwrap()
        .args([
            "run",
            "scenarios/current-pace.toml",
            "--no-charts",
            "--draws",
            draws,
        ])
        .args(extra)
        .arg("--out")
        .arg(out.path())
        .assert()
        .success();
    out
}

#[test]
fn quantiles_are_ordered_everywhere() {
    let out = current_pace("200", &[]);
    let summary = read_csv(&out.path().join("current-pace/summary.csv"));
    for row in &summary[1..] {
        let q: Vec<f64> = row[5..10].iter().map(|v| v.parse().unwrap()).collect();
        assert!(
            q.windows(2).all(|w| w[0] <= w[1]),
            "p5 ≤ … ≤ p95 fails: {row:?}"
        );
    }
    // The accounts as written (counts whole, means to a tenth) still add up: for every area and
    // year, demand_natural + demand_migrant + demand_returning = the change in pupils, and
    // demand_natural = entrants − leavers + progression_change, in the central and mean columns.
    let cell = |area: &str, year: i32, metric: &str, col: usize| -> Option<f64> {
        summary[1..]
            .iter()
            .find(|r| r[0] == year.to_string() && r[1] == area && r[2] == metric)
            .map(|r| r[col].parse().unwrap())
    };
    let mut checked = 0;
    for row in summary[1..].iter().filter(|r| r[2] == "demand_natural") {
        let (year, area) = (row[0].parse::<i32>().unwrap(), row[1].as_str());
        for col in [3, 4] {
            let v = |metric| cell(area, year, metric, col).unwrap();
            let change = v("pupils") - cell(area, year - 1, "pupils", col).unwrap();
            let demand = v("demand_natural") + v("demand_migrant") + v("demand_returning");
            assert!(
                (change - demand).abs() < 1e-6,
                "{area} {year} col {col}: {change} ≠ {demand}"
            );
            let natural = v("entrants") - v("leavers") + v("progression_change");
            assert!(
                (natural - v("demand_natural")).abs() < 1e-6,
                "{area} {year} col {col}"
            );
            checked += 1;
        }
    }
    assert_eq!(
        checked,
        2 * 13 * 7,
        "every area and the city, 2019–2025, two columns"
    );
}

#[test]
fn a_bad_scenario_writes_nothing() {
    let out = tempfile::tempdir().unwrap();
    let bad = out.path().join("bad.toml");
    std::fs::write(&bad, "horizn = 2025\n").unwrap();
    let assert = Command::cargo_bin("placeplan")
        .unwrap()
        .args(["run", "--no-charts", "--out"])
        .arg(out.path().join("o"))
        .arg(&bad)
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("did you mean `horizon`"), "{stderr}");
    assert!(
        !out.path().join("o").exists(),
        "a failed run left output behind"
    );
}

/// `--priority` ranks every project; the area tables hold the data set's statuses at the base
/// date (52 due in 2019, 4 completed; 123 to start, 67 started) and each area's targets.
#[test]
fn priority_and_area_tables_for_the_default_data_set() {
    let out = current_pace("24", &["--priority"]);
    let dir = out.path().join("current-pace");
    let pipeline = read_csv(&dir.join("area_pipeline.csv"));
    assert_eq!(
        pipeline[0],
        [
            "area_id",
            "area",
            "batch",
            "projects",
            "classrooms",
            "completed",
            "under_construction",
            "not_started"
        ]
    );
    let sum = |batch: &str, col: usize| -> u32 {
        pipeline[1..]
            .iter()
            .filter(|r| r[2] == batch)
            .map(|r| r[col].parse::<u32>().unwrap())
            .sum()
    };
    assert_eq!((sum("due-2019", 3), sum("due-2019", 5)), (52, 4));
    assert_eq!((sum("start-2019", 3), sum("start-2019", 7)), (123, 56));
    let targets = read_csv(&dir.join("area_targets.csv"));
    assert_eq!(targets.len(), 1 + 12 * 3, "12 areas × 3 targets");
    let priority = read_csv(&dir.join("project_priority.csv"));
    assert_eq!(priority.len(), 1 + 175 * 3, "175 projects × 3 targets");
    let ranks: std::collections::BTreeSet<u32> = priority[1..]
        .iter()
        .map(|r| r[0].parse().unwrap())
        .collect();
    assert_eq!(ranks, (1..=175).collect());
    // The costliest slip comes first: positive, and no smaller than the next one's.
    let slip = |row: &Vec<String>| row[12].parse::<f64>().unwrap();
    let first: f64 = priority[1..4].iter().map(slip).sum();
    let second: f64 = priority[4..7].iter().map(slip).sum();
    assert!(first > 0.0 && first >= second, "{first} {second}");
}
