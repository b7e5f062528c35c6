//! Class formation of a crowded school written in AVX2 instructions, for the kernel's copy
//! compiled for AVX2 ([`super::simulate`]'s dispatch).
//!
//! The portable [`form_classes_lanes`](crate::engine::classes::form_classes_lanes) in `f32` is
//! the definition; this is the same IEEE operations lane by lane, so it gives the same bits (a
//! property test holds it to the portable code on random schools, and the kernel's own test
//! compares whole batches). Written by hand because the compiler split the portable code's
//! selects over 8 lanes × up to 6 grades into scalar steps and branches, lane by lane: the
//! crowded schools were about 30 % of a run.

use std::arch::x86_64::{
    __m256, _CMP_GE_OQ, _CMP_GT_OQ, _mm256_add_epi32, _mm256_add_ps, _mm256_and_ps,
    _mm256_blendv_ps, _mm256_castps_si256, _mm256_castsi256_ps, _mm256_ceil_ps, _mm256_cmp_ps,
    _mm256_cmpeq_epi32, _mm256_cmpgt_epi32, _mm256_cvtps_epi32, _mm256_div_ps, _mm256_floor_ps,
    _mm256_loadu_ps, _mm256_max_ps, _mm256_min_ps, _mm256_movemask_ps, _mm256_mul_ps, _mm256_or_ps,
    _mm256_set1_epi32, _mm256_set1_ps, _mm256_setzero_ps, _mm256_setzero_si256, _mm256_storeu_ps,
    _mm256_sub_epi32, _mm256_sub_ps,
};

use super::{LANES, Schools, V};
use crate::engine::classes::{ClassRule, one_by_one};

#[inline]
#[target_feature(enable = "avx2")]
fn load(x: &V) -> __m256 {
    // SAFETY: `x` is 8 readable `f32`; the load has no alignment requirement.
    unsafe { _mm256_loadu_ps(x.as_ptr()) }
}

#[inline]
#[target_feature(enable = "avx2")]
fn store(x: __m256) -> V {
    let mut v = [0.0f32; LANES];
    // SAFETY: `v` is 8 writable `f32`; the store has no alignment requirement.
    unsafe { _mm256_storeu_ps(v.as_mut_ptr(), x) };
    v
}

/// The first pass of class formation over a group's schools, as [`super::survey`]'s portable
/// loop does it.
#[inline]
#[target_feature(enable = "avx2")]
pub(super) fn survey<const G: usize>(g: &Schools, acc: &mut [V; 5], crowded: &mut [u32]) -> usize {
    let zero = _mm256_setzero_ps();
    let (size, per_size) = (_mm256_set1_ps(g.size), _mm256_set1_ps(g.per_size));
    let [
        mut pupils_sum,
        mut places_sum,
        mut over_sum,
        mut classes_sum,
        mut village_sum,
    ] = acc.map(|a| load(&a));
    let mut listed = 0;
    for (j, ((&o, r), &v)) in g.offsets.iter().zip(g.rooms).zip(g.village).enumerate() {
        let (mut total, mut need) = (zero, zero);
        for p in &g.pupils[o..o + g.grades] {
            let p = load(p);
            total = _mm256_add_ps(total, p);
            need = _mm256_add_ps(need, _mm256_ceil_ps(_mm256_mul_ps(p, per_size)));
        }
        let r = load(r);
        let places = _mm256_mul_ps(r, size);
        pupils_sum = _mm256_add_ps(pupils_sum, total);
        places_sum = _mm256_add_ps(places_sum, places);
        over_sum = _mm256_add_ps(over_sum, _mm256_max_ps(_mm256_sub_ps(total, places), zero));
        village_sum = _mm256_add_ps(village_sum, _mm256_mul_ps(total, _mm256_set1_ps(v)));
        let short = _mm256_movemask_ps(_mm256_cmp_ps::<_CMP_GT_OQ>(need, r)) != 0;
        let alone = g.every | short;
        // The common case: every grade has the classes it needs, none oversized.
        let common = _mm256_castsi256_ps(_mm256_set1_epi32(if alone { 0 } else { -1 }));
        classes_sum = _mm256_add_ps(classes_sum, _mm256_and_ps(need, common));
        crowded[listed] = (g.first + j) as u32;
        listed += usize::from(alone);
    }
    *acc = [pupils_sum, places_sum, over_sum, classes_sum, village_sum].map(|x| store(x));
    listed
}

