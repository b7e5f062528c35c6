//! The model's steps (SPEC §4) on small data sets built in code, through the public engine API:
//! entry, inflows, rebalancing, supply, and the consistency rules: every pupil accounted for,
//! no flow counted twice, every flow from a stock.

use placeplan::engine::assemble::assemble;
use placeplan::engine::monte_carlo::{self, RunOptions, Silent};
use placeplan::engine::results::{Metric, ScenarioResult};
use placeplan::model::*;
use placeplan::scenario::Scenario;
use proptest::prelude::*;

fn tp(v: f64) -> ThreePoint {
    ThreePoint {
        low: v,
        central: v,
        high: v,
    }
}

/// One district `A`; `schools` as (id, stage, urban, classrooms, pupils per grade, same in 2018
/// and 2019, so every progression ratio is 1); births of 2014 = `births`; fixed drivers: the
/// inflows from outside the city, constant, and the share of village pupils moving to town.
fn data(
    schools: &[(&str, &str, bool, u32, Vec<u32>)],
    births: f64,
    migrants: f64,
    rural_rate: f64,
    returning: f64,
) -> DataSet {
    let stages = default_stages();
    let mut enrolment = Vec::new();
    for (id, stage, _, _, pupils) in schools {
        let first = stages
            .iter()
            .find(|s| s.name == *stage)
            .unwrap()
            .first_grade;
        for year in [2018, 2019] {
            for (k, &p) in pupils.iter().enumerate() {
                enrolment.push(Enrolment {
                    school_id: (*id).into(),
                    year: SchoolYear(year),
                    grade: Grade(first + k as u8),
                    pupils: p,
                });
            }
        }
    }
    let growth = [
        (Driver::BirthChange, 0.0),
        (Driver::EntryRatio, 1.0),
        (Driver::ProgressionFactor, 1.0),
        (Driver::MigrantInflow, migrants),
        (Driver::MigrantChange, 0.0),
        (Driver::ReturningInflow, returning),
        (Driver::ReturningChange, 0.0),
        (Driver::RuralToTownRate, rural_rate),
    ]
    .into_iter()
    .map(|(driver, v)| Growth {
        area: AreaSel::All,
        driver,
        value: tp(v),
        from_year: None,
        to_year: None,
    })
    .collect();
    let mut profiles = vec![Profile {
        driver: Driver::MigrantInflow,
        grade: Grade(1),
        share: 1.0,
    }];
    profiles.push(Profile {
        driver: Driver::ReturningInflow,
        grade: Grade(2),
        share: 1.0,
    });
    DataSet {
        name: "test".into(),
        dir: "test".into(),
        settings: Settings {
            base_date: YearMonth {
                year: 2020,
                month: 3,
            },
            entry_age: 6,
        },
        stages,
        areas: vec![Area {
            id: "A".into(),
            name: "甲".into(),
            kind: AreaKind::District,
            urban: true,
            name_en: None,
            centroid: None,
        }],
        schools: schools
            .iter()
            .map(|(id, stage, urban, rooms, _)| School {
                id: id.to_string(),
                area_id: "A".into(),
                name: id.to_string(),
                stage: stage.to_string(),
                urban: *urban,
                classrooms: *rooms,
            })
            .collect(),
        enrolment,
        births: (2012..=2014)
            .map(|year| Births {
                area_id: "A".into(),
                year,
                births,
            })
            .collect(),
        growth,
        profiles,
        projects: Vec::new(),
        flows: Vec::new(),
    }
}

fn scenario(rebalancing: f64) -> Scenario {
    let mut sc = placeplan::synth::no_build_scenario(2020);
    sc.rebalancing = rebalancing;
    sc
}

fn run(ds: &DataSet, sc: &Scenario) -> ScenarioResult {
    let m = assemble(ds, sc).expect("assembles");
    monte_carlo::run(
        &m,
        &[],
        &RunOptions {
            draws: 4,
            seed: 1,
            threads: 1,
        },
        &Silent,
    )
}

