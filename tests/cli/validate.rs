//! `placeplan validate` and `placeplan init` on fixture data sets.

use std::fs;
use std::path::Path;

use assert_cmd::Command;

fn placeplan() -> Command {
    Command::cargo_bin("placeplan").unwrap()
}

#[test]
fn bad_data_lists_every_problem_with_file_line_and_column() {
    let out = placeplan()
        .args(["validate", "tests/fixtures/bad-data"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    insta::assert_snapshot!(stderr);
}

#[test]
fn gb18030_data_set_loads_with_its_chinese_names() {
    placeplan()
        .args(["validate", "tests/fixtures/gb18030-data"])
        .assert()
        .success();
    let ds = placeplan::io::dataset::load(Path::new("tests/fixtures/gb18030-data")).unwrap();
    assert_eq!(ds.areas[0].name, "示例区 Example District");
    assert_eq!(ds.schools[0].name, "城区第一小学 Town Primary 1");
}

#[test]
fn bom_data_set_loads_like_plain_utf8() {
    let out = placeplan()
        .args(["validate", "tests/fixtures/bom-data"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("schools:   4 (2 junior, 2 primary)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("years 2015–2019 (base year 2019)"),
        "{stdout}"
    );
    let bom = placeplan::io::dataset::load(Path::new("tests/fixtures/bom-data")).unwrap();
    let gbk = placeplan::io::dataset::load(Path::new("tests/fixtures/gb18030-data")).unwrap();
    assert_eq!(bom.schools, gbk.schools);
    assert_eq!(bom.enrolment, gbk.enrolment);
    assert_eq!(bom.projects, gbk.projects);
}

#[test]
fn init_writes_a_data_set_and_scenario_that_validate() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("my-city");
    placeplan().arg("init").arg(&dir).assert().success();
    for f in [
        "README.md",
        "scenario.toml",
        "areas.csv",
        "schools.csv",
        "enrolment.csv",
        "births.csv",
        "growth.csv",
        "profiles.csv",
        "projects.csv",
    ] {
        assert!(dir.join(f).is_file(), "{f} missing");
    }
    let out = placeplan().arg("validate").arg(&dir).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("areas:     2"), "{stdout}");
    assert!(
        stdout.contains("due-2019: 1 (1 under_construction)"),
        "{stdout}"
    );

    let ds = placeplan::io::dataset::load(&dir).unwrap();
    assert_eq!(ds.base_year().map(|y| y.0), Some(2019));
    let years: std::collections::BTreeSet<u16> = ds.enrolment.iter().map(|e| e.year.0).collect();
    assert_eq!(years.len(), 5);
    // The scenario points at the data set beside it and every key in it is valid.
    let scenario = placeplan::scenario::load(&dir.join("scenario.toml")).unwrap();
    assert_eq!(scenario.data, dir);
    assert_eq!(scenario.name, "scenario");
    // Every column of every file is explained in the README.
    let readme = fs::read_to_string(dir.join("README.md")).unwrap();
    for f in [
        "areas.csv",
        "schools.csv",
        "growth.csv",
        "projects.csv",
        "profiles.csv",
    ] {
        let header = fs::read_to_string(dir.join(f)).unwrap();
        for col in header.lines().next().unwrap().split(',') {
            assert!(
                readme.contains(&format!("`{col}`")),
                "{f}: {col} not explained"
            );
        }
    }
}

#[test]
fn init_refuses_a_non_empty_folder() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("keep.txt"), "mine").unwrap();
    let out = placeplan().arg("init").arg(tmp.path()).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not empty"));
    assert_eq!(
        fs::read_to_string(tmp.path().join("keep.txt")).unwrap(),
        "mine"
    );
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
}

#[test]
fn init_fills_an_empty_folder() {
    let tmp = tempfile::tempdir().unwrap();
    placeplan().arg("init").arg(tmp.path()).assert().success();
    placeplan()
        .arg("validate")
        .arg(tmp.path())
        .assert()
        .success();
}

#[test]
fn missing_folder_is_an_error_not_a_list_of_missing_files() {
    let out = placeplan()
        .args(["validate", "tests/fixtures/no-such-data"])
        .output()
        .unwrap();
    // A folder named wrongly on the command line is an input error (exit 1), not a fault.
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a folder"));
}

#[test]
fn output_csv_is_excel_safe() {
    use placeplan::engine::results::{ScenarioResult, TargetRow};
    use placeplan::io::tables::{Manifest, write_scenario_tables};
    use placeplan::model::SchoolYear;
    let tmp = tempfile::tempdir().unwrap();
    let result = ScenarioResult {
        base_year: SchoolYear(2019),
        horizon: SchoolYear(2020),
        draws: 1,
        summary: Vec::new(),
        schools: Vec::new(),
        school_ids: Vec::new(),
        projects: Vec::new(),
        targets: vec![TargetRow {
            target: "=cmd|'/C calc'!A0".into(),
            year: SchoolYear(2020),
            probability: -0.5,
        }],
        area_targets: Vec::new(),
    };
    let manifest = Manifest {
        tool_version: "test".into(),
        scenario: "x".into(),
        scenario_file: "x.toml".into(),
        data_set: "d".into(),
        seed: 1,
        draws: 1,
        threads: 1,
        base_year: 2019,
        horizon: 2020,
        inputs: Vec::new(),
    };
    write_scenario_tables(tmp.path(), &result, &manifest).unwrap();
    let bytes = fs::read(tmp.path().join("targets.csv")).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    assert_eq!(
        String::from_utf8(bytes[3..].to_vec()).unwrap(),
        "target,year,probability\n'=cmd|'/C calc'!A0,2020,-0.5\n"
    );
}

/// Copies a fixture data set into a temporary folder.
fn copy_fixture(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for entry in fs::read_dir(Path::new("tests/fixtures").join(name)).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            fs::copy(&path, tmp.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    tmp
}

#[test]
fn areas_may_carry_an_english_name_and_a_centroid() {
    let tmp = copy_fixture("bom-data");
    fs::write(
        tmp.path().join("areas.csv"),
        "area_id,name,kind,urban,name_en,lon,lat\n\
         A01,示例区,district,true,Example District,112.6,26.9\n\
         C01,示例县,county,false,,,\n",
    )
    .unwrap();
    let ds = placeplan::io::dataset::load(tmp.path()).unwrap();
    assert_eq!(ds.areas[0].name_en.as_deref(), Some("Example District"));
    assert_eq!(ds.areas[0].centroid, Some((112.6, 26.9)));
    assert_eq!(ds.areas[1].name_en, None);
    assert_eq!(ds.areas[1].centroid, None);

    fs::write(
        tmp.path().join("areas.csv"),
        "area_id,name,kind,urban,lon,lat\n\
         A01,示例区,district,true,212.6,26.9\n\
         C01,示例县,county,false,112.4,\n",
    )
    .unwrap();
    let errs = placeplan::io::dataset::load(tmp.path())
        .unwrap_err()
        .to_string();
    assert!(errs.contains("areas.csv:2:5"), "{errs}");
    assert!(errs.contains("-180 to 180"), "{errs}");
    assert!(errs.contains("areas.csv:3:6"), "{errs}");
}

#[test]
fn a_broken_areas_geojson_is_a_problem_of_the_data_set() {
    let tmp = copy_fixture("bom-data");
    fs::write(
        tmp.path().join("areas.geojson"),
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"x"},"geometry":null}]}"#,
    )
    .unwrap();
    let out = placeplan()
        .arg("validate")
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("areas.geojson: feature 0"), "{stderr}");
    assert!(stderr.contains("area_id"), "{stderr}");
}
