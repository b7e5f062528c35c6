//! The base year's classrooms of every school at a given crowding, and what they give: the classes
//! the engine forms, counted by size band, the oversized classes and the shortfall of places.
//! The calibration searches over these; nothing here chooses its own parameters.

use super::draft::Draft;
use crate::engine::classes::form_classes;

/// The base year's classes by size band, as the engine forms them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bands {
    /// Classes of ≤ 25, 26–30, 31–35, 36–40, 41–45, 46–50, 51–55, 56–60, 61–65 and ≥ 66 pupils
    /// (the Ministry of Education's bands).
    pub classes: [u32; 10],
}

impl Bands {
    pub const LABELS: [&'static str; 10] = [
        "≤25", "26–30", "31–35", "36–40", "41–45", "46–50", "51–55", "56–60", "61–65", "≥66",
    ];

    fn add(&mut self, pupils: u32, classes: u32) {
        if classes == 0 {
            return;
        }
        // Pupils split as evenly as possible: sizes q and q + 1.
        let q = pupils / classes;
        let bigger = pupils % classes;
        for (size, n) in [(q, classes - bigger), (q + 1, bigger)] {
            let band = (size.saturating_sub(21) / 5).min(9) as usize;
            self.classes[band] += n;
        }
    }

    pub fn total(&self) -> u32 {
        self.classes.iter().sum()
    }
}

/// Junior schools' crowding relative to primary: their standard class (50) is only 12 % below
/// the oversized threshold (56), against 24 % for primary (45), so the same share of pupils over
/// places would make every junior class oversized.
const JUNIOR_SCALE: f64 = 0.35;

/// Crowding of village and township schools (pupils over places).
const VILLAGE_CROWDING: f64 = 0.04;

/// Classrooms of every school, as it was built: one per class of each grade at its crowding.
/// Town-centre schools are crowded by `town` (pupils over places, e.g. 0.15 = 15 % more pupils
/// than places), school by school and grade by grade ± `spread` (a standard deviation, two
/// thirds between schools); village and township schools by [`VILLAGE_CROWDING`], with rooms
/// rounded up so that their small year groups are not squeezed into one big class; junior
/// schools by [`JUNIOR_SCALE`] of that.
pub(super) fn set_classrooms(d: &mut Draft, town: f64, spread: f64) {
    for i in 0..d.schools.len() {
        let size = d.class_size(i);
        let scale = if size > 45 { JUNIOR_SCALE } else { 1.0 };
        let rooms = |n: u32, crowd: f64, up: bool| {
            let x = f64::from(n) / (f64::from(size) * crowd.max(0.7));
            (if up { x.ceil() } else { x.round() } as u32).max(1)
        };
        let (z, urban, comply) = (d.crowding_z[i], d.schools[i].urban, d.comply_below);
        d.schools[i].classrooms = d.base[i]
            .iter()
            .zip(&d.grade_z[i])
            .map(|(&n, &zg)| {
                if urban {
                    let noise = spread * (0.8 * z + 0.6 * zg);
                    let r = rooms(n, 1.0 + scale * (town + noise), false);
                    if zg < comply && n > 65 * r {
                        n.div_ceil(65)
                    } else {
                        r
                    }
                } else {
                    rooms(n, 1.0 + scale * VILLAGE_CROWDING, true)
                }
            })
            .sum();
    }
}

/// Base-year oversized classes, shortfall and class-size bands of a draft.
pub(super) fn base_figures(d: &Draft) -> (u32, f64, Bands) {
    let mut over = 0;
    let mut shortfall = 0.0;
    let mut bands = Bands::default();
    let mut out = [Default::default(); 9];
    for (i, s) in d.schools.iter().enumerate() {
        let size = d.class_size(i);
        let rule = crate::engine::classes::ClassRule {
            size: size.max(1),
            oversized: 56,
            super_oversized: 66,
        };
        let p = &d.base[i];
        form_classes(p, s.classrooms, rule, &mut out[..p.len()]);
        for (c, &n) in out[..p.len()].iter().zip(p) {
            let c: &crate::engine::classes::GradeClasses = c;
            over += c.oversized;
            bands.add(n, c.classes);
        }
        let total: u32 = p.iter().sum();
        shortfall += f64::from(total.saturating_sub(s.classrooms * size));
    }
    (over, shortfall, bands)
}
