//! A synthetic province of any size for the scale benchmarks: area specs drawn around Hengyang's
//! proportions, then one uncalibrated generation with Hengyang-like knobs.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::generate::generate;
use super::hengyang::{HENGYANG, Targets};
use super::spec::AreaSpecOwned;
use crate::model::{AreaKind, DataSet};

/// A synthetic province of about `schools` schools (not calibrated: Hengyang-like knobs), for
/// the scale benchmarks.
pub fn province(schools: usize, seed: u64) -> DataSet {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5EED);
    // Hengyang has ~1,500 schools for 7.3 million people; areas of 0.3–1.2 million.
    let population = 730.0 * schools as f64 / 1500.0;
    let mut specs = Vec::new();
    let mut left = population;
    let mut k = 0;
    while left > 0.0 {
        k += 1;
        let district = k % 5 == 1;
        let pop = if district {
            30.0 + 20.0 * rng.random::<f64>()
        } else {
            40.0 + 80.0 * rng.random::<f64>()
        }
        .min(left.max(5.0));
        left -= pop;
        specs.push(AreaSpecOwned {
            id: format!("A{k:03}"),
            name: format!("区县{k}"),
            kind: if district {
                AreaKind::District
            } else {
                AreaKind::County
            },
            population: pop,
            town_share: if district {
                0.9
            } else {
                0.35 + 0.2 * rng.random::<f64>()
            },
            city_population: population,
        });
    }
    let targets = Targets {
        due: specs.len() * 4,
        due_completed: specs.len() / 3,
        start: specs.len() * 10,
        started: specs.len() * 5,
        ..HENGYANG
    };
    generate(&specs, "synthetic-province", &targets, seed, false).0
}
