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
#[inline(always)]
pub fn normal_cdf(x: f64) -> f64 {
    normal_cdf_lanes([x])[0]
}

/// [`normal_cdf`] of `N` values at once: each step a loop over the lanes, which the compiler
/// turns into vector instructions (the same operations, so the same bits, as one at a time).
#[inline(always)]
pub fn normal_cdf_lanes<const N: usize>(x: [f64; N]) -> [f64; N] {
    let (mut t, mut poly) = ([0.0; N], [0.0; N]);
    for l in 0..N {
        let z = x[l].abs() / std::f64::consts::SQRT_2;
        t[l] = 1.0 / (1.0 + 0.5 * z);
        let t = t[l];
        poly[l] = -z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    }
    let e = exp_lanes(poly);
    let mut out = [0.0; N];
    for l in 0..N {
        let erfc = t[l] * e[l];
        out[l] = if x[l] >= 0.0 {
            1.0 - 0.5 * erfc
        } else {
            0.5 * erfc
        };
    }
    out
}

/// e^x of `N` values at once, each within about half an ulp and a hundredth: e^x =
/// 2^(k/64) · e^r with |r| ≤ ln 2 / 128, the power of two from a table kept to twice the
/// precision, e^r by its Taylor series, added in one last rounding; the power 2^⌊k/64⌋ applied
/// in two steps, so that results near the bottom of the range round once, as subnormals. The
/// same bits on every machine, unlike the C library's `exp`, whose last bit depends on its
/// version and the CPU's features (this one differs from it in the last bit for about one
/// argument in five hundred; a test counts).
///
/// Without a branch: each step is a loop over the lanes, which the compiler turns into vector
/// instructions.
#[inline(always)]
pub fn exp_lanes<const N: usize>(x: [f64; N]) -> [f64; N] {
    // ln 2 / 64 in two parts: the first has 21 trailing zero bits, so k · LN2_HI is exact for
    // the |k| < 2^18 the clamp allows.
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000) / 64.0;
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76) / 64.0;
    // 1.5 · 2^52: adding it rounds to a whole number (to even), held in the low bits.
    const SHIFT: f64 = 6_755_399_441_055_744.0;
    let (mut r, mut j, mut two) = ([0.0; N], [0usize; N], [0i64; N]);
    for l in 0..N {
        // Past ±1400 the result is 0 or infinite either way; within it, each half of the
        // power of two is a normal number.
        let x = x[l].clamp(-1400.0, 1400.0);
        let shifted = x * (64.0 * std::f64::consts::LOG2_E) + SHIFT;
        let k = shifted - SHIFT;
        let k_int = shifted.to_bits() as i64 - SHIFT.to_bits() as i64;
        j[l] = (k_int & 63) as usize;
        two[l] = k_int >> 6;
        r[l] = (x - k * LN2_HI) - k * LN2_LO;
    }
    let (mut nearest, mut rest) = ([0.0; N], [0.0; N]);
    for l in 0..N {
        (nearest[l], rest[l]) = EXP2_64THS[j[l]];
    }
    let mut out = [0.0; N];
    for l in 0..N {
        let r = r[l];
        // e^r − 1, to r^6 / 6! (the next term is below 2^-64).
        let p = r + r
            * r
            * (1.0 / 2.0
                + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0)))));
        let e = nearest[l] + nearest[l] * (rest[l] + p);
        let two_to = |k: i64| f64::from_bits(((k + 1023) as u64) << 52);
        out[l] = e * two_to(two[l] >> 1) * two_to(two[l] - (two[l] >> 1));
    }
    out
}

/// Applies the function `$f` of four values to the slice `$xs` four at a time (the vector
/// width of `f64` with AVX2), the last four padded with the last value. A macro, not a
/// function taking a closure, so that `$f` is inlined into the caller's vector code.
macro_rules! by_fours {
    ($xs:expr, $f:expr) => {
        for chunk in $xs.chunks_mut(4) {
            let mut v = [chunk[chunk.len() - 1]; 4];
            v[..chunk.len()].copy_from_slice(chunk);
            let out: [f64; 4] = $f(v);
            chunk.copy_from_slice(&out[..chunk.len()]);
        }
    };
}
pub(crate) use by_fours;

