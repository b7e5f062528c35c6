//! Engine benchmarks (criterion): the SPEC §8 speed targets.
//!
//! - `default_10k_draws`: the Hengyang default data set, 10,000 draws, 2019–2025, all cores
//!   (target ≤ 1 s on 2 cores).
//! - `province_1k_draws`: a synthetic 20,000-school province, 1,000 draws (target ≤ 5 s).
//! - `priority_1k_draws`: ranking all 175 Hengyang projects (slip and forward, `--priority`),
//!   1,000 draws, `current-pace` with its targets (target ≤ 30 s on 2 cores).
//!
//!
//! Then one batch of draws (`sim::LANES`, one per vector lane) of `current-pace` on the default
//! data set, one thread, step by step (group `draw`), each with the batch's draws × the
//! school-grade-year cells of `schools.csv` as its throughput, so that criterion's `elem/s`
//! reads as cells per second (1000 / Melem/s = ns per school-grade-year-draw):
//! - `sampling`: every driver's value and every project's opening year (`sim::sample_batch`, a batch of 8);
//! - `start`: the base year's state, the projects completed by each year, births and inflows;
//! - `supply`, `progression`, `entry`, `flows`, `rebalancing`, `classes`: the phases of the
//!   projected years (rebalancing on `redistricting`, the scenario that turns it on), every year;
//! - `accounts`: natural change, city totals, cleared classes, and the batch's rows out;
//! - `whole`: the batch (`sim::simulate`), all of the above but sampling;
//! - `held`: the same batch as a run does it (`sim::simulate_deltas`): its results held as 16-bit
//!   differences from the central case.
//!
//! Inputs are built outside the timed loop: each phase starts from a copy of the state the
//! batch's earlier phases left, made before the timer starts. Run: `cargo bench --bench engine`
//! (or `cargo bench --bench engine -- draw/` for the steps alone).
//!
//! Then a run's fixed costs (group `fixed`), on a 20,000-school synthetic province, every core:
//! - `load_province`: reading and checking its data set's CSV files (`io::dataset::load`);
//! - `tables_province`: writing a scenario's tables, CSV and Parquet (`summary`, `schools` with
//!   its 845,000 rows, `projects`, `targets`, `manifest.json`).

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use placeplan::engine::assemble::{Assembled, assemble};
use placeplan::engine::monte_carlo::{self, RunOptions, Silent, central_inputs, sample_inputs};
use placeplan::engine::priority;
use placeplan::engine::sim::{self, DrawInputs, LANES, METRICS, Phase, Scratch};
use placeplan::io::tables::{Manifest, write_scenario_tables};
use placeplan::model::SchoolYear;
use placeplan::scenario::Pace;
use placeplan::synth;

/// One batch's state before `phase` of each projected year, in year order.
fn before(m: &Assembled, inputs: &[DrawInputs], phase: Phase) -> Vec<(usize, Scratch)> {
    let mut s = Scratch::new(m);
    sim::begin(m, inputs, &mut s);
    let mut states = Vec::new();
    for t in 1..m.years {
        for p in Phase::ALL {
            if p == phase {
                states.push((t, s.clone()));
            }
            sim::phase(m, &mut s, t, p);
        }
    }
    states
}

/// The draw's steps one by one (see the module's documentation).
fn steps(c: &mut Criterion) {
    let data = placeplan::io::dataset::load(std::path::Path::new("data/hengyang-2019"))
        .expect("the default data set loads");
    let model = |file: &str| {
        let scenario =
            placeplan::scenario::load(std::path::Path::new(file)).expect("the scenario loads");
        assemble(&data, &scenario).expect("the scenario assembles")
    };
    let m = model("scenarios/current-pace.toml");
    let moving = model("scenarios/redistricting.toml");
    let width = m.years * (m.areas() + 1) * METRICS;
    // The cells of `schools.csv`: every open school's grades in every year.
    let mut rows = Vec::new();
    let mut s = Scratch::new(&m);
    let mut out = vec![0.0f32; LANES * width];
    let central = [central_inputs(&m)];
    sim::simulate(&m, &central, &mut s, &mut out[..width], Some(&mut rows));
    // One batch: draws 7 to 7 + LANES − 1.
    let batch = |m: &Assembled| -> Vec<DrawInputs> {
        (0..LANES as u64)
            .map(|l| {
                let mut d = central_inputs(m);
                sample_inputs(m, 2019, 7 + l, &mut d);
                d
            })
            .collect()
    };
    let (inputs, moving_inputs) = (batch(&m), batch(&moving));

    let mut group = c.benchmark_group("draw");
    group.sample_size(20);
    group.warm_up_time(std::time::Duration::from_secs(1));
    group.measurement_time(std::time::Duration::from_secs(3));
    // Per batch: its draws' cells.
    group.throughput(Throughput::Elements((LANES * rows.len()) as u64));
    group.bench_function("sampling", |b| {
        let mut draw = 0;
        let mut sampled = vec![central_inputs(&m); LANES];
        b.iter(|| {
            sim::sample_batch(&m, 2019, draw, &mut sampled);
            draw += LANES as u64;
        })
    });
    group.bench_function("start", |b| b.iter(|| sim::begin(&m, &inputs, &mut s)));
    for phase in Phase::ALL {
        let (model, inputs) = match phase {
            Phase::Rebalancing => (&moving, &moving_inputs),
            _ => (&m, &inputs),
        };
        let states = before(model, inputs, phase);
        let name = format!("{phase:?}").to_lowercase();
        group.bench_function(name, |b| {
            b.iter_batched_ref(
                || states.clone(),
                |states| {
                    for (t, s) in states {
                        sim::phase(model, s, *t, phase);
                    }
                },
                BatchSize::LargeInput,
            )
        });
    }
    group.bench_function("accounts", |b| {
        b.iter_batched_ref(
            || s.clone(),
            |s| sim::finish(&m, s, LANES, &mut out),
            BatchSize::LargeInput,
        )
    });
    group.bench_function("whole", |b| {
        b.iter(|| sim::simulate(&m, &inputs, &mut s, &mut out, None))
    });
    // What a run does per batch: `whole`, its results held as differences from the central case.
    let mut reference = vec![0.0f32; width];
    sim::simulate(&m, &central, &mut s, &mut reference, None);
    let (mut held, mut escapes) = (vec![0i16; LANES * width], Vec::new());
    group.bench_function("held", |b| {
        b.iter(|| {
            escapes.clear();
            let to = sim::Deltas {
                reference: &reference,
                out: &mut held,
                escapes: &mut escapes,
            };
            sim::simulate_deltas(&m, &inputs, &mut s, to)
        })
    });
    group.finish();
}

