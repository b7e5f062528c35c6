//! Step 4's pipeline, in one place: when each project opens, under the scenario's pace — the
//! delay model, its fit to the base-date evidence, the draws' sampling, the central case and the
//! opening rule (a building serves a school year if it is complete before 1 September).
//!
//! **The delay model** (`reference-class`, the default). A project's total delay is a ratio `T`
//! of its planned duration `D` (planned start to planned completion): it completes at
//! `planned completion + T·D`, and a share `φ` of that delay comes before its start. `T` is
//! lognormal with log-median `μ` and log-sd [`PRIOR_SIGMA`]. The prior on `μ` comes from a
//! reference class of public works (HM Treasury, *Supplementary Green Book Guidance: Optimism
//! Bias*, 2003, on Mott MacDonald, *Review of Large Public Procurement in the UK*, 2002: median
//! works-duration overrun 7 %, average 15 %, 50 projects): median `e^μ` = 7 %, with a log-sd of
//! [`PRIOR_TAU`] for a reference class that is not Chinese schools; `φ` is uniform on (0, 1).
//! The evidence is the data set's own: which projects planned to start or complete before the
//! base date had. The posterior over (`μ`, `φ`) is computed on a grid, exactly. Each draw takes
//! its (`μ`, `φ`) from the posterior — a programme-wide factor, so the uncertainty about the
//! pace reaches the bands — then an area factor (a share [`AREA_SHARE`] of the log-variance:
//! funding, land and weather are shared by an area's projects) and each project's own, and
//! conditions on what the base date says: a project under construction has not completed, one
//! not started has not started.
//!
//! `exponential` keeps the first version's model for comparison: exponential start and
//! completion delays whose means reproduce the base-date counts.
//!
//! Pure: no I/O.

use rand::{Rng, RngExt};
use rand_distr::{Exp1, StandardNormal};
use rayon::prelude::*;

use super::sampling::{
    by_fours, exp_lanes, normal_cdf, normal_cdf_lanes, normal_quantile, normal_quantiles,
};
use crate::model::{Project, ProjectStatus, SchoolYear, YearMonth};
use crate::scenario::{DelayModel, Pace};

/// Median of the reference class's delay ratio (delay / planned duration): 7 % (Mott MacDonald
/// 2002 for HM Treasury, median works-duration overrun of 50 UK public projects).
pub const PRIOR_MEDIAN: f64 = 0.07;
/// Log-sd of a project's delay ratio: the lognormal whose median 7 % has the reference class's
/// average of 15 % (exp(σ²/2) = 15/7).
pub const PRIOR_SIGMA: f64 = 1.234;
/// Log-sd of the prior on a programme's log-median delay: a factor of e either way at one sd,
/// since a UK reference class is only a start for Chinese school building.
pub const PRIOR_TAU: f64 = 1.0;
/// Share of a project's log-variance common to the projects of its area.
pub const AREA_SHARE: f64 = 0.3;
/// Grid of the posterior: log-medians and shares of the delay before the start.
const MU_STEPS: usize = 121;
const PHI_STEPS: usize = 24;

/// A project as the pipeline sees it, in fractional month indices (`YearMonth::index`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Schedule {
    pub status: ProjectStatus,
    pub start: f64,
    pub completion: f64,
    /// Planned duration, months (at least one).
    pub duration: f64,
    /// Index of the project's area.
    pub area: usize,
}

impl Schedule {
    pub fn of(p: &Project, area: usize) -> Schedule {
        let start = f64::from(p.planned_start.index());
        let completion = f64::from(p.planned_completion.index());
        Schedule {
            status: p.status,
            start,
            completion,
            duration: (completion - start).max(1.0),
            area,
        }
    }
}

/// What the base date says about the pace: projects planned to complete (start) before it,
/// and how many had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Evidence {
    pub due: usize,
    pub completed: usize,
    pub start_due: usize,
    pub started: usize,
}

/// A summary of a distribution of the median delay ratio: median and 90 % interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub p05: f64,
    pub p50: f64,
    pub p95: f64,
}

/// The fitted exponential delays of the first version (`delay_model = "exponential"`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exponential {
    /// Mean delay of completion after the planned (or base) date, months.
    pub completion_mean: f64,
    /// Mean delay of a start after the planned (or base) date, months.
    pub start_mean: f64,
}

