//! The shipped scenarios and the scenario file's error messages.

use std::path::Path;

use placeplan::model::{AreaSel, Driver};
use placeplan::scenario::{DriverChange, Pace, Sampling, load};

fn errors(path: &str) -> String {
    match load(Path::new(path)) {
        Ok(s) => panic!("{path} loaded: {s:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_shipped_scenarios_load() {
    let names = [
        "plan",
        "current-pace",
        "accelerated",
        "migrant-surge",
        "birth-decline",
        "no-build",
    ];
    for name in names {
        let path = format!("scenarios/{name}.toml");
        let s = load(Path::new(&path)).unwrap_or_else(|e| panic!("{path}:\n{e}"));
        assert_eq!(s.name, name);
        assert!(!s.title_zh.is_empty() && !s.title_en.is_empty());
        assert!(!s.description.is_empty());
        assert_eq!(s.data, Path::new("data/hengyang-2019"));
        // Births after 2018 reach grade 1 from 2025: the birth decline needs a longer view.
        let horizon = if name == "birth-decline" { 2030 } else { 2025 };
        assert_eq!(s.horizon.0, horizon);
        assert_eq!(s.draws, 10_000);
        assert_eq!(s.seed, 2019);
        assert_eq!(s.sampling, Sampling::Pert);
        let targets: Vec<(&str, u16)> = s
            .targets
            .iter()
            .map(|t| (t.id.as_str(), t.year.0))
            .collect();
        assert_eq!(
            targets,
            vec![
                ("no-66-and-5pct-56-by-2020", 2020),
                ("5pct-56-by-2021", 2021),
                ("no-66-and-5pct-56-by-2022", 2022)
            ]
        );
        for t in &s.targets {
            let no_66 = t.id.starts_with("no-66");
            assert_eq!(t.max_super_oversized_share, no_66.then_some(0.0));
            assert_eq!(t.max_oversized_share, Some(0.05));
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("# "),
            "{path} must open with a comment saying what it asks"
        );
    }
    let pace = |n: &str| {
        load(Path::new(&format!("scenarios/{n}.toml")))
            .unwrap()
            .pace
    };
    assert_eq!(pace("plan"), Pace::Plan);
    assert_eq!(pace("current-pace"), Pace::CurrentPace);
    assert_eq!(pace("accelerated"), Pace::Accelerated(0.333));
    assert_eq!(pace("migrant-surge"), Pace::CurrentPace);
    assert_eq!(pace("birth-decline"), Pace::CurrentPace);

    let surge = load(Path::new("scenarios/migrant-surge.toml")).unwrap();
    assert_eq!(surge.drivers.len(), 2);
    assert_eq!(surge.drivers[0].driver, Driver::MigrantInflow);
    assert_eq!(surge.drivers[1].driver, Driver::RuralToTownRate);
    assert_eq!(surge.drivers[0].area, AreaSel::All);
    assert_eq!(surge.drivers[0].change, DriverChange::Multiply(1.5));

    let decline = load(Path::new("scenarios/birth-decline.toml")).unwrap();
    assert_eq!(decline.drivers[0].driver, Driver::BirthChange);
    match decline.drivers[0].change {
        DriverChange::Replace(p) => assert_eq!((p.low, p.central, p.high), (-0.20, -0.15, -0.10)),
        ref other => panic!("{other:?}"),
    }

    let no_build = load(Path::new("scenarios/no-build.toml")).unwrap();
    assert!(no_build.cancel.all);

    // Redistricting is a policy lever: off in every shipped scenario but its own.
    for entry in std::fs::read_dir("scenarios").unwrap() {
        let path = entry.unwrap().path();
        let sc = load(&path).unwrap();
        let expected = if sc.name == "redistricting" { 0.3 } else { 0.0 };
        assert_eq!(sc.rebalancing, expected, "{}", path.display());
    }
}

#[test]
fn misspelt_keys_are_all_named_with_a_suggestion() {
    insta::assert_snapshot!(errors("tests/fixtures/scenarios/typos.toml"), @r"
    tests/fixtures/scenarios/typos.toml:4:1: unknown key `horizn` in [top level]; did you mean `horizon`?
    tests/fixtures/scenarios/typos.toml:8:1: unknown key `pase` in [pipeline]; did you mean `pace`?
    tests/fixtures/scenarios/typos.toml:12:1: unknown key `multipy` in [[drivers]]; did you mean `multiply`?
    tests/fixtures/scenarios/typos.toml:14:2: unknown key `clases` in [top level]; did you mean `classes`?
    ");
}

#[test]
fn bad_values_are_all_named_with_line_and_column() {
    insta::assert_snapshot!(errors("tests/fixtures/scenarios/bad-values.toml"));
}

#[test]
fn a_missing_scenario_file_is_named() {
    let e = errors("tests/fixtures/scenarios/nope.toml");
    assert!(
        e.starts_with("tests/fixtures/scenarios/nope.toml: cannot read"),
        "{e}"
    );
}

#[test]
fn references_to_the_data_set_are_checked() {
    let path = Path::new("tests/fixtures/scenarios/wrong-refs.toml");
    let s = load(path).unwrap();
    let data = placeplan::io::dataset::load(&s.data).unwrap();
    let errors = placeplan::scenario::check_against(path, &data).unwrap_err();
    insta::assert_snapshot!(errors.to_string());

    let ok = Path::new("tests/fixtures/scenarios/right-refs.toml");
    let s = load(ok).unwrap();
    let data = placeplan::io::dataset::load(&s.data).unwrap();
    placeplan::scenario::check_against(ok, &data).unwrap();
}

/// How much faster `accelerated` is, and which delay model, are the scenario's to say.
#[test]
fn the_pipeline_keys_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let write = |body: &str| {
        let path = dir.path().join("x.toml");
        std::fs::write(
            &path,
            format!("data = \"d\"\nhorizon = 2025\n[pipeline]\n{body}"),
        )
        .unwrap();
        path
    };
    let ok = load(&write(
        "pace = \"accelerated\"\ndelay_scale = 0.5\ndelay_model = \"exponential\"\n",
    ))
    .unwrap();
    assert_eq!(ok.pace, Pace::Accelerated(0.5));
    assert_eq!(ok.delay_model, placeplan::scenario::DelayModel::Exponential);
    let missing = load(&write("pace = \"accelerated\"\n"))
        .unwrap_err()
        .to_string();
    assert!(
        missing.contains("x.toml:4:8: pipeline.pace = \"accelerated\" needs pipeline.delay_scale"),
        "{missing}"
    );
    let stray = load(&write("pace = \"plan\"\ndelay_scale = 0.5\n"))
        .unwrap_err()
        .to_string();
    assert!(
        stray.contains("x.toml:5:15: pipeline.delay_scale applies to pace = \"accelerated\" only"),
        "{stray}"
    );
    let model = load(&write("delay_model = \"weibull\"\n"))
        .unwrap_err()
        .to_string();
    assert!(
        model.contains("expected one of reference-class, exponential"),
        "{model}"
    );
}