/// The classes of one crowded school in every draw of the batch, in `f32`, as
/// `form_classes_lanes` forms them: `pupils` per grade (the school's cells), `class` the classes
/// each grade needs, `need` their sum, `rooms` its classrooms, each whole and at most
/// [`F32_EXACT`](crate::engine::classes::F32_EXACT), as are the rule's thresholds. Adds the
/// school's classes, oversized and super-oversized classes to `sums`.
#[inline]
#[target_feature(enable = "avx2")]
pub(super) fn crowded<const G: usize>(
    grades: usize,
    pupils: &[V],
    class: &[V; G],
    need: V,
    rooms: V,
    rule: ClassRule,
    sums: &mut [V; 3],
) {
    let zero = _mm256_setzero_ps();
    let one = _mm256_set1_ps(1.0);
    let (total, classrooms) = (load(&need), load(&rooms));
    let mut formed = [zero; G];
    for (f, c) in formed.iter_mut().zip(class).take(grades) {
        *f = load(c);
    }
    let short = _mm256_cmp_ps::<_CMP_GT_OQ>(total, classrooms);
    if _mm256_movemask_ps(short) != 0 {
        dhondt::<G>(grades, &mut formed, total, classrooms, short);
    }
    // A grade with pupils has at least one class; pupils are split as evenly as possible.
    let (mut classes, mut over, mut super_over) = (load(&sums[0]), load(&sums[1]), load(&sums[2]));
    let below = |threshold: u32| _mm256_set1_ps(threshold.saturating_sub(1) as f32);
    let (below_over, below_super) = (below(rule.oversized), below(rule.super_oversized));
    for (f, p) in formed.iter().zip(pupils).take(grades) {
        let p = load(p);
        let has_pupils = _mm256_cmp_ps::<_CMP_GT_OQ>(p, zero);
        let c = _mm256_and_ps(_mm256_max_ps(*f, one), has_pupils);
        classes = _mm256_add_ps(classes, c);
        // min(max(p − below·c, 0), c): classes at or above the threshold.
        let at_least = |below: __m256| {
            let above = _mm256_sub_ps(p, _mm256_mul_ps(below, c));
            _mm256_min_ps(_mm256_max_ps(above, zero), c)
        };
        over = _mm256_add_ps(over, at_least(below_over));
        super_over = _mm256_add_ps(super_over, at_least(below_super));
    }
    *sums = [store(classes), store(over), store(super_over)];
}

/// D'Hondt in the lanes where `short` is set, as `allot_dhondt` gives it: `formed` holds each
/// grade's classes needed and becomes its classrooms in those lanes.
#[inline]
#[target_feature(enable = "avx2")]
fn dhondt<const G: usize>(
    grades: usize,
    formed: &mut [__m256; G],
    total: __m256,
    classrooms: __m256,
    short: __m256,
) {
    let zero = _mm256_setzero_ps();
    let one = _mm256_set1_ps(1.0);
    // Lower quotas ⌊need·classrooms/total⌋; a lane not short divides by at least 1 (its
    // results are not used).
    let divisor = _mm256_max_ps(total, one);
    let votes = *formed;
    let (mut quota, mut div) = ([zero; G], [zero; G]);
    let mut given = zero;
    for k in 0..grades {
        quota[k] = _mm256_floor_ps(_mm256_div_ps(_mm256_mul_ps(votes[k], classrooms), divisor));
        given = _mm256_add_ps(given, quota[k]);
        div[k] = _mm256_add_ps(quota[k], one);
    }
    let left = _mm256_sub_ps(classrooms, given);
    // Ranks of the priorities votes / (quota + 1), ties to the lower grade, in 32-bit integers:
    // a compare's mask is −1, so subtracting it counts one.
    let mut rank = [_mm256_setzero_si256(); G];
    for h in 0..grades {
        let mut ahead = _mm256_setzero_si256();
        for g in 0..h {
            let g_ahead = _mm256_castps_si256(_mm256_cmp_ps::<_CMP_GE_OQ>(
                _mm256_mul_ps(votes[g], div[h]),
                _mm256_mul_ps(votes[h], div[g]),
            ));
            ahead = _mm256_sub_epi32(ahead, g_ahead);
            // Counted down: g is behind h where g is not ahead (added back below).
            rank[g] = _mm256_add_epi32(rank[g], g_ahead);
        }
        // Every higher grade counted as ahead of h; the pairs with the higher grades, later in
        // this loop, take back one for each that h is ahead of.
        rank[h] = _mm256_add_epi32(ahead, _mm256_set1_epi32((grades - 1 - h) as i32));
    }
    // Left whole in each lane (exact in f32): as an integer, to compare with the ranks.
    let left_i = _mm256_cvtps_epi32(left);
    let last_i = _mm256_sub_epi32(left_i, _mm256_set1_epi32(1));
    // The last grade to take one sets the bar.
    let (mut bar_votes, mut bar_div) = (zero, zero);
    let mut takes = [zero; G];
    for k in 0..grades {
        let is_last = _mm256_castsi256_ps(_mm256_cmpeq_epi32(rank[k], last_i));
        bar_votes = _mm256_add_ps(bar_votes, _mm256_and_ps(is_last, votes[k]));
        bar_div = _mm256_add_ps(bar_div, _mm256_and_ps(is_last, div[k]));
        takes[k] = _mm256_castsi256_ps(_mm256_cmpgt_epi32(left_i, rank[k]));
    }
    // Lanes where some grade that takes one would take a second (then one by one, below).
    let mut two = zero;
    for k in 0..grades {
        let second = _mm256_cmp_ps::<_CMP_GE_OQ>(
            _mm256_mul_ps(votes[k], bar_div),
            _mm256_mul_ps(bar_votes, _mm256_add_ps(div[k], one)),
        );
        two = _mm256_or_ps(two, _mm256_and_ps(takes[k], second));
    }
    for k in 0..grades {
        let allotted = _mm256_add_ps(quota[k], _mm256_and_ps(takes[k], one));
        formed[k] = _mm256_blendv_ps(formed[k], allotted, short);
    }
    let positive = _mm256_cmp_ps::<_CMP_GT_OQ>(left, zero);
    let rare = _mm256_movemask_ps(_mm256_and_ps(_mm256_and_ps(short, two), positive));
    if rare == 0 {
        return;
    }
    // One by one from the lower quotas, in the lanes that need it, as the portable code does.
    let (votes, quota, left) = (
        votes.map(|v| store(v)),
        quota.map(|q| store(q)),
        store(left),
    );
    let mut out = formed.map(|f| store(f));
    for l in (0..LANES).filter(|l| rare >> l & 1 == 1) {
        one_by_one(grades, &votes, &quota, left[l], l, &mut out);
    }
    for (f, o) in formed.iter_mut().zip(&out).take(grades) {
        *f = load(o);
    }
}

