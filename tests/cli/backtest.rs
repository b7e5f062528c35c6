//! `placeplan backtest` and `project`'s defaults end to end, and the rough edges of issue 9,
//! each pinned on a history of a few lines.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn placeplan(args: &[&str]) -> Run {
    let out = Command::cargo_bin("placeplan")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Writes `text` as `name` in `dir` and returns its path.
fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// An output table (UTF-8 BOM first) as header and rows.
fn table(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.strip_prefix('\u{feff}').expect("a UTF-8 BOM");
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().unwrap().iter().map(str::to_owned).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

fn num(s: &str) -> f64 {
    s.parse().unwrap()
}

/// Six schools in two areas, 2008–2021, grades K–5, enrolment growing 3 % a year with a
/// deterministic wiggle in the entry grade: the cohort model should beat "same as last year".
fn growing_history() -> String {
    let mut s = String::from("unit,area,year,grade,pupils\n");
    for u in 0..6u32 {
        let area = if u < 3 { "north" } else { "south" };
        for y in 2008..=2021u32 {
            for g in 0..=5u32 {
                let t = f64::from(y - 2008 - g.min(y - 2008));
                let wiggle = 1.0 + 0.03 * (f64::from(u * 7 + y - g) * 1.3).sin();
                let pupils = (f64::from(60 + 10 * u) * 1.03f64.powf(t) * wiggle).round();
                let grade = if g == 0 {
                    "K".to_owned()
                } else {
                    g.to_string()
                };
                s.push_str(&format!("S{u},{area},{y},{grade},{pupils}\n"));
            }
        }
    }
    s
}

#[test]
fn backtest_writes_accuracy_by_horizon_beside_naive() {
    let dir = tempfile::tempdir().unwrap();
    let h = write(dir.path(), "h.csv", &growing_history());
    let out = dir.path().join("bt");
    let res = placeplan(&[
        "backtest",
        "--history",
        h.to_str().unwrap(),
        "--horizons",
        "3",
        "--format",
        "png,svg",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(res.code, 0, "{}", res.stderr);
    assert!(res.stdout.contains("placeplan defaults"), "{}", res.stdout);
    let (header, rows) = table(&out.join("accuracy.csv"));
    assert_eq!(
        header[..8],
        [
            "horizon",
            "forecasts",
            "origins",
            "mape",
            "median_ape",
            "bias",
            "coverage_p10_p90",
            "naive_mape"
        ]
    );
    assert_eq!(rows.len(), 3);
    for row in &rows {
        let coverage = num(&row[6]);
        assert!((0.0..=100.0).contains(&coverage));
        assert!(num(&row[3]) <= num(&row[7]), "placeplan ≤ naive: {row:?}");
        // Naive misses growth: it is biased low.
        assert!(num(&row[9]) < 0.0, "{row:?}");
    }
    assert!(num(&rows[0][3]) < num(&rows[0][7]));
    let (fh, forecasts) = table(&out.join("forecasts.csv"));
    assert_eq!(fh[..4], ["unit", "origin", "horizon", "year"]);
    let first: u16 = forecasts
        .iter()
        .map(|r| r[1].parse().unwrap())
        .min()
        .unwrap();
    // Forecasts exist from 2009 (adaptive window); horizon 3 needs three earlier origins
    // whose 3-year actuals are known: 2009–2011 → first scored origin 2014.
    assert_eq!(first, 2014);
    for r in &forecasts {
        let year: u16 = r[3].parse().unwrap();
        assert!(year <= 2021);
        let (lo, hi) = (num(&r[6]), num(&r[7]));
        assert!(lo <= num(&r[5]) && num(&r[5]) <= hi, "{r:?}");
    }
    for f in ["accuracy.png", "accuracy.svg", "backtest.md"] {
        assert!(out.join(f).exists(), "{f}");
    }
    let md = std::fs::read_to_string(out.join("backtest.md")).unwrap();
    assert!(md.contains("| years ahead |"), "{md}");
}

#[test]
fn backtest_refuses_a_history_too_short_to_score() {
    let dir = tempfile::tempdir().unwrap();
    let h = write(
        dir.path(),
        "h.csv",
        "unit,year,grade,pupils\nA,2020,1,10\nA,2020,2,10\nA,2021,1,10\nA,2021,2,10\n",
    );
    let out = dir.path().join("bt");
    let res = placeplan(&[
        "backtest",
        "--history",
        h.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(res.code, 2);
    assert!(
        res.stderr.contains("too few years to backtest"),
        "{}",
        res.stderr
    );
    assert!(!out.exists());
}

#[test]
fn project_with_no_convention_flag_uses_the_defaults_and_writes_bands() {
    let dir = tempfile::tempdir().unwrap();
    let h = write(dir.path(), "h.csv", &growing_history());
    let out = dir.path().join("p.csv");
    let res = placeplan(&[
        "project",
        "--history",
        h.to_str().unwrap(),
        "--years",
        "3",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(res.code, 0, "{}", res.stderr);
    assert!(
        res.stdout
            .contains("placeplan defaults: ratio mean over the 5 most recent transitions"),
        "{}",
        res.stdout
    );
    assert!(
        res.stdout
            .contains("entry the mean of the last 3 actual counts")
    );
    let (header, rows) = table(&dir.path().join("p_totals.csv"));
    assert_eq!(header, ["unit", "year", "pupils", "p10", "p90"]);
    assert_eq!(rows.len(), 6 * 3);
    for r in &rows {
        let (p, lo, hi) = (num(&r[2]), num(&r[3]), num(&r[4]));
        assert!(lo < p && p < hi, "{r:?}");
    }
    // The grade rows add up to the totals.
    let (_, grades) = table(&out);
    let s0_2022: f64 = grades
        .iter()
        .filter(|r| r[0] == "S0" && r[1] == "2022")
        .map(|r| num(&r[3]))
        .sum();
    assert!((s0_2022 - num(&rows[0][2])).abs() < 1e-9);
}

#[test]
fn defaults_on_a_history_too_short_to_calibrate_say_so_and_leave_bands_empty() {
    let dir = tempfile::tempdir().unwrap();
    let h = write(
        dir.path(),
        "h.csv",
        "unit,year,grade,pupils\nA,2021,K,100\nA,2021,1,90\nA,2022,K,110\nA,2022,1,95\nA,2023,K,120\nA,2023,1,99\n",
    );
    let out = dir.path().join("p.csv");
    let res = placeplan(&[
        "project",
        "--history",
        h.to_str().unwrap(),
        "--years",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(res.code, 0, "{}", res.stderr);
    assert!(
        res.stderr
            .contains("fewer than 3 earlier origins to learn from, so no blend"),
        "{}",
        res.stderr
    );
    let (_, rows) = table(&dir.path().join("p_totals.csv"));
    // Entry = mean of 100, 110, 120; grade 1 = 120 × mean(95/100, 99/110); no band.
    let expected = 110.0 + 120.0 * (0.95 + 0.9) / 2.0;
    assert!((num(&rows[0][2]) - expected).abs() < 1e-9, "{rows:?}");
    assert_eq!(rows[0][3..], ["", ""]);
}

/// Runs `project` with `args` on `history` (written to a temp dir) and returns the run and the
/// projection rows (empty on failure).
fn project_on(history: &str, args: &[&str]) -> (Run, Vec<Vec<String>>) {
    let dir = tempfile::tempdir().unwrap();
    let h = write(dir.path(), "h.csv", history);
    let out = dir.path().join("p.csv");
    let mut all = vec!["project", "--history", h.to_str().unwrap()];
    all.extend_from_slice(args);
    all.extend(["--out", out.to_str().unwrap()]);
    let res = placeplan(&all);
    let rows = if out.exists() {
        table(&out).1
    } else {
        Vec::new()
    };
    (res, rows)
}

#[test]
fn crlf_files_report_the_line_an_editor_shows() {
    let (res, _) = project_on(
        "unit,year,grade,pupils\r\nA,2020,1,10\r\nA,2020,2,10\r\nA,2021,1,x\r\nA,2021,2,10\r\n",
        &["--hold-entry", "--years", "1"],
    );
    assert_eq!(res.code, 1);
    assert!(
        res.stderr.contains("h.csv:4:4: column `pupils`: found `x`"),
        "{}",
        res.stderr
    );
}

#[test]
fn a_bad_value_is_one_error_not_also_a_gap() {
    let (res, _) = project_on(
        "unit,year,grade,pupils\nA,2020,1,10\nA,2020,2,10\nA,2021,1,-1\nA,2021,2,10\n",
        &["--hold-entry", "--years", "1"],
    );
    assert_eq!(res.code, 1);
    assert_eq!(res.stderr.matches("error:").count(), 1, "{}", res.stderr);
    assert!(!res.stderr.contains("gap"), "{}", res.stderr);
}

#[test]
fn a_bad_value_and_a_gap_elsewhere_are_reported_together() {
    let (res, _) = project_on(
        "unit,year,grade,pupils\nA,2020,1,10\nA,2020,2,n/a\nA,2021,1,10\nA,2021,2,10\nB,2019,1,10\nB,2019,2,10\nB,2021,1,10\nB,2021,2,10\n",
        &["--hold-entry", "--years", "1"],
    );
    assert_eq!(res.code, 1);
    assert!(
        res.stderr
            .contains("h.csv:3:4: column `pupils`: found `n/a`"),
        "{}",
        res.stderr
    );
    assert!(
        res.stderr
            .contains("unit `B` has no rows for year 2020: a gap in its history"),
        "{}",
        res.stderr
    );
    assert!(
        res.stderr.contains("2 problem(s) in the input"),
        "{}",
        res.stderr
    );
}

#[test]
fn a_unit_too_short_is_left_out_with_a_warning_not_the_whole_run() {
    let history = "unit,year,grade,pupils\nA,2019,1,10\nA,2019,2,10\nA,2020,1,10\nA,2020,2,10\nA,2021,1,10\nA,2021,2,10\nB,2021,1,5\nB,2021,2,5\n";
    let (res, rows) = project_on(history, &["--hold-entry", "--years", "1"]);
    assert_eq!(res.code, 0, "{}", res.stderr);
    assert!(
        res.stderr.contains("warning: ")
            && res.stderr.contains("unit `B` has only 1 year of history")
            && res.stderr.contains("the unit is left out"),
        "{}",
        res.stderr
    );
    assert!(rows.iter().all(|r| r[0] == "A"));
    // With areas, the one-year unit takes its area's ratios instead.
    let with_area = "unit,area,year,grade,pupils\nA,N,2019,1,10\nA,N,2019,2,10\nA,N,2020,1,10\nA,N,2020,2,9\nA,N,2021,1,10\nA,N,2021,2,9\nB,N,2021,1,20\nB,N,2021,2,20\n";
    let (res, rows) = project_on(
        with_area,
        &["--hold-entry", "--shrink", "0", "--years", "1"],
    );
    assert_eq!(res.code, 0, "{}", res.stderr);
    let b2 = rows.iter().find(|r| r[0] == "B" && r[2] == "2").unwrap();
    assert!((num(&b2[3]) - 18.0).abs() < 1e-9, "{b2:?}");
}

#[test]
fn a_grade_added_before_the_window_is_no_gap() {
    // Grade 3 opens in 2019; two transitions from 2021 read 2019–2021 only.
    let mut h = String::from("unit,year,grade,pupils\n");
    for y in 2016..=2021 {
        for g in 1..=3 {
            if g < 3 || y >= 2019 {
                h.push_str(&format!("A,{y},{g},{}\n", 100 + y - 2016));
            }
        }
    }
    let (res, rows) = project_on(&h, &["--hold-entry", "--window", "2", "--years", "1"]);
    assert_eq!(res.code, 0, "{}", res.stderr);
    assert_eq!(rows.len(), 3);
    // Over all transitions the missing 2018 grade 3 is read: a located gap.
    let (res, _) = project_on(&h, &["--hold-entry", "--years", "1"]);
    assert_eq!(res.code, 1);
    assert!(
        res.stderr
            .contains("unit `A` has no row for year 2018, grade 3: a gap in its history"),
        "{}",
        res.stderr
    );
}

#[test]
fn entry_can_be_the_mean_of_several_years_or_a_damped_trend() {
    let h = "unit,year,grade,pupils\nA,2019,K,100\nA,2019,1,100\nA,2020,K,110\nA,2020,1,100\nA,2021,K,120\nA,2021,1,110\n";
    let (res, rows) = project_on(h, &["--entry-mean", "2", "--years", "2"]);
    assert_eq!(res.code, 0, "{}", res.stderr);
    assert!(!res.stderr.contains("warning"), "{}", res.stderr);
    assert_eq!(rows[0][2], "K");
    assert_eq!(num(&rows[0][3]), 115.0);
    assert_eq!(num(&rows[2][3]), 115.0);
    // More years than the unit has: the mean of the three it has, and said so.
    let (res, rows) = project_on(h, &["--entry-mean", "9", "--years", "1"]);
    assert_eq!(res.code, 0, "{}", res.stderr);
    assert_eq!(num(&rows[0][3]), 110.0);
    assert!(
        res.stderr.contains(
            "warning: 1 unit(s) have fewer than the 9 years of history the entry method asks \
             for: their entry uses the years they have (first: `A`, 3 year(s))"
        ),
        "{}",
        res.stderr
    );
    let (res, rows) = project_on(h, &["--entry-trend", "3,0.5", "--years", "2"]);
    assert_eq!(res.code, 0, "{}", res.stderr);
    assert_eq!(num(&rows[0][3]), 125.0);
    assert_eq!(num(&rows[2][3]), 127.5);
    let (res, _) = project_on(h, &["--entry-mean", "2", "--hold-entry", "--years", "2"]);
    assert_eq!(res.code, 1);
}

#[test]
fn school_year_labels_thousands_and_kindergarten_spellings_are_read() {
    let h = "unit,year,grade,pupils\nA,2019-20,PK,\"1,000\"\nA,2019-20,KG,\"1,030\"\nA,2019-20,1,990\nA,2020-21,PK,1000\nA,2020-21,KG,1000\nA,2020-21,1,1236\n";
    let (res, rows) = project_on(h, &["--hold-entry", "--years", "1"]);
    assert_eq!(res.code, 0, "{}", res.stderr);
    let cells: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r[1].as_str(), r[2].as_str()))
        .collect();
    assert_eq!(cells, [("2021", "PK"), ("2021", "KG"), ("2021", "1")]);
    assert_eq!(num(&rows[1][3]), 1000.0);
    // KG→1: 1,236 ÷ 1,030 = 1.2, on 2020-21's 1,000 in KG.
    assert!((num(&rows[2][3]) - 1200.0).abs() < 1e-9);
}

#[test]
fn entry_rows_for_observed_years_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let e = write(
        dir.path(),
        "e.csv",
        "unit,year,pupils\nschool,2023-24,999\nschool,2024,125\n",
    );
    let h = "unit,year,grade,pupils\nschool,2022,K,110\nschool,2022,1,95\nschool,2023,K,120\nschool,2023,1,99\n";
    let (res, rows) = project_on(h, &["--entry", e.to_str().unwrap(), "--years", "1"]);
    assert_eq!(res.code, 0, "{}", res.stderr);
    // The value as the file wrote it.
    assert!(
        res.stderr.contains(
            "e.csv:2:2: column `year`: found `2023-24`: unit `school` has actual counts up to 2023: \
             this row is not used"
        ),
        "{}",
        res.stderr
    );
    assert_eq!(num(&rows[0][3]), 125.0);
}

#[test]
fn units_that_look_like_formulas_are_inert_in_outputs() {
    let h =
        "unit,year,grade,pupils\n=1+1,2020,1,10\n=1+1,2020,2,10\n=1+1,2021,1,10\n=1+1,2021,2,10\n";
    let (res, rows) = project_on(h, &["--hold-entry", "--years", "1"]);
    assert_eq!(res.code, 0, "{}", res.stderr);
    assert_eq!(rows[0][0], "'=1+1");
}

#[test]
fn backtest_on_a_data_set_rebases_the_simulator_and_scores_the_held_out_years() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bt");
    let res = placeplan(&[
        "backtest",
        root.join("data/hengyang-2019").to_str().unwrap(),
        "--scenario",
        root.join("scenarios/plan.toml").to_str().unwrap(),
        "--hold-out",
        "2",
        "--draws",
        "50",
        "--no-charts",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(res.code, 0, "{}", res.stderr);
    assert!(
        res.stdout
            .contains("re-based at 2016, the years 2017–2018 held out"),
        "{}",
        res.stdout
    );
    for level in ["city", "areas", "area_stage"] {
        let (header, rows) = table(&out.join(format!("accuracy_{level}.csv")));
        assert_eq!(header[3], "mape");
        assert_eq!(rows.len(), 2, "{level}");
        for r in &rows {
            assert!(num(&r[3]) >= 0.0 && num(&r[7]) >= 0.0, "{level}: {r:?}");
        }
    }
    let (_, forecasts) = table(&out.join("forecasts.csv"));
    // The city's 2018 forecast against the actual 2018 count of the data set.
    let city = forecasts
        .iter()
        .find(|r| r[0] == "ALL" && r[3] == "2018")
        .unwrap();
    let enrolment = std::fs::read_to_string(root.join("data/hengyang-2019/enrolment.csv")).unwrap();
    let actual_2018: f64 = enrolment
        .lines()
        .skip(1)
        .filter(|l| l.split(',').nth(1) == Some("2018"))
        .map(|l| num(l.split(',').nth(3).unwrap()))
        .sum();
    assert_eq!(num(&city[4]), actual_2018);
    assert_eq!(city[1], "2016");
}

#[test]
fn backtest_on_a_data_set_too_short_to_hold_out_is_refused() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bt");
    let res = placeplan(&[
        "backtest",
        root.join("data").to_str().unwrap(),
        "--scenario",
        root.join("plan.toml").to_str().unwrap(),
        "--hold-out",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(res.code, 2, "{}", res.stderr);
    assert!(
        res.stderr.contains("leaves fewer than two years"),
        "{}",
        res.stderr
    );
    assert!(!out.exists());
}

/// Copies a data set folder's files (flat) into `to`.
fn copy_data_set(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

#[test]
fn backtest_on_a_data_set_suggests_growth_ranges_and_leaves_the_sheet_alone() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hengyang-2019");
    copy_data_set(&root.join("data/hengyang-2019"), &data);
    let sheet = std::fs::read(data.join("growth.csv")).unwrap();
    let out = dir.path().join("bt");
    let res = placeplan(&[
        "backtest",
        data.to_str().unwrap(),
        "--scenario",
        root.join("scenarios/plan.toml").to_str().unwrap(),
        "--draws",
        "50",
        "--no-charts",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(res.code, 0, "{}", res.stderr);
    assert_eq!(std::fs::read(data.join("growth.csv")).unwrap(), sheet);
    assert!(!data.join("growth_suggested.csv").exists());

    // Same columns and rows as the sheet; only low and high move, and only outward.
    let read = |p: &Path| {
        let mut r = csv::Reader::from_path(p).unwrap();
        let header: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
        let rows: Vec<Vec<String>> = r
            .records()
            .map(|rec| rec.unwrap().iter().map(str::to_owned).collect())
            .collect();
        (header, rows)
    };
    let (h0, original) = read(&data.join("growth.csv"));
    let (h1, suggested) = read(&out.join("growth_suggested.csv"));
    assert_eq!(h0, h1);
    assert_eq!(original.len(), suggested.len());
    let mut widened = 0;
    for (o, s) in original.iter().zip(&suggested) {
        assert_eq!((&o[0], &o[1], &o[5], &o[6]), (&s[0], &s[1], &s[5], &s[6]));
        assert_eq!(num(&o[3]), num(&s[3]), "central kept: {s:?}");
        assert!(
            num(&s[2]) <= num(&o[2]) && num(&s[4]) >= num(&o[4]),
            "{o:?} → {s:?}"
        );
        widened += usize::from(o != s);
    }
    assert!(widened > 0);
    // The held-out years brought 822 migrant children a year to 430406 (flows.csv), below
    // the sheet's low of 1,151: the suggestion's low holds them.
    let row = suggested
        .iter()
        .find(|r| r[0] == "430406" && r[1] == "migrant_inflow")
        .unwrap();
    assert!(num(&row[2]) <= 822.0, "{row:?}");
    let md = std::fs::read_to_string(out.join("backtest.md")).unwrap();
    assert!(md.contains("## Suggested ranges for growth.csv"), "{md}");
    // The reproduce line names the program, not the path of the binary that ran.
    assert!(md.contains("Reproduce: `placeplan backtest "), "{md}");
    assert!(
        md.contains("| 430406 | migrant_inflow | 1151 – 1644 – 2137 | 822 – 822 (2) |"),
        "{md}"
    );

    // The suggestion is a valid growth sheet: a data set with it validates.
    std::fs::copy(out.join("growth_suggested.csv"), data.join("growth.csv")).unwrap();
    let v = placeplan(&["validate", data.to_str().unwrap()]);
    assert_eq!(v.code, 0, "{}{}", v.stdout, v.stderr);
}