/// The pipeline of a scenario: its pace, delay model and what the evidence says.
#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    pub pace: Pace,
    pub model: DelayModel,
    pub base: f64,
    pub base_year: SchoolYear,
    /// School years simulated, the base year included.
    pub years: usize,
    pub areas: usize,
    pub evidence: Evidence,
    /// Posterior grid cells (μ, φ, cumulative weight), the weights summing to 1.
    grid: Vec<(f64, f64, f64)>,
    /// The median delay ratio e^μ: prior and posterior.
    pub prior: Interval,
    pub posterior: Interval,
    /// Posterior mean share of the delay before the start.
    pub phi_mean: f64,
    /// Median planned duration of the data set's projects, months (to say delays in months).
    pub typical_duration: f64,
    pub exponential: Exponential,
}

/// The distinct kinds of project as the delay model sees them (status and dates; the first of
/// each kind stands for it) and the kind of each project.
fn kinds_of(projects: &[Schedule]) -> (Vec<Schedule>, Vec<usize>) {
    let mut seen: std::collections::HashMap<(ProjectStatus, [u64; 3]), usize> =
        std::collections::HashMap::new();
    let mut kinds = Vec::new();
    let kind_of = projects
        .iter()
        .map(|p| {
            let key = (
                p.status,
                [p.start, p.completion, p.duration].map(f64::to_bits),
            );
            *seen.entry(key).or_insert_with(|| {
                kinds.push(*p);
                kinds.len() - 1
            })
        })
        .collect();
    (kinds, kind_of)
}

/// Each project's known delay ratio and its logarithm (0 when the ratio is not positive), for
/// each φ of a pipeline's grid: see [`Pipeline::known_delays`].
#[derive(Debug, Clone, PartialEq)]
pub struct KnownDelays {
    projects: usize,
    /// `floors[j * projects + k]`: project `k` at the grid's `j`-th φ.
    floors: Vec<(f64, f64)>,
}

/// Lognormal CDF of the delay ratio at `x` for log-median `mu` and log-sd `sigma`: what
/// [`ratio_cdf_of_log`] computes from `log_ratio(x)` (the tests hold them to the same bits).
#[cfg(test)]
fn ratio_cdf(x: f64, mu: f64, sigma: f64) -> f64 {
    if x <= 0.0 {
        0.0
    } else if x.is_infinite() {
        1.0
    } else {
        normal_cdf((x.ln() - mu) / sigma)
    }
}

/// `ln x` for [`ratio_cdf_of_log`]: −∞ for a ratio of zero or below (never reached), +∞ for
/// an infinite one (always reached).
fn log_ratio(x: f64) -> f64 {
    if x <= 0.0 {
        f64::NEG_INFINITY
    } else if x.is_infinite() {
        f64::INFINITY
    } else {
        x.ln()
    }
}

/// [`ratio_cdf`] at `x` from `log_ratio(x)`: the same value (the logarithm of a positive finite
/// ratio is finite), so that a logarithm shared by many cells of a grid is taken once.
fn ratio_cdf_of_log(log_x: f64, mu: f64, sigma: f64) -> f64 {
    if log_x == f64::NEG_INFINITY {
        0.0
    } else if log_x == f64::INFINITY {
        1.0
    } else {
        normal_cdf((log_x - mu) / sigma)
    }
}