/// 2^(j/64) for j < 64: the nearest f64, and the rest relative to it (computed to 80 digits
/// with Python's `decimal`: `v = Decimal(2) ** (Decimal(j) / 64)`, then `hi = float(v)` and
/// `float((v - Decimal(hi)) / Decimal(hi))`).
const EXP2_64THS: [(f64, f64); 64] = [
    (
        f64::from_bits(0x3ff0000000000000),
        f64::from_bits(0x0000000000000000),
    ),
    (
        f64::from_bits(0x3ff02c9a3e778061),
        f64::from_bits(0xbc7160139cd8dc5d),
    ),
    (
        f64::from_bits(0x3ff059b0d3158574),
        f64::from_bits(0x3c8cd2523567f613),
    ),
    (
        f64::from_bits(0x3ff0874518759bc8),
        f64::from_bits(0x3c60f74e61e6c861),
    ),
    (
        f64::from_bits(0x3ff0b5586cf9890f),
        f64::from_bits(0x3c979aa65d837b6d),
    ),
    (
        f64::from_bits(0x3ff0e3ec32d3d1a2),
        f64::from_bits(0x3c3ebe3d702f9cd1),
    ),
    (
        f64::from_bits(0x3ff11301d0125b51),
        f64::from_bits(0xbc9556522a2fbd0e),
    ),
    (
        f64::from_bits(0x3ff1429aaea92de0),
        f64::from_bits(0xbc91c923b9d5f416),
    ),
    (
        f64::from_bits(0x3ff172b83c7d517b),
        f64::from_bits(0xbc801b15eaa59348),
    ),
    (
        f64::from_bits(0x3ff1a35beb6fcb75),
        f64::from_bits(0x3c8b898c3f1353bf),
    ),
    (
        f64::from_bits(0x3ff1d4873168b9aa),
        f64::from_bits(0x3c9aecf73e3a2f60),
    ),
    (
        f64::from_bits(0x3ff2063b88628cd6),
        f64::from_bits(0x3c8a6f4144a6c38d),
    ),
    (
        f64::from_bits(0x3ff2387a6e756238),
        f64::from_bits(0x3c968efde3a8a894),
    ),
    (
        f64::from_bits(0x3ff26b4565e27cdd),
        f64::from_bits(0x3c80472b981fe7f2),
    ),
    (
        f64::from_bits(0x3ff29e9df51fdee1),
        f64::from_bits(0x3c82f7e16d09ab31),
    ),
    (
        f64::from_bits(0x3ff2d285a6e4030b),
        f64::from_bits(0x3c8b3782720c0ab4),
    ),
    (
        f64::from_bits(0x3ff306fe0a31b715),
        f64::from_bits(0x3c834d754db0abb6),
    ),
    (
        f64::from_bits(0x3ff33c08b26416ff),
        f64::from_bits(0x3c8fdd395dd3f84a),
    ),
    (
        f64::from_bits(0x3ff371a7373aa9cb),
        f64::from_bits(0xbc924aedcc4b5068),
    ),
    (
        f64::from_bits(0x3ff3a7db34e59ff7),
        f64::from_bits(0xbc71d1e83e9436d2),
    ),
    (
        f64::from_bits(0x3ff3dea64c123422),
        f64::from_bits(0x3c859f48a72a4c6d),
    ),
    (
        f64::from_bits(0x3ff4160a21f72e2a),
        f64::from_bits(0xbc58a78f4817895b),
    ),
    (
        f64::from_bits(0x3ff44e086061892d),
        f64::from_bits(0x3c4363ed60c2ac11),
    ),
    (
        f64::from_bits(0x3ff486a2b5c13cd0),
        f64::from_bits(0x3c6ecce1daa10379),
    ),
    (
        f64::from_bits(0x3ff4bfdad5362a27),
        f64::from_bits(0x3c7690cebb7aafb0),
    ),
    (
        f64::from_bits(0x3ff4f9b2769d2ca7),
        f64::from_bits(0xbc8f94340071a38e),
    ),
    (
        f64::from_bits(0x3ff5342b569d4f82),
        f64::from_bits(0xbc78dec6bd0f385f),
    ),
    (
        f64::from_bits(0x3ff56f4736b527da),
        f64::from_bits(0x3c93350518fdd78e),
    ),
    (
        f64::from_bits(0x3ff5ab07dd485429),
        f64::from_bits(0x3c9063e1e21c5409),
    ),
    (
        f64::from_bits(0x3ff5e76f15ad2148),
        f64::from_bits(0x3c9432e62b64c035),
    ),
    (
        f64::from_bits(0x3ff6247eb03a5585),
        f64::from_bits(0xbc8c33c53bef4da8),
    ),
    (
        f64::from_bits(0x3ff6623882552225),
        f64::from_bits(0xbc93cedd78565858),
    ),
    (
        f64::from_bits(0x3ff6a09e667f3bcd),
        f64::from_bits(0xbc93b3efbf5e2228),
    ),
    (
        f64::from_bits(0x3ff6dfb23c651a2f),
        f64::from_bits(0xbc6367efb86da9ee),
    ),
    (
        f64::from_bits(0x3ff71f75e8ec5f74),
        f64::from_bits(0xbc781f647e5a3ecf),
    ),
    (
        f64::from_bits(0x3ff75feb564267c9),
        f64::from_bits(0xbc8619321e55e68a),
    ),
    (
        f64::from_bits(0x3ff7a11473eb0187),
        f64::from_bits(0xbc7b32dcb94da51d),
    ),
    (
        f64::from_bits(0x3ff7e2f336cf4e62),
        f64::from_bits(0x3c65ebe1abd66c55),
    ),
    (
        f64::from_bits(0x3ff82589994cce13),
        f64::from_bits(0xbc9369b6f13b3734),
    ),
    (
        f64::from_bits(0x3ff868d99b4492ed),
        f64::from_bits(0xbc94d450d872576e),
    ),
    (
        f64::from_bits(0x3ff8ace5422aa0db),
        f64::from_bits(0x3c8db72fc1f0eab4),
    ),
    (
        f64::from_bits(0x3ff8f1ae99157736),
        f64::from_bits(0x3c7bf68359f35f44),
    ),
    (
        f64::from_bits(0x3ff93737b0cdc5e5),
        f64::from_bits(0xbc5da9b88b6c1e29),
    ),
    (
        f64::from_bits(0x3ff97d829fde4e50),
        f64::from_bits(0xbc92434322f4f9aa),
    ),
    (
        f64::from_bits(0x3ff9c49182a3f090),
        f64::from_bits(0x3c71affc2b91ce27),
    ),
    (
        f64::from_bits(0x3ffa0c667b5de565),
        f64::from_bits(0xbc87c50422622263),
    ),
    (
        f64::from_bits(0x3ffa5503b23e255d),
        f64::from_bits(0xbc91bbd1d3bcbb15),
    ),
    (
        f64::from_bits(0x3ffa9e6b5579fdbf),
        f64::from_bits(0x3c8469846e735ab3),
    ),
    (
        f64::from_bits(0x3ffae89f995ad3ad),
        f64::from_bits(0x3c8c1a7792cb3387),
    ),
    (
        f64::from_bits(0x3ffb33a2b84f15fb),
        f64::from_bits(0xbc55c3d956dcaeba),
    ),
    (
        f64::from_bits(0x3ffb7f76f2fb5e47),
        f64::from_bits(0xbc68d6f438ad9334),
    ),
    (
        f64::from_bits(0x3ffbcc1e904bc1d2),
        f64::from_bits(0x3c74ffd70a5fddcd),
    ),
    (
        f64::from_bits(0x3ffc199bdd85529c),
        f64::from_bits(0x3c736eae30af0cb3),
    ),
    (
        f64::from_bits(0x3ffc67f12e57d14b),
        f64::from_bits(0x3c84e08fd10959ac),
    ),
    (
        f64::from_bits(0x3ffcb720dcef9069),
        f64::from_bits(0x3c676b2c6c921968),
    ),
    (
        f64::from_bits(0x3ffd072d4a07897c),
        f64::from_bits(0xbc8fad5d3ffffa6f),
    ),
    (
        f64::from_bits(0x3ffd5818dcfba487),
        f64::from_bits(0x3c74a385a63d07a7),
    ),
    (
        f64::from_bits(0x3ffda9e603db3285),
        f64::from_bits(0x3c8e5a50d5c192ac),
    ),
    (
        f64::from_bits(0x3ffdfc97337b9b5f),
        f64::from_bits(0xbc82d52107b43e1f),
    ),
    (
        f64::from_bits(0x3ffe502ee78b3ff6),
        f64::from_bits(0x3c74b604603a88d3),
    ),
    (
        f64::from_bits(0x3ffea4afa2a490da),
        f64::from_bits(0xbc8ff7128fd391f0),
    ),
    (
        f64::from_bits(0x3ffefa1bee615a27),
        f64::from_bits(0x3c8ec3bc41aa2008),
    ),
    (
        f64::from_bits(0x3fff50765b6e4540),
        f64::from_bits(0x3c8a64a931d185ee),
    ),
    (
        f64::from_bits(0x3fffa7c1819e90d8),
        f64::from_bits(0x3c77893b4d91cd9d),
    ),
];

