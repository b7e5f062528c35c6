//! The progression (cohort-survival) conventions of SPEC §4 step 1, and their names: how the
//! yearly ratios of a grade transition are averaged, over which window, what a zero feeder
//! count does, and how projected counts are rounded. One list of names, read by the scenario
//! file, the command line and the messages alike.
//!
//! Values only: the estimation itself is `engine::progression`'s.

/// How the yearly ratios of one grade transition are combined into one ratio.
#[derive(Debug, Clone, PartialEq)]
pub enum Averaging {
    /// Arithmetic mean of the yearly ratios (default).
    Mean,
    /// Σ numerators / Σ denominators over the window (each year weighted by its feeder count).
    Pooled,
    /// Geometric mean of the yearly ratios (0 when any yearly ratio is 0).
    Geometric,
    /// Median of the yearly ratios; the mean of the middle two for an even count.
    Median,
    /// The most recent yearly ratio (the most recent usable one under [`ZeroFeeder::Skip`]).
    Last,
    /// Weighted mean; weights most recent first, one per transition of the window.
    /// Under [`ZeroFeeder::Skip`] a skipped year's weight is dropped with it.
    Weighted(Vec<f64>),
}

impl Averaging {
    /// Every averaging's name, as scenario files, the command line and messages write it.
    pub const NAMES: [&'static str; 6] =
        ["mean", "pooled", "geometric", "median", "last", "weighted"];

    /// The averaging a name stands for; `weighted` comes without its weights (given apart).
    pub fn parse(name: &str) -> Option<Averaging> {
        match name {
            "mean" => Some(Averaging::Mean),
            "pooled" => Some(Averaging::Pooled),
            "geometric" => Some(Averaging::Geometric),
            "median" => Some(Averaging::Median),
            "last" => Some(Averaging::Last),
            "weighted" => Some(Averaging::Weighted(Vec::new())),
            _ => None,
        }
    }

    /// The name used on the command line and in messages.
    pub fn name(&self) -> &'static str {
        match self {
            Averaging::Mean => "mean",
            Averaging::Pooled => "pooled",
            Averaging::Geometric => "geometric",
            Averaging::Median => "median",
            Averaging::Last => "last",
            Averaging::Weighted(_) => "weighted",
        }
    }
}

/// What a zero feeder count (grade g in year t is 0) does to the ratio of that year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZeroFeeder {
    /// The yearly ratio is 0 (under `pooled` the year adds 0 to both sums).
    Zero,
    /// The year is left out of the average; a transition with no usable year is an error.
    Skip,
    /// An error.
    Error,
}

impl ZeroFeeder {
    /// Every choice's name, as scenario files and the command line write it.
    pub const NAMES: [&'static str; 3] = ["zero", "skip", "error"];

    pub fn parse(name: &str) -> Option<ZeroFeeder> {
        match name {
            "zero" => Some(ZeroFeeder::Zero),
            "skip" => Some(ZeroFeeder::Skip),
            "error" => Some(ZeroFeeder::Error),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ZeroFeeder::Zero => "zero",
            ZeroFeeder::Skip => "skip",
            ZeroFeeder::Error => "error",
        }
    }
}

/// Conventions for estimating ratios.
#[derive(Debug, Clone, PartialEq)]
pub struct RatioOptions {
    pub averaging: Averaging,
    /// Use only the N most recent transitions (year pairs); `None` = all.
    pub window: Option<usize>,
    pub zero_feeder: ZeroFeeder,
}

impl Default for RatioOptions {
    fn default() -> Self {
        RatioOptions {
            averaging: Averaging::Mean,
            window: None,
            zero_feeder: ZeroFeeder::Zero,
        }
    }
}

/// Rounding of projected counts (ratios are never rounded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Rounding {
    /// Counts keep full precision (default; the simulator's convention).
    #[default]
    None,
    /// Every count of a projected year is rounded half away from zero, and the rounded counts
    /// are carried into the next year (the spreadsheet convention: whole pupils each year).
    EachYear,
}

impl Rounding {
    /// Every choice's name, as the command line writes it.
    pub const NAMES: [&'static str; 2] = ["none", "each-year"];

    pub fn parse(name: &str) -> Option<Rounding> {
        match name {
            "none" => Some(Rounding::None),
            "each-year" => Some(Rounding::EachYear),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Rounding::None => "none",
            Rounding::EachYear => "each-year",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_reads_back_as_itself() {
        for name in Averaging::NAMES {
            assert_eq!(Averaging::parse(name).map(|a| a.name()), Some(name));
        }
        for name in ZeroFeeder::NAMES {
            assert_eq!(ZeroFeeder::parse(name).map(ZeroFeeder::name), Some(name));
        }
        for name in Rounding::NAMES {
            assert_eq!(Rounding::parse(name).map(Rounding::name), Some(name));
        }
        assert_eq!(Averaging::parse("average"), None);
    }
}