impl Pipeline {
    /// Fits the pipeline to the data set's projects (whatever the scenario cancels) at `base_date`.
    pub fn fit(
        projects: &[Schedule],
        pace: Pace,
        model: DelayModel,
        base_date: YearMonth,
        base_year: SchoolYear,
        years: usize,
        areas: usize,
    ) -> Pipeline {
        let base = f64::from(base_date.index());
        let evidence = Evidence {
            due: projects.iter().filter(|p| p.completion < base).count(),
            completed: projects
                .iter()
                .filter(|p| p.status == ProjectStatus::Completed)
                .count(),
            start_due: projects.iter().filter(|p| p.start < base).count(),
            started: projects
                .iter()
                .filter(|p| p.status != ProjectStatus::NotStarted)
                .count(),
        };
        // The posterior on a grid: log prior + log likelihood of every project's status. What
        // depends on φ alone is taken once per φ (see [`StatusTerm`]); the μ rows in parallel.
        let mu0 = PRIOR_MEDIAN.ln();
        // Projects of the same status and dates (a batch) have the same terms: each kind's
        // once, added up project by project in order.
        let (kinds, kind_of) = kinds_of(projects);
        let terms: Vec<Vec<StatusTerm>> = (0..PHI_STEPS)
            .map(|j| {
                let phi = (j as f64 + 0.5) / PHI_STEPS as f64;
                kinds.iter().map(|p| StatusTerm::of(p, base, phi)).collect()
            })
            .collect();
        // A term that does not use φ has one value per μ row, taken once.
        let shared: Vec<bool> = (0..kinds.len())
            .map(|k| terms.iter().all(|t| !t[k].uses_phi()))
            .collect();
        let cells: Vec<(f64, f64, f64)> = (0..MU_STEPS)
            .into_par_iter()
            .flat_map_iter(|i| {
                let mu =
                    mu0 - 5.0 * PRIOR_TAU + 10.0 * PRIOR_TAU * i as f64 / (MU_STEPS - 1) as f64;
                let prior = -0.5 * ((mu - mu0) / PRIOR_TAU).powi(2);
                let log_probability =
                    move |t: &StatusTerm| t.probability(mu, PRIOR_SIGMA).max(1e-300).ln();
                let row: Vec<f64> = terms[0]
                    .iter()
                    .zip(&shared)
                    .map(|(t, &shared)| if shared { log_probability(t) } else { 0.0 })
                    .collect();
                let (shared, kind_of) = (&shared, &kind_of);
                terms.iter().enumerate().map(move |(j, terms)| {
                    let phi = (j as f64 + 0.5) / PHI_STEPS as f64;
                    let of_kind: Vec<f64> = terms
                        .iter()
                        .zip(shared.iter().zip(&row))
                        .map(|(t, (&shared, &row))| if shared { row } else { log_probability(t) })
                        .collect();
                    let log_like: f64 = kind_of.iter().map(|&k| of_kind[k]).sum();
                    (mu, phi, prior + log_like)
                })
            })
            .collect();
        let top = cells.iter().map(|c| c.2).fold(f64::NEG_INFINITY, f64::max);
        let total: f64 = cells.iter().map(|c| (c.2 - top).exp()).sum();
        let mut cumulative = 0.0;
        let mut phi_mean = 0.0;
        let grid: Vec<(f64, f64, f64)> = cells
            .iter()
            .map(|&(mu, phi, lw)| {
                let w = (lw - top).exp() / total;
                cumulative += w;
                phi_mean += w * phi;
                (mu, phi, cumulative)
            })
            .collect();
        let posterior_at = |q: f64| {
            let k = grid.partition_point(|c| c.2 < q).min(grid.len() - 1);
            grid[k].0.exp()
        };
        let prior_at = |q: f64| (mu0 + PRIOR_TAU * normal_quantile(q)).exp();
        let mut durations: Vec<f64> = projects.iter().map(|p| p.duration).collect();
        durations.sort_by(f64::total_cmp);
        Pipeline {
            pace,
            model,
            base,
            base_year,
            years,
            areas,
            evidence,
            prior: Interval {
                p05: prior_at(0.05),
                p50: prior_at(0.5),
                p95: prior_at(0.95),
            },
            posterior: Interval {
                p05: posterior_at(0.05),
                p50: posterior_at(0.5),
                p95: posterior_at(0.95),
            },
            phi_mean,
            typical_duration: durations.get(durations.len() / 2).copied().unwrap_or(0.0),
            grid,
            exponential: Exponential {
                completion_mean: fit_mean(
                    &projects
                        .iter()
                        .map(|p| base - p.completion)
                        .collect::<Vec<_>>(),
                    evidence.completed,
                ),
                start_mean: fit_mean(
                    &projects.iter().map(|p| base - p.start).collect::<Vec<_>>(),
                    evidence.started,
                ),
            },
        }
    }

    /// Opening year index of a completion at fractional month index `c`: a building complete
    /// before 1 September serves the school year that starts then (one complete in August 2020
    /// serves 2020/21, one complete in September 2020 serves 2021/22); never before the year
    /// after the base year (which is observed); `u16::MAX` after the horizon.
    pub fn open_t(&self, completion: f64) -> u16 {
        // The month the completion falls in decides, as for a recorded date (clamped to years a
        // `u16` holds: a sampled delay can reach far past any horizon).
        // (Truncation is the floor of the clamped, non-negative value, without a call to `floor`.)
        let month = completion.clamp(0.0, 12.0 * 60_000.0) as u32;
        // [`YearMonth::first_school_year`] of month index 12·y + r (r = 0 for January): y,
        // or y + 1 from September (r ≥ 8); a test holds them equal.
        let year = (month + 4) / 12;
        let t = year.saturating_sub(u32::from(self.base_year.0)).max(1);
        if t >= self.years as u32 {
            u16::MAX
        } else {
            t as u16
        }
    }

    /// The year a project opens on its planned date (completed projects: the next school year).
    pub fn planned_t(&self, p: &Schedule) -> u16 {
        self.open_t(p.completion)
    }

    /// What the draws' sampling of `projects` can compute once: for each φ of the grid, each
    /// project's known delay ratio ([`Pipeline::known_delay`]) and its logarithm.
    pub fn known_delays(&self, projects: &[Schedule]) -> KnownDelays {
        let floors = (0..PHI_STEPS)
            .flat_map(|j| {
                let phi = self.grid[j].1;
                projects.iter().map(move |p| {
                    let floor = self.known_delay(p, phi);
                    (floor, if floor > 0.0 { floor.ln() } else { 0.0 })
                })
            })
            .collect();
        KnownDelays {
            projects: projects.len(),
            floors,
        }
    }