fn city(r: &ScenarioResult, metric: Metric, year: u16) -> f64 {
    r.row(metric, SchoolYear(year), "ALL").unwrap().central
}

fn pupils(r: &ScenarioResult, school: &str, year: u16, grade: u8) -> u32 {
    r.schools
        .iter()
        .find(|s| r.school_id(s) == school && s.year.0 == year && s.grade == grade)
        .map_or(0, |s| s.pupils)
}

#[test]
fn entrants_are_births_six_years_before_shared_by_grade_one_intake() {
    // Births 2014 = 300, entry ratio 1: 300 entrants in 2020, shared 2 : 1 as 2019's grade 1.
    let ds = data(
        &[
            ("P1", "primary", true, 30, vec![100; 6]),
            ("P2", "primary", true, 30, vec![50; 6]),
        ],
        300.0,
        0.0,
        0.0,
        0.0,
    );
    let r = run(&ds, &scenario(0.0));
    assert_eq!(pupils(&r, "P1", 2020, 1), 200);
    assert_eq!(pupils(&r, "P2", 2020, 1), 100);
    // Last year's grade 1 moved up with ratio 1.
    assert_eq!(pupils(&r, "P1", 2020, 2), 100);
}

#[test]
fn migrants_join_town_schools_and_a_share_of_village_pupils_moves_to_town() {
    // 40 migrants a year from outside the city into grade 1, 10 returners into grade 2, and 30 %
    // of the village school's pupils moving to the area's town school, grade by grade.
    let ds = data(
        &[
            ("T", "primary", true, 30, vec![100; 6]),
            ("V", "primary", false, 30, vec![100; 6]),
        ],
        200.0,
        40.0,
        0.3,
        10.0,
    );
    let r = run(&ds, &scenario(0.0));
    // Grade 1 of 2020: entrants 200 shared 1 : 1 → 100 each; 30 leave the village for town,
    // which also takes the 40 migrants.
    assert_eq!(pupils(&r, "T", 2020, 1), 170);
    assert_eq!(pupils(&r, "V", 2020, 1), 70);
    // Returning students (profile: grade 2) join the town school only.
    assert_eq!(pupils(&r, "T", 2020, 2), 140);
    assert_eq!(pupils(&r, "V", 2020, 2), 70);
    assert_eq!(city(&r, Metric::DemandMigrant, 2020), 40.0);
    assert_eq!(city(&r, Metric::DemandReturning, 2020), 10.0);
    // The moves are reported on both sides and add no pupil to the area.
    assert_eq!(city(&r, Metric::TownArrivals, 2020), 180.0);
    assert_eq!(city(&r, Metric::VillageDepartures, 2020), 180.0);
    let change = city(&r, Metric::Pupils, 2020) - city(&r, Metric::Pupils, 2019);
    assert_eq!(change, 200.0 - 200.0 + 40.0 + 10.0);
    assert_eq!(city(&r, Metric::DemandNatural, 2020), 0.0);
}

/// Regression (issue 8): a constant stream of "migrants from the villages" went on arriving in
/// town after the village schools were empty, creating pupils. Moves are a rate of the village
/// pupils there are: an empty village sends nobody, and every pupil who arrives left a village.
#[test]
fn an_empty_village_sends_nobody_to_town() {
    let ds = data(
        &[
            ("T", "primary", true, 30, vec![100; 6]),
            ("V", "primary", false, 30, vec![0; 6]),
        ],
        0.0,
        0.0,
        0.5,
        0.0,
    );
    let r = run(&ds, &scenario(0.0));
    assert_eq!(city(&r, Metric::TownArrivals, 2020), 0.0);
    assert_eq!(city(&r, Metric::VillageDepartures, 2020), 0.0);
    // Grade 6 left; nobody entered (no births), nobody arrived.
    assert_eq!(city(&r, Metric::Pupils, 2020), 500.0);
    // With everyone moving, the village empties and the town gains exactly its pupils.
    let ds = data(
        &[
            ("T", "primary", true, 30, vec![100; 6]),
            ("V", "primary", false, 30, vec![20; 6]),
        ],
        0.0,
        0.0,
        1.0,
        0.0,
    );
    let r = run(&ds, &scenario(0.0));
    let total = |s| (1..=6).map(|g| pupils(&r, s, 2020, g)).sum::<u32>();
    assert_eq!(total("V"), 0);
    assert_eq!(total("T"), 500 + 100);
    assert_eq!(city(&r, Metric::TownArrivals, 2020), 100.0);
    // The output says the stock has run dry.
    assert_eq!(city(&r, Metric::VillagePupils, 2019), 120.0);
    assert_eq!(city(&r, Metric::VillagePupils, 2020), 0.0);
}

