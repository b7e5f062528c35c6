//! The forecast conventions shared by `project` and `backtest`: flags → a checked [`Conventions`].
//!
//! Decides between placeplan's documented defaults (no entry or ratio flag given) and the
//! classic conventions (any of them given), and says in words which apply. No arithmetic on
//! counts and no file reading here.

use anyhow::{Context, bail};

use super::ConventionArgs;
use crate::engine::forecast::{EntryMethod, Method};
use crate::input::suggest::nearest;
use crate::model::progression::{Averaging, RatioOptions, Rounding, ZeroFeeder};

/// The defaults, chosen by backtest on the Maryland districts and schools (README, "How
/// accurate is it?"): entry = mean of the last 3 years, moved by the area's trend in the entry
/// grade (5 years, damped by 0.8 a year) where the file names areas; mean ratios over the last
/// 5 transitions, shrunk toward the area's with a strength of 100 pupils; blend by horizon.
pub const DEFAULT_ENTRY_YEARS: usize = 3;
pub const DEFAULT_WINDOW: usize = 5;
pub const DEFAULT_SHRINK: f64 = 100.0;
pub const DEFAULT_AREA_TREND: Option<EntryMethod> = Some(EntryMethod::Trend {
    years: 5,
    damping: 0.8,
});

/// Shrinkage as asked: the default (when the file has areas), a strength, or none.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Shrink {
    Default,
    Strength(f64),
    Off,
}

/// Checked conventions; [`Conventions::method`] fixes them for one history file.
#[derive(Debug, Clone, PartialEq)]
pub struct Conventions {
    /// No entry or ratio flag: placeplan's defaults.
    pub defaults: bool,
    method: Method,
    shrink: Shrink,
}

impl Conventions {
    /// Checks the flags. `entry_file` says whether `project --entry` was given.
    pub fn from_args(args: &ConventionArgs, entry_file: bool) -> anyhow::Result<Conventions> {
        let defaults = !entry_file
            && !args.hold_entry
            && args.entry_mean.is_none()
            && args.entry_trend.is_none()
            && args.ratio.is_none()
            && args.weights.is_none()
            && args.window.is_none();
        let entry = match (args.hold_entry, args.entry_mean, &args.entry_trend) {
            (true, None, None) => EntryMethod::Mean { years: 1 },
            (false, Some(0), None) => bail!("--entry-mean 0: expected at least 1 year"),
            (false, Some(n), None) => EntryMethod::Mean { years: n },
            (false, None, Some(raw)) => parse_trend(raw, "--entry-trend")?,
            (false, None, None) => EntryMethod::Mean {
                years: DEFAULT_ENTRY_YEARS,
            },
            _ => bail!("give one of --hold-entry, --entry-mean and --entry-trend, not several"),
        };
        let weights = args.weights.as_deref().map(parse_weights).transpose()?;
        let ratio = args.ratio.as_deref().unwrap_or("mean");
        let averaging = match (ratio, weights) {
            ("weighted", Some(w)) => Averaging::Weighted(w),
            ("weighted", None) => {
                bail!("--ratio weighted needs --weights, most recent first, e.g. --weights 3,2,1")
            }
            (other, Some(_)) => {
                bail!("--weights is only used with --ratio weighted (found --ratio {other})")
            }
            (other, None) => match Averaging::parse(other) {
                Some(a) => a,
                None => bail!(
                    "--ratio {other}: expected one of {}{}",
                    Averaging::NAMES.join(", "),
                    suggest(other, &Averaging::NAMES)
                ),
            },
        };
        if args.window == Some(0) {
            bail!("--window 0: expected at least 1 transition");
        }
        if let (Averaging::Weighted(w), Some(window)) = (&averaging, args.window)
            && w.len() != window
        {
            bail!(
                "--weights gives {} weights but --window is {window}: give one weight per \
                 transition of the window, most recent first",
                w.len()
            );
        }
        let other = args.zero_feeder.as_str();
        let Some(zero_feeder) = ZeroFeeder::parse(other) else {
            bail!(
                "--zero-feeder {other}: expected one of {}{}",
                ZeroFeeder::NAMES.join(", "),
                suggest(other, &ZeroFeeder::NAMES)
            )
        };
        let other = args.round.as_str();
        let Some(rounding) = Rounding::parse(other) else {
            bail!(
                "--round {other}: expected one of {}{}",
                Rounding::NAMES.join(", "),
                suggest(other, &Rounding::NAMES)
            )
        };
        let shrink = match args.shrink.as_deref() {
            None if defaults => Shrink::Default,
            None | Some("none") => Shrink::Off,
            Some(raw) => Shrink::Strength(
                raw.parse::<f64>()
                    .ok()
                    .filter(|k| k.is_finite() && *k >= 0.0)
                    .with_context(|| {
                        format!("--shrink {raw}: expected a strength in pupils ≥ 0, or none")
                    })?,
            ),
        };
        let area_trend = match args.area_trend.as_deref() {
            None if defaults => DEFAULT_AREA_TREND,
            None | Some("none") => None,
            Some(raw) => Some(parse_trend(raw, "--area-trend")?),
        };
        let blend = match args.blend.as_deref() {
            None => defaults,
            Some("auto") => true,
            Some("none") => false,
            Some(other) => bail!(
                "--blend {other}: expected auto or none{}",
                suggest(other, &["auto", "none"])
            ),
        };
        let window = match (args.window, defaults) {
            (Some(w), _) => Some(w),
            (None, true) => Some(DEFAULT_WINDOW),
            (None, false) => None,
        };
        Ok(Conventions {
            defaults,
            method: Method {
                ratios: RatioOptions {
                    averaging,
                    window,
                    zero_feeder,
                },
                entry,
                shrink: None,
                blend,
                rounding,
                adaptive_window: defaults,
                area_trend,
            },
            shrink,
        })
    }