    /// Samples every project's opening year into `open_t` from the draw's stream `rng`;
    /// `known` is [`Pipeline::known_delays`] of the same `projects`; `work` is room for the
    /// passes over the projects (whatever it holds), kept from one draw to the next.
    #[inline(always)]
    pub fn sample(
        &self,
        projects: &[Schedule],
        known: &KnownDelays,
        rng: &mut impl Rng,
        open_t: &mut [u16],
        work: &mut Vec<f64>,
    ) {
        if let Pace::Plan = self.pace {
            for (p, o) in projects.iter().zip(open_t.iter_mut()) {
                *o = self.planned_t(p);
            }
            return;
        }
        let scale = match self.pace {
            Pace::Accelerated(k) => k,
            _ => 1.0,
        };
        match self.model {
            DelayModel::Exponential => {
                for (p, o) in projects.iter().zip(open_t.iter_mut()) {
                    let (e_start, e_done): (f64, f64) = (rng.sample(Exp1), rng.sample(Exp1));
                    *o = self.open_t(self.exponential_completion(p, scale, e_start, e_done));
                }
            }
            DelayModel::ReferenceClass => {
                let u: f64 = rng.random();
                let k = self
                    .grid
                    .partition_point(|c| c.2 < u)
                    .min(self.grid.len() - 1);
                let mu = self.grid[k].0;
                let floors = &known.floors[k % PHI_STEPS * known.projects..][..known.projects];
                let (sigma_area, sigma_own) = sigmas();
                // The areas' factors, on the stack for any city's count of areas.
                let mut on_stack = [0.0f64; 64];
                let mut on_heap = Vec::new();
                let area_z: &mut [f64] = if self.areas <= on_stack.len() {
                    &mut on_stack[..self.areas]
                } else {
                    on_heap.resize(self.areas, 0.0);
                    &mut on_heap
                };
                for z in area_z.iter_mut() {
                    *z = rng.sample(StandardNormal);
                }
                // In passes over the projects, each as vector instructions where it can be:
                // the stream's uniforms (in the projects' order), then each project's lowest
                // quantile (what the base date already rules out), its normal and its ratio.
                let n = projects.len();
                work.resize(4 * n, 0.0);
                let (u, rest) = work.split_at_mut(n);
                let (location, rest) = rest.split_at_mut(n);
                let (q, z) = rest.split_at_mut(n);
                for u in u.iter_mut() {
                    *u = rng.random();
                }
                for (((p, l), q), &(_, log_floor)) in projects
                    .iter()
                    .zip(location.iter_mut())
                    .zip(q.iter_mut())
                    .zip(floors)
                {
                    *l = mu + sigma_area * area_z[p.area];
                    *q = (log_floor - *l) / sigma_own;
                }
                by_fours!(q, normal_cdf_lanes);
                for ((q, &(floor, _)), &u) in q.iter_mut().zip(floors).zip(u.iter()) {
                    // The project's own variate, conditioned on what the base date says.
                    let lowest = if floor > 0.0 { *q } else { 0.0 };
                    *q = (lowest + u * (1.0 - lowest)).clamp(1e-12, 1.0 - 1e-12);
                }
                normal_quantiles(q, z);
                for (z, &l) in z.iter_mut().zip(location.iter()) {
                    *z = l + sigma_own * *z;
                }
                by_fours!(z, exp_lanes);
                for (((p, o), &(floor, _)), &ratio) in projects
                    .iter()
                    .zip(open_t.iter_mut())
                    .zip(floors)
                    .zip(z.iter())
                {
                    if p.status == ProjectStatus::Completed {
                        *o = 1;
                        continue;
                    }
                    let ratio = ratio.max(floor);
                    // Faster: the delay still to come is scaled, not what has already happened.
                    let ratio = floor + scale * (ratio - floor);
                    *o = self.open_t(p.completion + ratio * p.duration);
                }
            }
        }
    }

    /// The delay ratio the base date already implies: a project under construction past its
    /// planned completion is at least that late; one not started past its planned start (or
    /// completion) at least as late as its start allows.
    fn known_delay(&self, p: &Schedule, phi: f64) -> f64 {
        let overdue = (self.base - p.completion) / p.duration;
        match p.status {
            ProjectStatus::Completed => 0.0,
            ProjectStatus::UnderConstruction => overdue.max(0.0),
            ProjectStatus::NotStarted => {
                let start_overdue = (self.base - p.start) / (phi * p.duration);
                overdue.max(start_overdue).max(0.0)
            }
        }
    }

