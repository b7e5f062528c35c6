//! Which projects matter most: every project slipped one school year, and brought forward to
//! its planned date, against the same draws (common random numbers), so that a difference is the
//! project's and not the noise of other draws.
//!
//! A project changes only its own area and stage (a group of schools): pupils move between
//! groups only as one stage's leavers entering the next, and classrooms do not change how many
//! leave. So each draw runs every group once, and each variant re-runs the one group its project
//! belongs to (`sim::simulate_group`): 2 × 175 variants of Hengyang cost about 15 runs of the
//! city per draw, not 351. Effects are sums of whole class counts over draws, in integers, so
//! the table does not depend on the thread count. Pure: no I/O.

use rayon::prelude::*;

use super::assemble::Assembled;
use super::monte_carlo::{Progress, RunOptions, meets};
use super::results::Metric;
use super::sim::{self, DrawInputs, LANES, Scratch, cell};
use crate::model::SchoolYear;
use crate::scenario::Target;

/// One project's effect on one target's year, as means over the draws.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorityRow {
    /// Rank of the project (1 = the most oversized classes lost if it slips, summed over the
    /// target years).
    pub rank: usize,
    pub project_id: String,
    /// Index of the project in `Assembled::projects`.
    pub project: usize,
    pub target: String,
    pub year: SchoolYear,
    /// Change in the city's oversized (56+) classes in `year` if the project opens one school
    /// year later than it does in each draw (positive: more oversized classes).
    pub slip_oversized: f64,
    pub slip_super_oversized: f64,
    /// Change in P(target met) (share of draws, −1 to 1) if the project slips.
    pub slip_p_target: f64,
    /// The same if the project opens on its planned date in every draw (negative: fewer
    /// oversized classes).
    pub forward_oversized: f64,
    pub forward_super_oversized: f64,
    pub forward_p_target: f64,
}

/// Per (project, target): oversized, super-oversized and met changes for slip and forward.
const FIELDS: usize = 6;

/// A group's classes, oversized and super-oversized classes in year `t`, in each draw of the
/// batch `s` ran.
fn group_figures(m: &Assembled, s: &Scratch, area: usize, t: usize) -> [[i64; 3]; LANES] {
    let areas = m.areas();
    let [classes, over, super_over] = [
        Metric::Classes,
        Metric::OversizedClasses,
        Metric::SuperOversizedClasses,
    ]
    .map(|metric| s.metric(cell(areas, t, area, metric)));
    std::array::from_fn(|l| [classes[l], over[l], super_over[l]].map(|x| x as i64))
}