#[cfg(test)]
mod tests {
    use super::survey as survey_avx2;
    use super::*;
    use crate::engine::sim::{crowded_school, has_v3, reciprocal_below, survey};
    use proptest::prelude::*;

    /// One school's sums (classes, oversized, super-oversized classes per draw) from the portable
    /// code and from [`crowded`], as bits; `pupils[k][l]` per grade and draw.
    fn both<const G: usize>(pupils: &[V], rooms: V, rule: ClassRule) -> [Vec<u32>; 2] {
        let grades = pupils.len();
        let mut class = [[0.0f32; LANES]; G];
        let mut need = [0.0f32; LANES];
        for (c, p) in class.iter_mut().zip(pupils) {
            for l in 0..LANES {
                c[l] = (p[l] as u32).div_ceil(rule.size) as f32;
                need[l] += c[l];
            }
        }
        // Some sums to start from, as a group's running sums would be.
        let start = [[3.0f32; LANES], [1.0; LANES], [0.0; LANES]];
        let (mut portable, mut by_hand) = (start, start);
        crowded_school::<f32, G>(
            grades,
            pupils,
            &class,
            need,
            rooms,
            rule,
            &mut portable,
            None,
        );
        // SAFETY: the caller checked that the CPU has AVX2.
        unsafe { crowded::<G>(grades, pupils, &class, need, rooms, rule, &mut by_hand) };
        let bits = |s: [V; 3]| s.iter().flatten().map(|x| x.to_bits()).collect();
        [bits(portable), bits(by_hand)]
    }

    /// Pupils per grade and draw as `V`s.
    fn lanes(pupils: &[[u32; LANES]]) -> Vec<V> {
        pupils.iter().map(|p| p.map(|x| x as f32)).collect()
    }

    fn rule(size: u32, oversized: u32, extra: u32) -> ClassRule {
        ClassRule {
            size,
            oversized,
            super_oversized: oversized + extra,
        }
    }

    /// Schools where D'Hondt gives one grade two classrooms beyond its lower quota (then it goes
    /// one by one), where it gives none, where nothing is short, and empty grades.
    #[test]
    fn the_hand_written_copy_forms_the_classes_the_portable_code_forms() {
        if !has_v3() {
            eprintln!("no AVX2 on this CPU: nothing to compare");
            return;
        }
        let r = rule(45, 56, 10);
        // Needs 5, 1, 1, 1, 1, 1 with 4 classrooms: lower quotas 2, 0, …, the two left both go
        // to the first grade (5/3 and then 5/4 beat 1/1); lanes with more rooms, and one with
        // every room it needs.
        let skewed: Vec<[u32; LANES]> = [225, 45, 45, 45, 45, 45]
            .iter()
            .map(|&p| [p, p, p + 1, p, 0, p, p, p])
            .collect();
        let rooms = [4.0, 5.0, 4.0, 7.0, 4.0, 10.0, 0.0, 1.0];
        let [a, b] = both::<6>(&lanes(&skewed), rooms, r);
        assert_eq!(a, b);
        // Three grades, short in some draws only.
        let three: Vec<[u32; LANES]> = vec![[130, 0, 90, 500, 46, 1, 2000, 7]; 3];
        let [a, b] = both::<3>(
            &lanes(&three),
            [3.0, 9.0, 1.0, 2.0, 12.0, 0.0, 40.0, 3.0],
            r,
        );
        assert_eq!(a, b);
    }