    fn exponential_completion(&self, p: &Schedule, scale: f64, e_start: f64, e_done: f64) -> f64 {
        let slip = e_done * self.exponential.completion_mean * scale;
        match p.status {
            ProjectStatus::Completed => p.completion.min(self.base - 1.0),
            ProjectStatus::UnderConstruction => p.completion.max(self.base) + slip,
            ProjectStatus::NotStarted => {
                let start = p.start.max(self.base) + e_start * self.exponential.start_mean * scale;
                start + p.duration + slip
            }
        }
    }

    /// P(project open by year index `t`) for every `t` of the run, over the posterior (or the
    /// exponential delays).
    pub fn p_open(&self, p: &Schedule) -> Vec<f64> {
        let mut out = vec![0.0; self.years];
        if p.status == ProjectStatus::Completed {
            out[1..].fill(1.0);
            return out;
        }
        let scale = match self.pace {
            Pace::Plan => {
                let planned = usize::from(self.planned_t(p));
                for (t, x) in out.iter_mut().enumerate() {
                    *x = f64::from(u8::from(planned <= t));
                }
                return out;
            }
            Pace::Accelerated(k) => k,
            Pace::CurrentPace => 1.0,
        };
        if let DelayModel::Exponential = self.model {
            for (t, x) in out.iter_mut().enumerate().skip(1) {
                *x = self.exponential_p_open_by(p, t, scale);
            }
            return out;
        }
        // What depends on φ alone, once per φ: the known delay's and each year's needed delay's
        // logarithms (the same values the grid's cells would compute each time).
        let per_phi: Vec<(f64, Vec<Option<f64>>)> = (0..PHI_STEPS)
            .map(|j| {
                let phi = self.grid[j].1;
                let floor = self.known_delay(p, phi);
                let needed = (0..self.years)
                    .map(|t| {
                        // Open in school year Y iff complete before month index 12·Y + 8.
                        let deadline = 12.0 * f64::from(self.base_year.0 + t as u16) + 8.0;
                        let needed =
                            floor + ((deadline - p.completion) / p.duration - floor) / scale;
                        if needed <= floor {
                            None
                        } else {
                            Some(log_ratio(needed))
                        }
                    })
                    .collect();
                (log_ratio(floor), needed)
            })
            .collect();
        // A project whose known delay does not depend on φ (every one but those not started past
        // their planned start) has the same terms in every cell of a μ row: computed once per row.
        let same_for_every_phi = per_phi.iter().all(|x| *x == per_phi[0]);
        let mut terms: Vec<Option<f64>> = vec![None; self.years];
        let mut terms_of: Option<(u64, usize)> = None;
        let mut previous = 0.0;
        for (k, &(mu, _, cumulative)) in self.grid.iter().enumerate() {
            let w = cumulative - previous;
            previous = cumulative;
            // Cells the evidence rules out carry no weight worth the logarithms.
            if w < 1e-12 {
                continue;
            }
            let j = if same_for_every_phi { 0 } else { k % PHI_STEPS };
            if terms_of != Some((mu.to_bits(), j)) {
                terms_of = Some((mu.to_bits(), j));
                let (log_floor, needed) = &per_phi[j];
                let below = ratio_cdf_of_log(*log_floor, mu, PRIOR_SIGMA);
                for (term, needed) in terms.iter_mut().zip(needed).skip(1) {
                    *term = needed.map(|log_needed| {
                        let within = ratio_cdf_of_log(log_needed, mu, PRIOR_SIGMA) - below;
                        if below < 1.0 {
                            within / (1.0 - below)
                        } else {
                            1.0
                        }
                    });
                }
            }
            for (x, term) in out.iter_mut().zip(&terms).skip(1) {
                if let Some(term) = term {
                    *x += w * term;
                }
            }
        }
        for x in &mut out {
            *x = x.clamp(0.0, 1.0);
        }
        out
    }

    /// P(project open by year index `t`) under the exponential delays scaled by `scale`, by a
    /// midpoint rule over the two exponential variates.
    fn exponential_p_open_by(&self, p: &Schedule, t: usize, scale: f64) -> f64 {
        const GRID: usize = 32;
        let quantile = |k: usize| -(1.0 - (k as f64 + 0.5) / GRID as f64).ln();
        let mut n = 0usize;
        for i in 0..GRID {
            for j in 0..GRID {
                let c = self.exponential_completion(p, scale, quantile(i), quantile(j));
                n += usize::from(usize::from(self.open_t(c)) <= t);
            }
        }
        n as f64 / (GRID * GRID) as f64
    }