/// Regression (issue 8): progression ratios estimated from a history that holds past inflows
/// already carry them, so adding the inflow drivers on top counted the newcomers twice. A data
/// set that records its historical flows has them netted out of the ratios.
#[test]
fn recorded_flows_are_netted_out_of_the_progression_ratios() {
    // Grades of 100 in 2018 become 110 in 2019 one grade up: 10 newcomers a grade joined.
    let mut ds = data(
        &[("T", "primary", true, 60, vec![100; 6])],
        100.0,
        0.0,
        0.0,
        0.0,
    );
    for e in ds.enrolment.iter_mut().filter(|e| e.year.0 == 2019) {
        e.pupils = 110;
    }
    // The newcomers: 60 migrant children, joining grades 1–6 evenly.
    ds.profiles.retain(|p| p.driver != Driver::MigrantInflow);
    for g in 1..=6 {
        ds.profiles.push(Profile {
            driver: Driver::MigrantInflow,
            grade: Grade(g),
            share: 1.0 / 6.0,
        });
    }
    let sc = scenario(0.0);
    let gross = assemble(&ds, &sc).expect("assembles");
    assert!((gross.ratios[0] - 1.1).abs() < 1e-6, "{:?}", gross.ratios);
    assert!(!gross.flows_recorded);
    ds.flows.push(Flow {
        area_id: "A".into(),
        year: SchoolYear(2019),
        kind: FlowKind::MigrantInflow,
        pupils: 60.0,
    });
    let net = assemble(&ds, &sc).expect("assembles");
    assert!(net.flows_recorded);
    for r in &net.ratios[..5] {
        assert!((r - 1.0).abs() < 1e-6, "{:?}", net.ratios);
    }
}

#[test]
fn rebalancing_moves_the_allowed_share_of_excess_and_counts_it() {
    // Two town primary schools; "full" has 6 × 60 = 360 pupils in 6 rooms (270 places): 90 above.
    // "spare" has 6 × 20 = 120 in 6 rooms: 150 spare. With entry 0 (no births) and ratios 1 the
    // 2020 pupils are grades 2–6 of 2019 moved up: 300 and 100; excess 300 − 270 = 30.
    // Half of the excess may move: 15 pupils.
    let ds = data(
        &[
            ("full", "primary", true, 6, vec![60; 6]),
            ("spare", "primary", true, 6, vec![20; 6]),
        ],
        0.0,
        0.0,
        0.0,
        0.0,
    );
    let r = run(&ds, &scenario(0.5));
    assert_eq!(city(&r, Metric::PupilsMoved, 2020), 15.0);
    let total = |s| (1..=6).map(|g| pupils(&r, s, 2020, g)).sum::<u32>();
    assert_eq!(total("full"), 285);
    assert_eq!(total("spare"), 115);
}