    fn school(grades: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = Vec<[u32; LANES]>> {
        let pupils = prop_oneof![0u32..60, 0u32..400, 0u32..3000];
        let grade = proptest::array::uniform8(pupils);
        proptest::collection::vec(grade, grades)
    }

    /// A group's first pass of class formation from the portable loop and from [`survey`]:
    /// its sums as bits, and the schools listed.
    /// Each school's classrooms are its classes needed plus `slack` (at least 0), so that
    /// schools short by one, with just enough and with one to spare all occur.
    fn surveys<const G: usize>(
        schools: &[Vec<[u32; LANES]>],
        slack: &[[i32; LANES]],
        size: u32,
        every: bool,
    ) -> [(Vec<u32>, Vec<u32>); 2] {
        let pupils: Vec<V> = schools.iter().flat_map(|s| lanes(s)).collect();
        let offsets: Vec<usize> = (0..schools.len()).map(|i| i * G).collect();
        let rooms: Vec<V> = schools
            .iter()
            .zip(slack)
            .map(|(school, slack)| {
                std::array::from_fn(|l| {
                    let need: u32 = school.iter().map(|p| p[l].div_ceil(size)).sum();
                    (need as i32 + slack[l]).max(0) as f32
                })
            })
            .collect();
        let village: Vec<f32> = (0..schools.len())
            .map(|i| (i % 3 == 1) as u8 as f32)
            .collect();
        let schools_in = Schools {
            grades: G,
            offsets: &offsets,
            first: 7,
            pupils: &pupils,
            rooms: &rooms,
            village: &village,
            size: size as f32,
            per_size: reciprocal_below(size),
            every,
        };
        let run = |avx2: bool| {
            let mut acc = [[1.0f32; LANES]; 5];
            let mut crowded = vec![0u32; schools.len()];
            let listed = if avx2 {
                // SAFETY: the caller checked that the CPU has AVX2.
                unsafe { survey_avx2::<G>(&schools_in, &mut acc, &mut crowded) }
            } else {
                survey::<G, false>(&schools_in, &mut acc, &mut crowded)
            };
            let bits = acc.iter().flatten().map(|x| x.to_bits()).collect();
            (bits, crowded[..listed].to_vec())
        };
        [run(false), run(true)]
    }

    proptest! {
        /// Random groups of 6-grade schools with classrooms near their needs: the first pass
        /// lists the same schools and adds the same bits as the portable loop.
        #[test]
        fn the_hand_written_survey_gives_the_portable_bits(
            schools in proptest::collection::vec(school(6..=6), 1..12),
            slack in proptest::collection::vec(proptest::array::uniform8(-2i32..3), 12),
            size in 1u32..70,
            every in proptest::bool::weighted(0.1),
        ) {
            prop_assume!(has_v3());
            let [a, b] = surveys::<6>(&schools, &slack[..schools.len()], size, every);
            prop_assert_eq!(a, b);
        }

        /// Random schools of 3, 6 and up to 16 grades, random classrooms per draw (often
        /// short), random class sizes and thresholds: the same bits as the portable code.
        #[test]
        fn the_hand_written_copy_gives_the_portable_bits(
            three in school(3..=3),
            six in school(6..=6),
            any in school(1..=16),
            rooms in proptest::array::uniform8(prop_oneof![0u32..8, 0u32..40, 0u32..2049]),
            size in 1u32..70,
            oversized in 1u32..120,
            extra in 0u32..30,
        ) {
            prop_assume!(has_v3());
            let r = rule(size, oversized, extra);
            let rooms = rooms.map(|x| x as f32);
            // Within the range where the portable code runs in f32 (as the kernel asks).
            let small = |school: &[[u32; LANES]]| {
                (0..LANES).all(|l| school.iter().map(|p| p[l].div_ceil(size)).sum::<u32>() <= 2048)
            };
            if small(&three) {
                let [a, b] = both::<3>(&lanes(&three), rooms, r);
                prop_assert_eq!(a, b);
            }
            if small(&six) {
                let [a, b] = both::<6>(&lanes(&six), rooms, r);
                prop_assert_eq!(a, b);
            }
            if small(&any) {
                let [a, b] = both::<{ crate::engine::classes::MAX_GRADES }>(&lanes(&any), rooms, r);
                prop_assert_eq!(a, b);
            }
        }
    }
}