/// Ranks every project of `m` by what its slip costs the targets' years.
pub fn rank(
    m: &Assembled,
    targets: &[Target],
    opts: &RunOptions,
    progress: &dyn Progress,
) -> Vec<PriorityRow> {
    let years: Vec<usize> = targets
        .iter()
        .map(|t| usize::from(t.year.0.saturating_sub(m.base_year.0)).min(m.years - 1))
        .collect();
    let below = sim::below_groups(m);
    let planned: Vec<u16> = m
        .schedules
        .iter()
        .map(|s| m.pipeline.planned_t(s))
        .collect();
    let n = m.projects.len() * targets.len() * FIELDS;
    let draws = opts.draws as usize;
    // Draws run in batches of `LANES`, one per vector lane (see `sim`).
    let work = || {
        (0..draws.div_ceil(LANES))
            .into_par_iter()
            .fold(
                || {
                    let inputs = DrawInputs {
                        values: m.central.clone(),
                        open_t: vec![0; m.projects.len()],
                    };
                    (vec![0i64; n], Scratch::new(m), vec![inputs; LANES])
                },
                |(mut sums, mut s, mut inputs), batch| {
                    let first = batch * LANES;
                    let count = (draws - first).min(LANES);
                    sim::sample_batch(m, opts.seed, first as u64, &mut inputs[..count]);
                    // Births and inflows depend on the sampled values, not on when projects
                    // open: once per batch, for the base run and every variant.
                    sim::begin(m, &inputs[..count], &mut s);
                    // The batch group by group: each group's figures and leavers by year.
                    let groups = m.groups.len();
                    let mut base = vec![[[0i64; 3]; LANES]; groups * m.years];
                    let mut leavers = vec![[0.0f32; LANES]; groups * m.years];
                    let mut feeder = vec![[0.0f32; LANES]; m.years];
                    for gi in 0..groups {
                        if let Some(b) = below[gi] {
                            feeder.copy_from_slice(&leavers[b * m.years..(b + 1) * m.years]);
                        }
                        let (_, mine) = leavers.split_at_mut(gi * m.years);
                        sim::simulate_group(m, &mut s, gi, &feeder, &mut mine[..m.years]);
                        for t in 1..m.years {
                            base[gi * m.years + t] = group_figures(m, &s, m.groups[gi].area, t);
                        }
                    }
                    let city = |t: usize, l: usize| {
                        (0..groups).fold([0i64; 3], |acc, gi| {
                            let x = base[gi * m.years + t][l];
                            [acc[0] + x[0], acc[1] + x[1], acc[2] + x[2]]
                        })
                    };
                    let met = |target: &Target, c: [i64; 3]| {
                        meets(target, c[0] as f32, c[1] as f32, c[2] as f32)
                    };
                    let city_at: Vec<[[i64; 3]; LANES]> = years
                        .iter()
                        .map(|&t| std::array::from_fn(|l| city(t, l)))
                        .collect();
                    let mut variant_feeder = vec![[0.0f32; LANES]; m.years];
                    let mut scratch_leavers = vec![[0.0f32; LANES]; m.years];
                    for (k, p) in m.projects.iter().enumerate() {
                        let gi = p.group;
                        let drawn = s.open_t(k);
                        let slip = drawn.map(|d| {
                            if d == u16::MAX || usize::from(d) + 1 >= m.years {
                                u16::MAX
                            } else {
                                d + 1
                            }
                        });
                        for (v, open) in [slip, [planned[k]; LANES]].into_iter().enumerate() {
                            // A draw where the variant is the draw itself adds nothing.
                            let differs: [bool; LANES] =
                                std::array::from_fn(|l| l < count && open[l] != drawn[l]);
                            if !differs.contains(&true) {
                                continue;
                            }
                            s.set_open_t(k, open);
                            if let Some(b) = below[gi] {
                                variant_feeder
                                    .copy_from_slice(&leavers[b * m.years..(b + 1) * m.years]);
                            }
                            sim::simulate_group(
                                m,
                                &mut s,
                                gi,
                                &variant_feeder,
                                &mut scratch_leavers,
                            );
                            s.set_open_t(k, drawn);
                            for (j, (target, &t)) in targets.iter().zip(&years).enumerate() {
                                let now = group_figures(m, &s, p.area, t);
                                let at = (k * targets.len() + j) * FIELDS + 3 * v;
                                for l in (0..LANES).filter(|&l| differs[l]) {
                                    let mine = base[gi * m.years + t][l];
                                    let c = city_at[j][l];
                                    let variant = [
                                        c[0] - mine[0] + now[l][0],
                                        c[1] - mine[1] + now[l][1],
                                        c[2] - mine[2] + now[l][2],
                                    ];
                                    sums[at] += variant[1] - c[1];
                                    sums[at + 1] += variant[2] - c[2];
                                    sums[at + 2] +=
                                        i64::from(met(target, variant)) - i64::from(met(target, c));
                                }
                            }
                        }
                    }
                    progress.advance(count as u64);
                    (sums, s, inputs)
                },
            )
            .map(|(sums, ..)| sums)
            .reduce(
                || vec![0i64; n],
                |mut a, b| {
                    for (x, y) in a.iter_mut().zip(b) {
                        *x += y;
                    }
                    a
                },
            )
    };
    let sums = match rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.max(1))
        .build()
    {
        Ok(pool) => pool.install(work),
        Err(_) => work(),
    };

    let draws = f64::from(opts.draws.max(1));
    let mut rows = Vec::with_capacity(m.projects.len() * targets.len());
    for (k, p) in m.projects.iter().enumerate() {
        for (j, target) in targets.iter().enumerate() {
            let at = (k * targets.len() + j) * FIELDS;
            let mean = |i: usize| sums[at + i] as f64 / draws;
            rows.push(PriorityRow {
                rank: 0,
                project_id: p.id.clone(),
                project: k,
                target: target.id.clone(),
                year: target.year,
                slip_oversized: mean(0),
                slip_super_oversized: mean(1),
                slip_p_target: mean(2),
                forward_oversized: mean(3),
                forward_super_oversized: mean(4),
                forward_p_target: mean(5),
            });
        }
    }
    // Rank by the oversized classes a slip costs over the target years (then by id).
    let mut loss: Vec<(i64, usize)> = (0..m.projects.len())
        .map(|k| {
            let total: i64 = (0..targets.len())
                .map(|j| sums[(k * targets.len() + j) * FIELDS])
                .sum();
            (total, k)
        })
        .collect();
    loss.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| m.projects[a.1].id.cmp(&m.projects[b.1].id))
    });
    let mut rank_of = vec![0usize; m.projects.len()];
    for (r, &(_, k)) in loss.iter().enumerate() {
        rank_of[k] = r + 1;
    }
    for row in &mut rows {
        row.rank = rank_of[row.project];
    }
    rows.sort_by_key(|r| (r.rank, r.year, r.target.clone()));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::assemble::assemble;
    use crate::engine::monte_carlo::{Silent, sample_inputs};

    /// Group by group, the draw is the full run: the variants' baseline is the model's.
    #[test]
    fn groups_run_alone_add_up_to_the_city() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/hengyang-2019");
        let ds = crate::io::dataset::load(&dir).expect("the default data set loads");
        let mut sc = crate::synth::no_build_scenario(2022);
        sc.cancel = Default::default();
        sc.pace = crate::scenario::Pace::CurrentPace;
        let m = assemble(&ds, &sc).expect("assembles");
        let width = m.years * (m.areas() + 1) * sim::METRICS;
        let inputs: Vec<DrawInputs> = (0..LANES as u64)
            .map(|draw| {
                let mut d = crate::engine::monte_carlo::central_inputs(&m);
                sample_inputs(&m, 11, draw, &mut d);
                d
            })
            .collect();
        let mut s = Scratch::new(&m);
        let mut full = vec![0.0f32; LANES * width];
        sim::simulate(&m, &inputs, &mut s, &mut full, None);
        sim::begin(&m, &inputs, &mut s);
        let below = sim::below_groups(&m);
        let mut leavers = vec![[0.0f32; LANES]; m.groups.len() * m.years];
        let mut total = vec![[[0i64; 3]; LANES]; m.years];
        for gi in 0..m.groups.len() {
            let feeder = match below[gi] {
                Some(b) => leavers[b * m.years..(b + 1) * m.years].to_vec(),
                None => vec![[0.0; LANES]; m.years],
            };
            let mut mine = vec![[0.0f32; LANES]; m.years];
            sim::simulate_group(&m, &mut s, gi, &feeder, &mut mine);
            leavers[gi * m.years..(gi + 1) * m.years].copy_from_slice(&mine);
            for (t, x) in total.iter_mut().enumerate().skip(1) {
                let f = group_figures(&m, &s, m.groups[gi].area, t);
                for l in 0..LANES {
                    for i in 0..3 {
                        x[l][i] += f[l][i];
                    }
                }
            }
        }
        let areas = m.areas();
        for (t, x) in total.iter().enumerate().skip(1) {
            for l in 0..LANES {
                // Each cell holds the batch's draws side by side.
                let city = |metric| full[cell(areas, t, areas, metric) * LANES + l] as i64;
                assert_eq!(x[l][0], city(Metric::Classes), "year {t}, draw {l}");
                assert_eq!(x[l][1], city(Metric::OversizedClasses), "year {t}");
                assert_eq!(x[l][2], city(Metric::SuperOversizedClasses), "year {t}");
            }
        }
    }

    /// A slip never helps and bringing a project forward never hurts, on average; the table
    /// is the same for one thread and two.
    #[test]
    fn slips_cost_and_the_ranking_is_reproducible() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/hengyang-2019");
        let ds = crate::io::dataset::load(&dir).expect("the default data set loads");
        let sc = crate::scenario::load(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/current-pace.toml"),
        )
        .expect("scenario loads");
        let m = assemble(&ds, &sc).expect("assembles");
        let run = |threads| {
            rank(
                &m,
                &sc.targets,
                &RunOptions {
                    draws: 12,
                    seed: 5,
                    threads,
                },
                &Silent,
            )
        };
        let one = run(1);
        assert_eq!(one, run(2));
        assert_eq!(one.len(), m.projects.len() * sc.targets.len());
        let top = &one[0];
        assert_eq!(top.rank, 1);
        assert!(top.slip_oversized > 0.0, "{top:?}");
        let total_slip: f64 = one.iter().map(|r| r.slip_oversized).sum();
        let total_forward: f64 = one.iter().map(|r| r.forward_oversized).sum();
        assert!(
            total_slip > 0.0 && total_forward < 0.0,
            "{total_slip} {total_forward}"
        );
    }
}
