//! Step 7's samplers: three-point estimates (triangular or PERT) through a Gaussian copula with
//! a city-wide common factor, and the normal distribution functions they need.
//!
//! Values are drawn as quantiles: `u = Φ(√ρ·z_city + √(1−ρ)·z_area)`, then the three-point
//! distribution's inverse CDF at `u`. So ρ = 1 moves every area to the same quantile, ρ = 0
//! makes areas independent, and the central case is simply the mode.

use std::sync::Arc;

use crate::model::ThreePoint;

/// Shape parameter λ of the Beta-PERT distribution (the conventional 4).
pub const PERT_LAMBDA: f64 = 4.0;

/// Standard normal CDF Φ(x), by the complementary error function (W. J. Cody's rational
/// approximation as in Numerical Recipes' `erfcc`, relative error < 1.2e-7).
pub fn normal_cdf(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let erfc = t * poly.exp();
    if x >= 0.0 {
        1.0 - 0.5 * erfc
    } else {
        0.5 * erfc
    }
}

/// Standard normal quantile Φ⁻¹(p) for 0 < p < 1 (P. J. Acklam's rational approximation,
/// relative error < 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const LOW: f64 = 0.024_25;
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p <= 0.0 {
        f64::NEG_INFINITY
    } else if p >= 1.0 {
        f64::INFINITY
    } else if p < LOW {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - LOW {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// A sampler of one three-point estimate: its inverse CDF.
#[derive(Debug, Clone, PartialEq)]
pub enum Quantile {
    /// Degenerate: low = central = high.
    Fixed(f64),
    Triangular(ThreePoint),
    /// Beta-PERT, tabulated: `table[i]` = quantile at `i / (len − 1)`, linear in between.
    /// Shared by the samplers of one three-point estimate (areas, drivers): one table per
    /// distinct estimate in memory, so a draw's lookups have fewer lines to find in the cache.
    Pert {
        table: Arc<[f64]>,
    },
}

impl Quantile {
    pub fn triangular(tp: ThreePoint) -> Quantile {
        if tp.high <= tp.low {
            Quantile::Fixed(tp.central)
        } else {
            Quantile::Triangular(tp)
        }
    }

    /// Tabulates the Beta-PERT inverse CDF over `low..high` with mode `central`.
    pub fn pert(tp: ThreePoint) -> Quantile {
        if tp.high <= tp.low {
            return Quantile::Fixed(tp.central);
        }
        const CELLS: usize = 4096;
        const POINTS: usize = 513;
        let range = tp.high - tp.low;
        let alpha = 1.0 + PERT_LAMBDA * (tp.central - tp.low) / range;
        let beta = 1.0 + PERT_LAMBDA * (tp.high - tp.central) / range;
        // CDF on a fine grid by the trapezoid rule on the (unnormalised) density.
        let density = |x: f64| x.powf(alpha - 1.0) * (1.0 - x).powf(beta - 1.0);
        let mut cdf = vec![0.0; CELLS + 1];
        let h = 1.0 / CELLS as f64;
        // Each grid point's density once: the end of one cell is the start of the next.
        let mut left = density(0.0);
        for i in 1..=CELLS {
            let right = density(i as f64 * h);
            cdf[i] = cdf[i - 1] + 0.5 * h * (left + right);
            left = right;
        }
        let total = cdf[CELLS];
        let mut table = Vec::with_capacity(POINTS);
        let mut cell = 0;
        for k in 0..POINTS {
            let target = total * k as f64 / (POINTS - 1) as f64;
            while cell < CELLS && cdf[cell + 1] < target {
                cell += 1;
            }
            let x = if cell >= CELLS {
                1.0
            } else {
                let span = cdf[cell + 1] - cdf[cell];
                let frac = if span > 0.0 {
                    (target - cdf[cell]) / span
                } else {
                    0.0
                };
                (cell as f64 + frac.clamp(0.0, 1.0)) * h
            };
            table.push(tp.low + range * x);
        }
        Quantile::Pert {
            table: table.into(),
        }
    }

    /// The value at quantile `u` ∈ [0, 1].
    pub fn at(&self, u: f64) -> f64 {
        match self {
            Quantile::Fixed(v) => *v,
            Quantile::Triangular(tp) => {
                let (a, c, b) = (tp.low, tp.central, tp.high);
                let fc = (c - a) / (b - a);
                if u < fc {
                    a + (u * (b - a) * (c - a)).sqrt()
                } else {
                    b - ((1.0 - u) * (b - a) * (b - c)).sqrt()
                }
            }
            Quantile::Pert { table } => {
                let pos = u.clamp(0.0, 1.0) * (table.len() - 1) as f64;
                let i = (pos as usize).min(table.len() - 2);
                let frac = pos - i as f64;
                table[i] + (table[i + 1] - table[i]) * frac
            }
        }
    }
}

/// Mixes a city-wide and an area standard normal into a uniform quantile with correlation ρ:
/// `Φ(√ρ·z_city + √(1−ρ)·z_area)`, the square roots taken once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Copula {
    city: f64,
    own: f64,
}

impl Copula {
    pub fn new(rho: f64) -> Copula {
        Copula {
            city: rho.sqrt(),
            own: (1.0 - rho).sqrt(),
        }
    }

    #[inline]
    pub fn at(self, z_city: f64, z_area: f64) -> f64 {
        normal_cdf(self.city * z_city + self.own * z_area)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    const TP: ThreePoint = ThreePoint {
        low: 2.0,
        central: 3.0,
        high: 10.0,
    };

    /// Sample mean and its standard error from `n` draws of `q` at uniform quantiles.
    fn sample_mean(q: &Quantile, n: usize) -> (f64, f64) {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let xs: Vec<f64> = (0..n).map(|_| q.at(rng.random::<f64>())).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        (mean, (var / n as f64).sqrt())
    }

    #[test]
    fn triangular_sample_mean_within_four_standard_errors() {
        let (mean, se) = sample_mean(&Quantile::triangular(TP), 100_000);
        let truth = (TP.low + TP.central + TP.high) / 3.0;
        assert!(
            (mean - truth).abs() < 4.0 * se,
            "mean {mean} vs {truth} (se {se})"
        );
    }

    #[test]
    fn pert_sample_mean_within_four_standard_errors() {
        let (mean, se) = sample_mean(&Quantile::pert(TP), 100_000);
        let truth = (TP.low + PERT_LAMBDA * TP.central + TP.high) / (PERT_LAMBDA + 2.0);
        assert!(
            (mean - truth).abs() < 4.0 * se,
            "mean {mean} vs {truth} (se {se})"
        );
    }

    #[test]
    fn pert_table_spans_the_range_and_is_monotone() {
        let Quantile::Pert { table } = Quantile::pert(TP) else {
            panic!("not tabulated")
        };
        assert_eq!(table[0], TP.low);
        assert!((table[table.len() - 1] - TP.high).abs() < 1e-9);
        assert!(table.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn normal_quantile_inverts_the_cdf() {
        for p in [1e-6, 0.01, 0.024, 0.1, 0.5, 0.8, 0.976, 0.999] {
            let x = normal_quantile(p);
            assert!((normal_cdf(x) - p).abs() < 1e-6 * p.max(1e-3), "{p}: {x}");
        }
        assert!((normal_quantile(0.975) - 1.959_964).abs() < 1e-6);
    }

    #[test]
    fn normal_cdf_matches_known_values() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.959_963_985) - 0.975).abs() < 1e-6);
        assert!((normal_cdf(-1.0) - 0.158_655_254).abs() < 1e-6);
    }

    #[test]
    fn full_correlation_puts_areas_at_one_quantile() {
        assert_eq!(Copula::new(1.0).at(0.7, -2.0), normal_cdf(0.7));
        assert_eq!(Copula::new(0.0).at(0.7, -2.0), normal_cdf(-2.0));
    }
}
