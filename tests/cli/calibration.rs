//! The default data set reproduces the seed's published figures in the central case
//! (SPEC §4), and is exactly what the project's seeded generator makes.

use std::path::Path;

use placeplan::engine::results::Metric;
use placeplan::io::dataset;
use placeplan::model::{AreaKind, ProjectStatus};
use placeplan::synth::{self, HENGYANG};

fn within(value: f64, target: f64, tolerance: f64) -> bool {
    (value - target).abs() <= tolerance * target
}

#[test]
fn default_data_set_reproduces_the_published_figures() {
    let ds = dataset::load(Path::new("data/hengyang-2019")).expect("default data set loads");
    let plan = placeplan::scenario::load(Path::new("scenarios/plan.toml")).unwrap();
    let no_build = placeplan::scenario::load(Path::new("scenarios/no-build.toml")).unwrap();

    // 2,033 oversized (56+) classes city-wide in 2019.
    let oversized = synth::central_city(&ds, &plan, Metric::OversizedClasses, 2019).unwrap();
    assert_eq!(oversized, f64::from(HENGYANG.oversized_base));
    // A 2019 shortfall of 70,000 places (±5 %).
    let short = synth::central_city(&ds, &plan, Metric::Shortfall, 2019).unwrap();
    assert!(within(short, HENGYANG.shortfall_base, 0.05), "2019 shortfall {short}");
    // With no construction at all, a 2021 shortfall of 150,000 (±5 %).
    let short = synth::central_city(&ds, &no_build, Metric::Shortfall, 2021).unwrap();
    assert!(within(short, HENGYANG.shortfall_no_build, 0.05), "2021 no-build shortfall {short}");

    // +18,500 pupils in the five urban districts from 2015 to 2019.
    let districts: Vec<&str> =
        ds.areas.iter().filter(|a| a.kind == AreaKind::District).map(|a| a.id.as_str()).collect();
    assert_eq!(districts.len(), 5);
    let total = |year: u16| -> i64 {
        ds.enrolment
            .iter()
            .filter(|e| e.year.0 == year)
            .filter(|e| ds.schools.iter().any(|s| s.id == e.school_id && districts.contains(&s.area_id.as_str())))
            .map(|e| i64::from(e.pupils))
            .sum()
    };
    assert_eq!(total(2019) - total(2015), i64::from(HENGYANG.district_growth));

    // 52 projects due in 2019 (4 completed) and 123 to start (67 started) at the base date.
    let batch = |b: &str| ds.projects.iter().filter(|p| p.batch == b).collect::<Vec<_>>();
    let due = batch("due-2019");
    let start = batch("start-2019");
    assert_eq!(due.len(), HENGYANG.due);
    assert_eq!(due.iter().filter(|p| p.status == ProjectStatus::Completed).count(), HENGYANG.due_completed);
    assert_eq!(start.len(), HENGYANG.start);
    assert_eq!(start.iter().filter(|p| p.status != ProjectStatus::NotStarted).count(), HENGYANG.started);
    assert!((1000..=2000).contains(&ds.schools.len()), "{} schools", ds.schools.len());
}

#[test]
fn committed_data_set_is_what_the_generator_makes() {
    let (generated, _) = synth::hengyang(2019);
    let dir = tempfile::tempdir().unwrap();
    placeplan::io::dataset_out::write_dataset(&generated, dir.path()).unwrap();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let name = entry.unwrap().file_name();
        let fresh = std::fs::read(dir.path().join(&name)).unwrap();
        let committed = std::fs::read(Path::new("data/hengyang-2019").join(&name))
            .unwrap_or_else(|_| panic!("{name:?} is not committed"));
        assert!(fresh == committed, "{name:?} differs from `placeplan generate` output: regenerate it");
    }
}
