//! Step 7's samplers: three-point estimates (triangular or PERT) through a Gaussian copula with
//! a city-wide common factor, and the normal distribution functions they need.
//!
//! Values are drawn as quantiles: `u = Φ(√ρ·z_city + √(1−ρ)·z_area)`, then the three-point
//! distribution's inverse CDF at `u`. So ρ = 1 moves every area to the same quantile, ρ = 0
//! makes areas independent, and the central case is simply the mode.

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
    if x >= 0.0 { 1.0 - 0.5 * erfc } else { 0.5 * erfc }
}

/// A sampler of one three-point estimate: its inverse CDF.
#[derive(Debug, Clone, PartialEq)]
pub enum Quantile {
    /// Degenerate: low = central = high.
    Fixed(f64),
    Triangular(ThreePoint),
    /// Beta-PERT, tabulated: `table[i]` = quantile at `i / (len − 1)`, linear in between.
    Pert { table: Vec<f64> },
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
        for i in 1..=CELLS {
            let (a, b) = ((i - 1) as f64 * h, i as f64 * h);
            cdf[i] = cdf[i - 1] + 0.5 * h * (density(a) + density(b));
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
                let frac = if span > 0.0 { (target - cdf[cell]) / span } else { 0.0 };
                (cell as f64 + frac.clamp(0.0, 1.0)) * h
            };
            table.push(tp.low + range * x);
        }
        Quantile::Pert { table }
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

/// Mixes a city-wide and an area standard normal into a uniform quantile with correlation ρ.
#[inline]
pub fn copula(rho: f64, z_city: f64, z_area: f64) -> f64 {
    normal_cdf(rho.sqrt() * z_city + (1.0 - rho).sqrt() * z_area)
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
        assert!((mean - truth).abs() < 4.0 * se, "mean {mean} vs {truth} (se {se})");
    }

    #[test]
    fn pert_sample_mean_within_four_standard_errors() {
        let (mean, se) = sample_mean(&Quantile::pert(TP), 100_000);
        let truth = (TP.low + PERT_LAMBDA * TP.central + TP.high) / (PERT_LAMBDA + 2.0);
        assert!((mean - truth).abs() < 4.0 * se, "mean {mean} vs {truth} (se {se})");
    }

    #[test]
    fn pert_table_spans_the_range_and_is_monotone() {
        let Quantile::Pert { table } = Quantile::pert(TP) else { panic!("not tabulated") };
        assert_eq!(table[0], TP.low);
        assert!((table[table.len() - 1] - TP.high).abs() < 1e-9);
        assert!(table.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn normal_cdf_matches_known_values() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.959_963_985) - 0.975).abs() < 1e-6);
        assert!((normal_cdf(-1.0) - 0.158_655_254).abs() < 1e-6);
    }

    #[test]
    fn full_correlation_puts_areas_at_one_quantile() {
        assert_eq!(copula(1.0, 0.7, -2.0), normal_cdf(0.7));
        assert_eq!(copula(0.0, 0.7, -2.0), normal_cdf(-2.0));
    }
}