    /// The central case's openings: the expected number of projects open by each year
    /// (rounded), taking them in order of their median completion.
    ///
    /// Taking every project at its median delay instead would be a knife-edge: when many
    /// projects are planned for the same month (August, to open in September), their medians
    /// fall on the same side of 1 September and the central case would open all or none of them,
    /// outside the band of the draws. The expected count follows the draws; under `plan` it is
    /// the plan itself.
    pub fn central(&self, projects: &[Schedule]) -> Vec<u16> {
        let mut open_by = vec![0usize; self.years];
        let mut median_year = Vec::with_capacity(projects.len());
        let mut by_year = vec![0.0f64; self.years];
        // Each project's probabilities on its own (in parallel), added up in project order.
        let (kinds, kind_of) = kinds_of(projects);
        let opens: Vec<Vec<f64>> = kinds.par_iter().map(|p| self.p_open(p)).collect();
        for (p, &kind) in projects.iter().zip(&kind_of) {
            let open = &opens[kind];
            let mut median = self.years;
            for (t, expected) in by_year.iter_mut().enumerate().skip(1) {
                let q = open[t];
                *expected += q;
                if median == self.years && q >= 0.5 {
                    median = t;
                }
            }
            median_year.push((median, p.completion));
        }
        for t in 1..self.years {
            open_by[t] = (by_year[t] + 1e-9).round() as usize;
        }
        let mut order: Vec<usize> = (0..projects.len()).collect();
        order.sort_by(|&a, &b| {
            let (ya, ca) = median_year[a];
            let (yb, cb) = median_year[b];
            ya.cmp(&yb).then(ca.total_cmp(&cb)).then(a.cmp(&b))
        });
        let mut open_t = vec![u16::MAX; projects.len()];
        for (rank, &k) in order.iter().enumerate() {
            if let Some(t) = (1..self.years).find(|&t| rank < open_by[t]) {
                open_t[k] = t as u16;
            }
        }
        open_t
    }

    /// The posterior's density of the median delay ratio e^μ on its grid: (ratio, probability).
    pub fn posterior_density(&self) -> Vec<(f64, f64)> {
        let mut out: Vec<(f64, f64)> = Vec::with_capacity(MU_STEPS);
        let mut previous = 0.0;
        for &(mu, _, cumulative) in &self.grid {
            let w = cumulative - previous;
            previous = cumulative;
            match out.last_mut() {
                Some(last) if last.0 == mu.exp() => last.1 += w,
                _ => out.push((mu.exp(), w)),
            }
        }
        out
    }

    /// The prior's probability of each ratio of [`Pipeline::posterior_density`]'s grid.
    pub fn prior_density(&self) -> Vec<(f64, f64)> {
        let mu0 = PRIOR_MEDIAN.ln();
        let points = self.posterior_density();
        let weights: Vec<f64> = points
            .iter()
            .map(|(r, _)| (-0.5 * ((r.ln() - mu0) / PRIOR_TAU).powi(2)).exp())
            .collect();
        let total: f64 = weights.iter().sum();
        points
            .iter()
            .zip(weights)
            .map(|((r, _), w)| (*r, w / total))
            .collect()
    }
}

/// Log-sds of the area factor and of each project's own variation.
fn sigmas() -> (f64, f64) {
    (
        PRIOR_SIGMA * AREA_SHARE.sqrt(),
        PRIOR_SIGMA * (1.0 - AREA_SHARE).sqrt(),
    )
}

/// A project's status at the base date as a term of the likelihood, for one φ: the delay
/// ratios by which it would have completed and started, and their logarithms (taken once, not
/// once per μ).
#[derive(Debug, Clone, Copy)]
struct StatusTerm {
    status: ProjectStatus,
    completed_by: f64,
    started_by: f64,
    log_completed_by: f64,
    log_started_by: f64,
}

impl StatusTerm {
    fn of(p: &Schedule, base: f64, phi: f64) -> StatusTerm {
        let completed_by = (base - p.completion) / p.duration;
        let started_by = (base - p.start) / (phi * p.duration);
        StatusTerm {
            status: p.status,
            completed_by,
            started_by,
            log_completed_by: log_ratio(completed_by),
            log_started_by: log_ratio(started_by),
        }
    }

