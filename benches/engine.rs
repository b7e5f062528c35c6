//! Engine benchmarks (criterion): the SPEC §8 speed targets.
//!
//! - `default_10k_draws`: the Hengyang default data set, 10,000 draws, 2019–2025, all cores
//!   (target ≤ 1 s on 2 cores).
//! - `province_1k_draws`: a synthetic 20,000-school province, 1,000 draws (target ≤ 5 s).
//! - `priority_1k_draws`: ranking all 175 Hengyang projects (slip and forward, `--priority`),
//!   1,000 draws, `current-pace` with its targets (target ≤ 30 s on 2 cores).
//!
//! Inputs are built outside the timed loop. Run: `cargo bench --bench engine`.

use criterion::{Criterion, criterion_group, criterion_main};
use placeplan::engine::assemble::assemble;
use placeplan::engine::monte_carlo::{self, RunOptions, Silent};
use placeplan::engine::priority;
use placeplan::model::SchoolYear;
use placeplan::scenario::Pace;
use placeplan::synth;

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

criterion_group!(benches, bench);
criterion_main!(benches);