    /// The method for a history file: shrinkage only where the file names units' areas.
    pub fn method(&self, has_areas: bool) -> anyhow::Result<Method> {
        let mut m = self.method.clone();
        if !has_areas {
            if self.method.area_trend.is_some() && !self.defaults {
                bail!(
                    "--area-trend needs an `area` column in the history file, naming each \
                     unit's area"
                );
            }
            m.area_trend = None;
        }
        m.shrink = match (self.shrink, has_areas) {
            (Shrink::Off, _) | (Shrink::Default, false) => None,
            (Shrink::Default, true) => Some(DEFAULT_SHRINK),
            (Shrink::Strength(k), true) => Some(k),
            (Shrink::Strength(_), false) => {
                bail!(
                    "--shrink needs an `area` column in the history file, naming each unit's area"
                )
            }
        };
        Ok(m)
    }

    /// The conventions in words, for the planner's record. `entry_file` names `--entry`.
    pub fn describe(&self, method: &Method, entry_file: Option<&str>) -> String {
        let r = &method.ratios;
        let averaging = match &r.averaging {
            Averaging::Weighted(w) => {
                let w: Vec<String> = w.iter().map(ToString::to_string).collect();
                format!("weighted ({}, most recent first)", w.join(","))
            }
            a => a.name().to_owned(),
        };
        let window = match (r.window, method.adaptive_window) {
            (None, _) => "all transitions".to_owned(),
            (Some(n), false) => format!("the {n} most recent transitions"),
            (Some(n), true) => {
                format!("the {n} most recent transitions (fewer where a unit has fewer)")
            }
        };
        let zero = r.zero_feeder.name();
        let round = method.rounding.name();
        let entry = match (entry_file, method.entry) {
            (Some(p), _) => format!("from {p}"),
            (None, EntryMethod::Mean { years: 1 }) => "held at the last actual".to_owned(),
            (None, EntryMethod::Mean { years }) => {
                format!("the mean of the last {years} actual counts")
            }
            (None, EntryMethod::Trend { years, damping }) => format!(
                "a linear trend over the last {years} actual counts, its slope damped by {damping} a year"
            ),
        };
        let shrink = method.shrink.map_or("none".to_owned(), |k| {
            format!("toward the area's pooled ratios, strength {k} pupils")
        });
        let area_trend = match method.area_trend {
            Some(EntryMethod::Trend { years, damping }) => format!(
                "; entry moved by the area's trend over {years} years, damped by {damping} a year"
            ),
            _ => String::new(),
        };
        let blend = if method.blend {
            "with the naive forecast, weights by horizon from earlier origins"
        } else {
            "none"
        };
        let which = if self.defaults {
            "placeplan defaults: "
        } else {
            ""
        };
        format!(
            "{which}ratio {averaging} over {window}; zero feeder: {zero}; rounding: {round}; \
             entry {entry}{area_trend}; shrinkage: {shrink}; blend: {blend}"
        )
    }
}

fn parse_trend(raw: &str, flag: &str) -> anyhow::Result<EntryMethod> {
    let bad = || format!("{flag} {raw}: expected N,DAMPING such as 5,0.8 (N ≥ 2, 0 ≤ DAMPING ≤ 1)");
    let (n, d) = raw.split_once(',').with_context(bad)?;
    let years = n
        .trim()
        .parse::<usize>()
        .ok()
        .filter(|&n| n >= 2)
        .with_context(bad)?;
    let damping = d
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|d| (0.0..=1.0).contains(d))
        .with_context(bad)?;
    Ok(EntryMethod::Trend { years, damping })
}

fn parse_weights(raw: &str) -> anyhow::Result<Vec<f64>> {
    let weights = raw
        .split(',')
        .map(|w| {
            w.trim()
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && *x >= 0.0)
                .with_context(|| {
                    format!(
                        "--weights {raw}: found `{}`, expected a number ≥ 0",
                        w.trim()
                    )
                })
        })
        .collect::<anyhow::Result<Vec<f64>>>()?;
    if weights.iter().sum::<f64>() <= 0.0 {
        bail!("--weights {raw}: expected at least one weight above 0");
    }
    Ok(weights)
}

/// ` (did you mean `x`?)` for the valid name nearest to `found`, or nothing.
pub fn suggest(found: &str, valid: &[&str]) -> String {
    nearest(found, valid.iter().copied())
        .map_or(String::new(), |v| format!(" (did you mean `{v}`?)"))
}
