//! The ranges a data set's and a scenario's values must keep: the engine's exact ranges of
//! pupils and classrooms, and each driver's range. Both readers check against these, so that a
//! scenario cannot push a value where `growth.csv` may not.
//!
//! Values only: saying where a value was found is the readers'.

use super::Driver;

/// Most pupils of one school and grade: the engine counts pupils in `f32`, exact up to 2^24 per
/// sum, and keeps per-grade counts below 2^20 so that sums of them stay exact.
pub const MAX_GRADE_PUPILS: u32 = 1 << 20;
/// Most classrooms of one school or project (places, classrooms × class size, stay exact).
pub const MAX_CLASSROOMS: u32 = 10_000;
/// Most pupils of a yearly flow, an inflow driver or an area's births in one year: 2^20, as for
/// one grade of a school, since a year's flow may land in one grade of one school.
pub const MAX_FLOW: f64 = MAX_GRADE_PUPILS as f64;
/// Largest ratio driver (entry ratio, progression factor) and relative change per year.
const MAX_RATIO: f64 = 100.0;

/// The range of values a driver may take, and how to say it.
fn driver_range(driver: Driver) -> (f64, f64, &'static str) {
    match driver {
        Driver::BirthChange => (-1.0, MAX_RATIO, "a number > -1 (relative change per year)"),
        Driver::MigrantChange | Driver::ReturningChange => {
            (-1.0, MAX_RATIO, "a number > -1 (relative change per year)")
        }
        Driver::RuralToTownRate => (0.0, 1.0, "a share of village pupils per year, 0–1"),
        Driver::EntryRatio | Driver::ProgressionFactor => (0.0, MAX_RATIO, "a ratio ≥ 0"),
        Driver::MigrantInflow | Driver::ReturningInflow => {
            (0.0, MAX_FLOW, "a number of pupils per year ≥ 0")
        }
    }
}

/// Whether `v` is a valid value of `driver` (the rule of `growth.csv`, also applied to a
/// scenario's driver overrides); `Err` says what was expected.
pub fn check_driver_value(driver: Driver, v: f64) -> Result<(), String> {
    let (min, max, what) = driver_range(driver);
    let above_min = if matches!(
        driver,
        Driver::BirthChange | Driver::MigrantChange | Driver::ReturningChange
    ) {
        v > min
    } else {
        v >= min
    };
    if !above_min || (v > max && max <= 1.0) {
        Err(what.to_owned())
    } else if v > max {
        Err(format!("at most {max}: {what}"))
    } else {
        Ok(())
    }
}