    /// Whether the probability depends on φ (through the start).
    fn uses_phi(&self) -> bool {
        match self.status {
            ProjectStatus::Completed => false,
            // Not when the start was not yet due (whatever φ, the ratio is ≤ 0); a NaN uses it.
            ProjectStatus::UnderConstruction | ProjectStatus::NotStarted => !matches!(
                self.started_by.partial_cmp(&0.0),
                Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)
            ),
        }
    }

    /// Probability of the status given (μ, σ).
    fn probability(&self, mu: f64, sigma: f64) -> f64 {
        let completed = || ratio_cdf_of_log(self.log_completed_by, mu, sigma);
        let started = || ratio_cdf_of_log(self.log_started_by, mu, sigma);
        match self.status {
            // A delay ratio cannot be negative: a project completed ahead of plan says nothing.
            ProjectStatus::Completed if self.completed_by <= 0.0 => 1.0,
            ProjectStatus::Completed => completed(),
            ProjectStatus::UnderConstruction if self.started_by <= 0.0 => 1.0 - completed(),
            ProjectStatus::UnderConstruction => started() - completed(),
            ProjectStatus::NotStarted if self.started_by <= 0.0 => 1.0,
            ProjectStatus::NotStarted => 1.0 - started(),
        }
    }
}

/// Fits the mean `mu` of an exponential delay so that Σ P(delay < m_i) = `observed`, where
/// `m_i` are the months between each planned date and the base date (≤ 0 = not yet due).
/// Returns 0 when even no delay at all cannot explain so many (the pipeline is on schedule).
fn fit_mean(months_overdue: &[f64], observed: usize) -> f64 {
    let expected = |mu: f64| -> f64 {
        months_overdue
            .iter()
            .filter(|&&m| m > 0.0)
            .map(|&m| 1.0 - (-m / mu).exp())
            .sum()
    };
    let observed = observed as f64;
    let due = months_overdue.iter().filter(|&&m| m > 0.0).count() as f64;
    if observed >= due {
        return 0.0;
    }
    // expected(mu) falls from `due` (mu → 0) to 0 (mu → ∞): bisect on log mu.
    let (mut lo, mut hi) = (1e-3f64.ln(), 1e4f64.ln());
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if expected(mid.exp()) > observed {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (0.5 * (lo + hi)).exp()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn schedule(status: ProjectStatus, start: f64, completion: f64) -> Schedule {
        Schedule {
            status,
            start,
            completion,
            duration: completion - start,
            area: 0,
        }
    }

    const BASE: YearMonth = YearMonth {
        year: 2019,
        month: 7,
    };

    fn fit(projects: &[Schedule], pace: Pace, model: DelayModel) -> Pipeline {
        Pipeline::fit(projects, pace, model, BASE, SchoolYear(2018), 8, 1)
    }

    #[test]
    fn the_exponential_fit_reproduces_the_observed_completions() {
        // 10 projects all 4 months overdue, 2 completed: 10·(1 − e^(−4/μ)) = 2 → μ = 4/ln(1.25).
        let base = f64::from(BASE.index());
        let mut ps: Vec<Schedule> = (0..10)
            .map(|_| schedule(ProjectStatus::UnderConstruction, base - 18.0, base - 4.0))
            .collect();
        ps[0].status = ProjectStatus::Completed;
        ps[1].status = ProjectStatus::Completed;
        let p = fit(&ps, Pace::CurrentPace, DelayModel::Exponential);
        let expected = 4.0 / 1.25f64.ln();
        assert!((p.exponential.completion_mean - expected).abs() < 1e-6);
        // Every planned start passed and all started: no start delay.
        assert_eq!(p.exponential.start_mean, 0.0);
    }

    /// More projects late at the base date, a later posterior; none late, an earlier one. The
    /// evidence moves the prior the right way, and the fewer projects due, the less.
    #[test]
    fn the_evidence_moves_the_posterior_the_right_way() {
        let base = f64::from(BASE.index());
        let many = |completed: usize| -> Vec<Schedule> {
            (0..40)
                .map(|i| {
                    let status = if i < completed {
                        ProjectStatus::Completed
                    } else {
                        ProjectStatus::UnderConstruction
                    };
                    schedule(status, base - 24.0, base - 4.0)
                })
                .collect()
        };
        let late = fit(&many(4), Pace::CurrentPace, DelayModel::ReferenceClass);
        let early = fit(&many(36), Pace::CurrentPace, DelayModel::ReferenceClass);
        assert!(late.posterior.p50 > late.prior.p50, "{:?}", late.posterior);
        assert!(early.posterior.p50 < late.posterior.p50);
        // 4 of 40 projects 20 % of their duration overdue had completed: the median delay is
        // about where a lognormal puts 10 % below 0.2.
        let implied = (0.2f64.ln() - PRIOR_SIGMA * normal_quantile(0.1)).exp();
        assert!(
            late.posterior.p05 < implied && implied < late.posterior.p95,
            "{implied} outside {:?}",
            late.posterior
        );
        // Evidence narrows the interval.
        let width = |i: Interval| i.p95.ln() - i.p05.ln();
        assert!(width(late.posterior) < width(late.prior));
    }

    /// The central case's expected counts match the draws' average counts, and under plan every
    /// project opens on its planned date.
    #[test]
    fn central_counts_follow_the_draws() {
        let base = f64::from(BASE.index());
        let ps: Vec<Schedule> = (0..30)
            .map(|i| {
                let status = match i % 3 {
                    0 => ProjectStatus::UnderConstruction,
                    1 => ProjectStatus::NotStarted,
                    _ => ProjectStatus::Completed,
                };
                let start = base - 10.0 + f64::from(i);
                let done = if status == ProjectStatus::Completed {
                    base - 2.0
                } else {
                    start + 14.0
                };
                schedule(status, start, done)
            })
            .collect();
        let p = fit(&ps, Pace::CurrentPace, DelayModel::ReferenceClass);
        let central = p.central(&ps);
        let known = p.known_delays(&ps);
        let draws = 2000;
        let mut open_by = [0usize; 8];
        let mut open = vec![0u16; ps.len()];
        for d in 0..draws {
            let mut rng = ChaCha8Rng::seed_from_u64(5);
            rng.set_stream(d);
            p.sample(&ps, &known, &mut rng, &mut open, &mut Vec::new());
            for (t, n) in open_by.iter_mut().enumerate().skip(1) {
                *n += open.iter().filter(|&&o| usize::from(o) <= t).count();
            }
        }
        for (t, &n) in open_by.iter().enumerate().skip(1) {
            let mean = n as f64 / draws as f64;
            let c = central.iter().filter(|&&o| usize::from(o) <= t).count() as f64;
            assert!(
                (mean - c).abs() <= 1.0,
                "year {t}: draws {mean}, central {c}"
            );
        }
        // Completed projects open the next school year in every draw.
        assert_eq!(open[2], 1);
        let plan = fit(&ps, Pace::Plan, DelayModel::ReferenceClass);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        plan.sample(
            &ps,
            &plan.known_delays(&ps),
            &mut rng,
            &mut open,
            &mut Vec::new(),
        );
        for (q, o) in ps.iter().zip(&open) {
            assert_eq!(*o, plan.planned_t(q));
        }
    }

    /// The logarithm taken once gives the CDF of the ratio bit for bit, at the edges too.
    #[test]
    fn the_cdf_from_a_shared_logarithm_is_the_same() {
        for x in [
            -1.0,
            0.0,
            1e-310,
            1e-9,
            0.07,
            0.5,
            1.0,
            3.7,
            1e300,
            f64::INFINITY,
            f64::NAN,
        ] {
            for mu in [-3.0, PRIOR_MEDIAN.ln(), 0.4] {
                let (a, b) = (
                    ratio_cdf(x, mu, PRIOR_SIGMA),
                    ratio_cdf_of_log(log_ratio(x), mu, PRIOR_SIGMA),
                );
                assert_eq!(a.to_bits(), b.to_bits(), "x {x}, mu {mu}");
            }
        }
    }

    /// 1 September is the deadline: complete in August, open that September; in September,
    /// a year later.
    #[test]
    fn a_building_serves_the_school_year_it_is_ready_for() {
        let p = fit(&[], Pace::Plan, DelayModel::ReferenceClass);
        let month = |y: u16, m: u8| f64::from(YearMonth { year: y, month: m }.index());
        assert_eq!(p.open_t(month(2019, 8)), 1);
        assert_eq!(p.open_t(month(2019, 8) + 0.99), 1);
        assert_eq!(p.open_t(month(2019, 9)), 2);
        assert_eq!(
            p.open_t(month(2018, 3)),
            1,
            "never before the year after the base"
        );
        assert_eq!(p.open_t(month(2030, 1)), u16::MAX, "after the horizon");
        // A delay drawn from a long tail reaches past the years a `u16` holds: still after the
        // horizon, never wrapped round into it.
        for far in [month(2030, 1) * 1e3, 1e12, f64::INFINITY] {
            assert_eq!(p.open_t(far), u16::MAX, "{far}");
        }
        // Every month index a completion can fall in: the school year `YearMonth` names.
        for index in 0..=12 * 60_000 {
            let year = YearMonth::from_index(index).first_school_year();
            let t = (i64::from(year.0) - i64::from(p.base_year.0)).max(1);
            let want = if t >= p.years as i64 {
                u16::MAX
            } else {
                t as u16
            };
            for c in [f64::from(index), f64::from(index) + 0.5] {
                assert_eq!(p.open_t(c), want, "month index {c}");
            }
        }
        assert_eq!(p.open_t(-5.0), 1);
        assert_eq!(p.open_t(f64::NEG_INFINITY), 1);
    }
}