/// Below this probability (and above 1 − it) [`normal_quantile`] takes its tail formula.
const TAIL: f64 = 0.024_25;

/// Standard normal quantile Φ⁻¹(p) for 0 < p < 1 (P. J. Acklam's rational approximation,
/// relative error < 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
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
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p <= 0.0 {
        f64::NEG_INFINITY
    } else if p >= 1.0 {
        f64::INFINITY
    } else if p < TAIL {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - TAIL {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        central_quantile(p)
    }
}

/// [`normal_quantile`] between the tails: a rational function, without a branch.
#[inline(always)]
fn central_quantile(p: f64) -> f64 {
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
    let q = p - 0.5;
    let r = q * q;
    (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
        / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
}

/// [`normal_quantile`] of each of `ps` into `zs`: every value by the central formula first, as
/// vector instructions, then the few in the tails one by one.
#[inline(always)]
pub fn normal_quantiles(ps: &[f64], zs: &mut [f64]) {
    zs.copy_from_slice(ps);
    by_fours!(zs, |p: [f64; 4]| p.map(central_quantile));
    for (z, &p) in zs.iter_mut().zip(ps) {
        if !(TAIL..=1.0 - TAIL).contains(&p) {
            *z = normal_quantile(p);
        }
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

/// Mixes a city-wide and an area standard normal with correlation ρ: `√ρ·z_city +
/// √(1−ρ)·z_area`, the square roots taken once; its [`normal_cdf`] is the sampler's quantile.
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

    /// The standard normal `√ρ·z_city + √(1−ρ)·z_area` whose [`normal_cdf`] is the quantile.
    #[inline]
    pub fn mix(self, z_city: f64, z_area: f64) -> f64 {
        self.city * z_city + self.own * z_area
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

    /// Within one ulp of the C library's `exp` (itself within about half an ulp of e^x) over
    /// the range the samplers use and beyond, with the limits at both ends.
    #[test]
    fn exp_is_within_an_ulp_of_the_c_library() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut same = 0;
        let n = 200_000;
        for i in 0..n {
            let x: f64 = match i % 3 {
                0 => rng.random_range(-1.0..1.0),
                1 => rng.random_range(-50.0..50.0),
                _ => rng.random_range(-745.0..709.0),
            };
            let (a, b) = (exp_lanes([x])[0], x.exp());
            let ulps = (a.to_bits() as i64 - b.to_bits() as i64).abs();
            assert!(ulps <= 1, "exp({x:e}) = {a:e}, the C library's {b:e}");
            same += usize::from(ulps == 0);
        }
        assert!(same as f64 > 0.995 * n as f64, "{same} of {n} the same");
        for (x, want) in [
            (0.0, 1.0),
            (1e-300, 1.0),
            (-1e-300, 1.0),
            (710.0, f64::INFINITY),
            (1e9, f64::INFINITY),
            (f64::INFINITY, f64::INFINITY),
            (-746.0, 0.0),
            (-1e9, 0.0),
            (f64::NEG_INFINITY, 0.0),
        ] {
            assert_eq!(exp_lanes([x])[0], want, "exp({x:e})");
        }
        // Subnormal results, rounded once.
        for x in [-709.0, -720.0, -740.0, -745.0] {
            let (a, b) = (exp_lanes([x])[0], x.exp());
            assert!(
                (a.to_bits() as i64 - b.to_bits() as i64).abs() <= 1,
                "exp({x}) = {a:e}, {b:e}"
            );
        }
        assert!(exp_lanes([f64::NAN])[0].is_nan());
    }

    #[test]
    fn normal_cdf_matches_known_values() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.959_963_985) - 0.975).abs() < 1e-6);
        assert!((normal_cdf(-1.0) - 0.158_655_254).abs() < 1e-6);
    }

    #[test]
    fn full_correlation_puts_areas_at_one_quantile() {
        assert_eq!(Copula::new(1.0).mix(0.7, -2.0), 0.7);
        assert_eq!(Copula::new(0.0).mix(0.7, -2.0), -2.0);
    }
}