#[test]
fn a_project_adds_classrooms_from_the_school_year_after_it_completes() {
    let mut ds = data(
        &[("P1", "primary", true, 6, vec![60; 6])],
        360.0,
        0.0,
        0.0,
        0.0,
    );
    ds.projects.push(Project {
        id: "X".into(),
        name: "x".into(),
        area_id: "A".into(),
        stage: "primary".into(),
        kind: ProjectKind::Expansion,
        school_id: "P1".into(),
        classrooms: 6,
        status: ProjectStatus::UnderConstruction,
        planned_start: YearMonth {
            year: 2019,
            month: 1,
        },
        planned_completion: YearMonth {
            year: 2020,
            month: 8,
        },
        batch: "b".into(),
        cost: None,
    });
    let mut sc = scenario(0.0);
    sc.cancel.all = false;
    let r = run(&ds, &sc);
    // 6 rooms → 12 rooms in 2020 (completed in August, before 1 September).
    assert_eq!(city(&r, Metric::Places, 2019), 270.0);
    assert_eq!(city(&r, Metric::Places, 2020), 540.0);
    // 2019: 60 pupils a grade in one class each: 6 oversized. 2020: grade 1 = 360 births → 360
    // entrants (8 classes needed, 2 allotted); grades 2–6 have 60 → 2 classes of 30 each.
    assert_eq!(city(&r, Metric::OversizedClasses, 2019), 6.0);
    assert_eq!(city(&r, Metric::ProjectsCompleted, 2020), 1.0);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// With no flows (no entrants, no inflows, progression ratios all 1, no rebalancing), every
    /// pupil of 2019 is in school in 2020 one grade up, except grade 9, which leaves. Each school
    /// has the same count in every grade and year, and a balancing school makes the area's
    /// primary and junior year groups equal, so every estimated ratio is exactly 1.
    #[test]
    fn pupils_are_conserved_when_there_are_no_flows(
        schools in proptest::collection::vec((any::<bool>(), any::<bool>(), 1u32..40, 1u32..300), 1..8),
    ) {
        let mut specs: Vec<(String, &str, bool, u32, u32)> = schools
            .iter()
            .enumerate()
            .map(|(i, (junior, urban, rooms, n))| (format!("S{i}"), if *junior { "junior" } else { "primary" }, *urban, *rooms, *n))
            .collect();
        let year_group = |stage: &str, specs: &[(String, &str, bool, u32, u32)]| -> i64 {
            specs.iter().filter(|s| s.1 == stage).map(|s| i64::from(s.4)).sum()
        };
        let gap = year_group("primary", &specs) - year_group("junior", &specs);
        let (stage, n) = if gap >= 0 { ("junior", gap + 1) } else { ("primary", 1 - gap) };
        specs.push(("B".into(), stage, true, 10, n as u32));
        if stage == "primary" {
            specs.push(("B2".into(), "junior", true, 10, 1));
        } else {
            specs.push(("B2".into(), "primary", true, 10, 1));
        }
        let borrowed: Vec<(&str, &str, bool, u32, Vec<u32>)> = specs
            .iter()
            .map(|(id, st, u, r, n)| (id.as_str(), *st, *u, *r, vec![*n; if *st == "junior" { 3 } else { 6 }]))
            .collect();
        let ds = data(&borrowed, 0.0, 0.0, 0.0, 0.0);
        let r = run(&ds, &scenario(0.0));
        let grade9 = year_group("junior", &specs) as f64;
        let before = city(&r, Metric::Pupils, 2019);
        let after = city(&r, Metric::Pupils, 2020);
        // Whole pupils, shared so that the parts add up: exact.
        prop_assert_eq!(after, before - grade9, "2019 − grade 9 ≠ 2020");
    }

    /// Rebalancing moves pupils between schools; it never creates or loses any.
    #[test]
    fn rebalancing_conserves_pupils(
        p in proptest::collection::vec(proptest::collection::vec(0u32..200, 6), 2..6),
        rooms in proptest::collection::vec(1u32..20, 6),
        share in 0.0f64..1.0,
    ) {
        let specs: Vec<(String, Vec<u32>)> = p.iter().enumerate().map(|(i, v)| (format!("S{i}"), v.clone())).collect();
        let borrowed: Vec<(&str, &str, bool, u32, Vec<u32>)> =
            specs.iter().enumerate().map(|(i, (id, v))| (id.as_str(), "primary", true, rooms[i], v.clone())).collect();
        let ds = data(&borrowed, 0.0, 0.0, 0.0, 0.0);
        let without = run(&ds, &scenario(0.0));
        let with = run(&ds, &scenario(share));
        prop_assert_eq!(city(&with, Metric::Pupils, 2020), city(&without, Metric::Pupils, 2020));
    }

    /// Every pupil accounted for (SPEC §4), on random data sets with every flow at once: for
    /// every area and year the change in pupils is exactly entrants − leavers + progression
    /// change + migrants + returners, the three `demand_*` series add up to it in the central
    /// and mean columns, moves leave villages as they reach towns, and no school ever holds a
    /// negative count.
    #[test]
    fn every_pupil_is_accounted_for(
        schools in proptest::collection::vec(
            (any::<bool>(), any::<bool>(), 1u32..40, proptest::collection::vec(0u32..120, 9)),
            1..7,
        ),
        births in 0.0f64..600.0,
        migrants in 0.0f64..200.0,
        rate in 0.0f64..1.0,
        returning in 0.0f64..80.0,
        ratio in 0.8f64..1.2,
        share in 0.0f64..1.0,
    ) {
        let specs: Vec<(String, &str, bool, u32, Vec<u32>)> = schools
            .iter()
            .enumerate()
            .map(|(i, (junior, urban, rooms, n))| {
                let stage = if *junior { "junior" } else { "primary" };
                let grades = if *junior { 3 } else { 6 };
                (format!("S{i}"), stage, *urban, *rooms, n[..grades].to_vec())
            })
            .collect();
        let borrowed: Vec<(&str, &str, bool, u32, Vec<u32>)> = specs
            .iter()
            .map(|(id, st, u, r, n)| (id.as_str(), *st, *u, *r, n.clone()))
            .collect();
        let mut ds = data(&borrowed, births, migrants, rate, returning);
        // Progression ratios other than 1: the 2018 counts scaled.
        for e in ds.enrolment.iter_mut().filter(|e| e.year.0 == 2018) {
            e.pupils = (f64::from(e.pupils) / ratio).round() as u32;
        }
        let mut sc = scenario(share);
        sc.horizon = SchoolYear(2023);
        let m = assemble(&ds, &sc).expect("assembles");
        let r = monte_carlo::run(&m, &[], &RunOptions { draws: 8, seed: 3, threads: 2 }, &Silent);
        for area in ["A", "ALL"] {
            for year in 2020..=2023u16 {
                let v = |metric, col: fn(&placeplan::engine::results::SummaryRow) -> f64, y: u16| {
                    col(r.row(metric, SchoolYear(y), area).expect("row"))
                };
                for col in [|x: &placeplan::engine::results::SummaryRow| x.central, |x: &placeplan::engine::results::SummaryRow| x.mean] {
                    let change = v(Metric::Pupils, col, year) - v(Metric::Pupils, col, year - 1);
                    let demand = v(Metric::DemandNatural, col, year)
                        + v(Metric::DemandMigrant, col, year)
                        + v(Metric::DemandReturning, col, year);
                    prop_assert!((change - demand).abs() <= 1e-9 * change.abs().max(1.0),
                        "{area} {year}: change {change} ≠ demand {demand}");
                    let natural = v(Metric::Entrants, col, year) - v(Metric::Leavers, col, year)
                        + v(Metric::ProgressionChange, col, year);
                    prop_assert!((natural - v(Metric::DemandNatural, col, year)).abs() <= 1e-9 * natural.abs().max(1.0));
                    prop_assert_eq!(v(Metric::TownArrivals, col, year), v(Metric::VillageDepartures, col, year));
                }
            }
        }
        // The flows have no value in the observed base year.
        prop_assert!(r.row(Metric::DemandNatural, SchoolYear(2019), "ALL").is_none());
    }
}