fn bench(c: &mut Criterion) {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut scenario = synth::no_build_scenario(2025);
    scenario.cancel = Default::default();
    scenario.pace = Pace::CurrentPace;
    scenario.horizon = SchoolYear(2025);

    let data = placeplan::io::dataset::load(std::path::Path::new("data/hengyang-2019"))
        .expect("the default data set loads");
    let model = assemble(&data, &scenario).expect("the default data set assembles");
    let mut group = c.benchmark_group("engine");
    group.sample_size(10);
    group.bench_function("default_10k_draws", |b| {
        let opts = RunOptions {
            draws: 10_000,
            seed: 2019,
            threads,
        };
        b.iter(|| monte_carlo::run(&model, &[], &opts, &Silent))
    });

    let ranked = placeplan::scenario::load(std::path::Path::new("scenarios/current-pace.toml"))
        .expect("the scenario loads");
    let ranked_model = assemble(&data, &ranked).expect("current-pace assembles");
    group.bench_function("priority_1k_draws", |b| {
        let opts = RunOptions {
            draws: 1_000,
            seed: 2019,
            threads,
        };
        b.iter(|| priority::rank(&ranked_model, &ranked.targets, &opts, &Silent))
    });

    let province = synth::province(20_000, 7);
    let model = assemble(&province, &scenario).expect("the synthetic province assembles");
    group.bench_function("province_1k_draws", |b| {
        let opts = RunOptions {
            draws: 1_000,
            seed: 2019,
            threads,
        };
        b.iter(|| monte_carlo::run(&model, &[], &opts, &Silent))
    });
    group.finish();
}

criterion_group!(benches, steps, bench);
criterion_main!(benches, summary_benches, fixed_benches);

/// The summary of a run (group `summary`): `current-pace` on the default data set, 10,000 draws
/// run once outside the timed loop, then `monte_carlo::summarise` (the central case with every
/// school's classes, the quantiles and mean of every cell, the projects' and the targets'
/// probabilities) on one thread (`one_thread`) and on every core (`all_threads`).
fn summary(c: &mut Criterion) {
    let data = placeplan::io::dataset::load(std::path::Path::new("data/hengyang-2019"))
        .expect("the default data set loads");
    let scenario = placeplan::scenario::load(std::path::Path::new("scenarios/current-pace.toml"))
        .expect("the scenario loads");
    let m = assemble(&data, &scenario).expect("the scenario assembles");
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let opts = RunOptions {
        draws: 10_000,
        seed: 2019,
        threads,
    };
    let draws = monte_carlo::simulate(&m, &opts, 0, &Silent);
    let mut group = c.benchmark_group("summary");
    group.sample_size(10);
    for (name, threads) in [("one_thread", 1), ("all_threads", threads)] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("the worker threads start");
        group.bench_function(name, |b| {
            b.iter(|| pool.install(|| monte_carlo::summarise(&m, &scenario.targets, &draws)))
        });
    }
    group.finish();
}

criterion_group!(summary_benches, summary);

/// A province run's fixed costs (group `fixed`): the generator's 20,000-school province written
/// to a temporary folder, then loaded (`load_province`); a 10-draw run of it, then its tables
/// written (`tables_province`). Files and the run are made outside the timed loop.
fn fixed(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let data = dir.path().join("province");
    let province = synth::province(20_000, 7);
    placeplan::io::dataset_out::write_dataset(&province, &data)
        .expect("the synthetic province is written");
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("the worker threads start");
    let mut group = c.benchmark_group("fixed");
    group.sample_size(10);
    group.bench_function("load_province", |b| {
        b.iter(|| placeplan::io::dataset::load(&data).expect("the synthetic province loads"))
    });

    let scenario = placeplan::scenario::load(std::path::Path::new("scenarios/current-pace.toml"))
        .expect("the scenario loads");
    let model = assemble(&province, &scenario).expect("the synthetic province assembles");
    let opts = RunOptions {
        draws: 10,
        seed: 2019,
        threads,
    };
    let result = monte_carlo::run(&model, &scenario.targets, &opts, &Silent);
    let manifest = Manifest {
        tool_version: env!("CARGO_PKG_VERSION").into(),
        scenario: "current-pace".into(),
        scenario_file: "scenarios/current-pace.toml".into(),
        data_set: data.display().to_string(),
        seed: opts.seed,
        draws: opts.draws,
        threads,
        base_year: result.base_year.0,
        horizon: result.horizon.0,
        inputs: Vec::new(),
    };
    let out = dir.path().join("tables");
    group.bench_function("tables_province", |b| {
        b.iter(|| {
            pool.install(|| write_scenario_tables(&out, &result, &manifest))
                .expect("the tables are written")
        })
    });
    group.finish();
}

criterion_group!(fixed_benches, fixed);
