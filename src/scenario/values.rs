//! A scenario's values checked one by one and turned into the checked [`Scenario`]: years,
//! draws, choices, the pipeline, driver overrides, class rules, progression conventions and
//! targets. Every problem is recorded, none stops the others.
//!
//! Knows nothing of the data set (that is [`super::references`]).

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

use toml::Spanned;

use super::diagnostics::Problems;
use super::file::{
    DEFAULT_CORRELATION, DEFAULT_DRAWS, DEFAULT_REBALANCING, DEFAULT_SEED, MAX_DRAWS,
};
use super::mirror::{
    ClassesToml, DescriptionToml, DriverToml, ExtraToml, ProgressionToml, ScenarioToml, TargetToml,
};
use super::{
    Cancellations, ClassRules, DelayModel, DriverChange, DriverOverride, ExtraProject, Pace,
    Sampling, Scenario, Target,
};
use crate::input::parse::parse_year_month;
use crate::model::limits::{MAX_CLASSROOMS, check_driver_value};
use crate::model::progression::{Averaging, RatioOptions, ZeroFeeder};
use crate::model::{AreaSel, Driver, ProjectKind, SchoolYear, ThreePoint};

pub(super) fn check(p: &mut Problems<'_>, raw: &ScenarioToml) -> Option<Scenario> {
    let name = p
        .path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (title_zh, title_en) = match &raw.title {
        Some(t) => (t.zh.clone(), t.en.clone()),
        None => (name.clone(), name.clone()),
    };
    let (description_zh, description_en) = match &raw.description {
        DescriptionToml::Plain(d) => (d.clone(), d.clone()),
        DescriptionToml::Both(t) => (t.zh.clone(), t.en.clone()),
    };
    if raw.data.get_ref().trim().is_empty() {
        p.value("data", raw.data.span(), "the path of a data set folder");
    }
    let folder = p.path.parent().unwrap_or(Path::new(""));
    let data = normalise(&folder.join(raw.data.get_ref()));

    let base_year = raw.base_year.as_ref().and_then(|y| p.year("base_year", y));
    let horizon = p.year("horizon", &raw.horizon);
    if let (Some(b), Some(h)) = (base_year, horizon)
        && h < b
    {
        p.value(
            "horizon",
            raw.horizon.span(),
            format!("a year ≥ base_year ({b})"),
        );
    }
    let draws = match &raw.draws {
        Some(d) => p
            .int(
                "draws",
                d,
                1,
                i64::from(MAX_DRAWS),
                "a whole number between 1 and 1000000",
            )
            .map(|d| d as u32),
        None => Some(DEFAULT_DRAWS),
    };
    let seed = match &raw.seed {
        Some(s) => p
            .int("seed", s, 0, i64::MAX, "a whole number ≥ 0")
            .map(|s| s as u64),
        None => Some(DEFAULT_SEED),
    };
    let sampling = match &raw.sampling {
        Some(s) => p.choice("sampling", s, &["pert", "triangular"], |s| match s {
            "pert" => Some(Sampling::Pert),
            "triangular" => Some(Sampling::Triangular),
            _ => None,
        }),
        None => Some(Sampling::Pert),
    };
    let correlation = match &raw.correlation {
        Some(c) => p.num("correlation", c, 0.0, 1.0, "a weight between 0 and 1"),
        None => Some(DEFAULT_CORRELATION),
    };

    let pipeline = &raw.pipeline;
    let pace = match &pipeline.pace {
        Some(s) => p.choice(
            "pipeline.pace",
            s,
            &["plan", "current-pace", "accelerated"],
            |s| match s {
                "plan" => Some(Pace::Plan),
                "current-pace" => Some(Pace::CurrentPace),
                "accelerated" => Some(Pace::Accelerated(1.0)),
                _ => None,
            },
        ),
        None => Some(Pace::Plan),
    };
    // An accelerated pipeline states how much faster: the factor is the scenario's, not the
    // engine's.
    let pace = match (pace, &pipeline.delay_scale) {
        (Some(Pace::Accelerated(_)), Some(k)) => p
            .num(
                "pipeline.delay_scale",
                k,
                0.0,
                1.0,
                "a factor between 0 and 1 on the current pace's delays",
            )
            .map(Pace::Accelerated),
        (Some(Pace::Accelerated(_)), None) => {
            p.message(
                pipeline.pace.as_ref().map_or(0..0, |s| s.span()),
                "pipeline.pace = \"accelerated\" needs pipeline.delay_scale: expected a factor between 0 and 1 on the current pace's delays (e.g. 0.333)",
            );
            None
        }
        (other, Some(k)) => {
            p.message(
                k.span(),
                "pipeline.delay_scale applies to pace = \"accelerated\" only",
            );
            other
        }
        (other, None) => other,
    };
    let delay_model = match &pipeline.delay_model {
        Some(s) => p.choice(
            "pipeline.delay_model",
            s,
            &["reference-class", "exponential"],
            |s| match s {
                "reference-class" => Some(DelayModel::ReferenceClass),
                "exponential" => Some(DelayModel::Exponential),
                _ => None,
            },
        ),
        None => Some(DelayModel::ReferenceClass),
    };
    let extra_projects = extras(p, &pipeline.extra);
    let drivers = drivers(p, &raw.drivers);
    let classes = classes(p, &raw.classes);
    let rebalancing = match &raw.rebalancing.max_share {
        Some(s) => p.num(
            "rebalancing.max_share",
            s,
            0.0,
            1.0,
            "a share between 0 and 1",
        ),
        None => Some(DEFAULT_REBALANCING),
    };
    let progression = progression(p, &raw.progression);
    let targets = targets(p, &raw.targets, base_year, horizon);

    Some(Scenario {
        name,
        title_zh,
        title_en,
        description: description_en,
        meta: crate::scenario::ScenarioMeta {
            description_zh,
            base: raw.base.clone(),
        },
        data,
        base_year,
        horizon: horizon?,
        draws: draws?,
        seed: seed?,
        sampling: sampling?,
        correlation: correlation?,
        drivers: drivers?,
        pace: pace?,
        delay_model: delay_model?,
        cancel: Cancellations {
            all: pipeline.cancel_all,
            batches: pipeline
                .cancel_batches
                .iter()
                .map(|b| b.get_ref().clone())
                .collect(),
            projects: pipeline
                .cancel_projects
                .iter()
                .map(|b| b.get_ref().clone())
                .collect(),
        },
        extra_projects: extra_projects?,
        classes: classes?,
        rebalancing: rebalancing?,
        progression: progression?,
        targets: targets?,
    })
}

/// Removes `dir/..` pairs so that paths in messages read `data/x`, not `scenarios/../data/x`.
pub(super) fn normalise(path: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            _ => out.push(c),
        }
    }
    if out.is_empty() {
        PathBuf::from(".")
    } else {
        out.iter().collect()
    }
}

pub(super) fn extras(p: &mut Problems<'_>, raw: &[ExtraToml]) -> Option<Vec<ExtraProject>> {
    let mut out = Vec::new();
    let mut ok = true;
    let mut ids = HashSet::new();
    for e in raw {
        if !ids.insert(e.id.get_ref().clone()) {
            p.value("pipeline.extra.id", e.id.span(), "an id not used before");
            ok = false;
        }
        let kind = p.choice(
            "pipeline.extra.kind",
            &e.kind,
            &ProjectKind::NAMES,
            ProjectKind::parse,
        );
        let classrooms = p.int(
            "pipeline.extra.classrooms",
            &e.classrooms,
            1,
            i64::from(MAX_CLASSROOMS),
            "a whole number between 1 and 10000",
        );
        let mut date = |key: &str, v: &Spanned<String>| {
            let d = parse_year_month(v.get_ref());
            if d.is_none() {
                p.value(key, v.span(), "a date \"YYYY-MM\" such as \"2020-08\"");
            }
            d
        };
        let start = date("pipeline.extra.planned_start", &e.planned_start);
        let completion = date("pipeline.extra.planned_completion", &e.planned_completion);
        if let (Some(s), Some(c)) = (start, completion)
            && c < s
        {
            p.value(
                "pipeline.extra.planned_completion",
                e.planned_completion.span(),
                format!("a date not before planned_start ({s})"),
            );
            ok = false;
        }
        if let (Some(kind), Some(classrooms), Some(planned_start), Some(planned_completion)) =
            (kind, classrooms, start, completion)
        {
            out.push(ExtraProject {
                id: e.id.get_ref().clone(),
                name: e.name.clone(),
                area_id: e.area_id.get_ref().clone(),
                stage: e.stage.get_ref().clone(),
                kind,
                school_id: e.school_id.get_ref().clone(),
                classrooms: classrooms as u32,
                planned_start,
                planned_completion,
                batch: e.batch.clone(),
            });
        } else {
            ok = false;
        }
    }
    ok.then_some(out)
}

pub(super) fn drivers(p: &mut Problems<'_>, raw: &[DriverToml]) -> Option<Vec<DriverOverride>> {
    let mut out = Vec::new();
    let mut ok = true;
    for d in raw {
        let driver = p.choice("drivers.driver", &d.driver, &Driver::NAMES, Driver::parse);
        let area = match d.area.as_ref().map(|a| a.get_ref().as_str()) {
            None | Some("*") => AreaSel::All,
            Some(a) => AreaSel::Area(a.to_owned()),
        };
        let change = match (&d.multiply, &d.low, &d.central, &d.high) {
            (Some(m), None, None, None) => p
                .num("drivers.multiply", m, 0.0, f64::MAX, "a factor ≥ 0")
                .map(DriverChange::Multiply),
            (None, Some(l), Some(c), Some(h)) => {
                let (low, central, high) = (*l.get_ref(), *c.get_ref(), *h.get_ref());
                if !(low.is_finite() && central.is_finite() && high.is_finite()) {
                    p.value("drivers.central", c.span(), "finite numbers");
                    None
                } else if !(low <= central && central <= high) {
                    p.value(
                        "drivers.central",
                        c.span(),
                        format!("low ≤ central ≤ high (low {low}, high {high})"),
                    );
                    None
                } else if let Some(driver) = driver
                    && let Some((key, span, what)) = [("low", l), ("central", c), ("high", h)]
                        .into_iter()
                        .find_map(|(key, v)| {
                            check_driver_value(driver, *v.get_ref())
                                .err()
                                .map(|what| (key, v.span(), what))
                        })
                {
                    // The same ranges as growth.csv.
                    p.value(&format!("drivers.{key}"), span, what);
                    None
                } else {
                    Some(DriverChange::Replace(ThreePoint { low, central, high }))
                }
            }
            _ => {
                p.message(
                    d.driver.span(),
                    format!(
                        "driver override `{}`: expected either `multiply` or all three of `low`, `central`, `high`",
                        d.driver.get_ref()
                    ),
                );
                None
            }
        };
        match (driver, change) {
            (Some(driver), Some(change)) => out.push(DriverOverride {
                driver,
                area,
                change,
            }),
            _ => ok = false,
        }
    }
    ok.then_some(out)
}

pub(super) fn classes(p: &mut Problems<'_>, raw: &ClassesToml) -> Option<ClassRules> {
    let mut rules = ClassRules::default();
    let mut ok = true;
    for (stage, size) in &raw.standard_size {
        match p.int(
            &format!("classes.standard_size.{stage}"),
            size,
            1,
            1000,
            "a class size between 1 and 1000",
        ) {
            Some(n) => {
                rules.standard_size.insert(stage.clone(), n as u32);
            }
            None => ok = false,
        }
    }
    if let Some(o) = &raw.oversized {
        match p.int(
            "classes.oversized",
            o,
            1,
            1000,
            "a class size between 1 and 1000",
        ) {
            Some(n) => rules.oversized = n as u32,
            None => ok = false,
        }
    }
    if let Some(s) = &raw.super_oversized {
        match p.int(
            "classes.super_oversized",
            s,
            1,
            1000,
            "a class size between 1 and 1000",
        ) {
            Some(n) => rules.super_oversized = n as u32,
            None => ok = false,
        }
    }
    if ok && rules.super_oversized <= rules.oversized {
        let span = raw
            .super_oversized
            .as_ref()
            .or(raw.oversized.as_ref())
            .map_or(0..0, |s| s.span());
        p.value(
            "classes.super_oversized",
            span,
            format!("a size above oversized ({})", rules.oversized),
        );
        ok = false;
    }
    ok.then_some(rules)
}

pub(super) fn progression(p: &mut Problems<'_>, raw: &ProgressionToml) -> Option<RatioOptions> {
    let mut ok = true;
    let window = match &raw.window {
        Some(w) => match p.int("progression.window", w, 1, 1000, "a whole number ≥ 1") {
            Some(n) => Some(n as usize),
            None => {
                ok = false;
                None
            }
        },
        None => None,
    };
    let averaging = match &raw.averaging {
        Some(a) => p.choice(
            "progression.averaging",
            a,
            &Averaging::NAMES,
            Averaging::parse,
        ),
        None => Some(Averaging::Mean),
    };
    let averaging = match (averaging, &raw.weights) {
        (Some(Averaging::Weighted(_)), Some(w)) => {
            let weights = w.get_ref();
            if weights.is_empty()
                || weights.iter().any(|x| !x.is_finite() || *x < 0.0)
                || weights.iter().sum::<f64>() <= 0.0
            {
                p.value(
                    "progression.weights",
                    w.span(),
                    "weights ≥ 0 with a positive sum, most recent first",
                );
                None
            } else if window.is_some_and(|n| n != weights.len()) {
                p.value(
                    "progression.weights",
                    w.span(),
                    format!(
                        "one weight per transition of the window ({})",
                        window.unwrap_or(0)
                    ),
                );
                None
            } else {
                Some(Averaging::Weighted(weights.clone()))
            }
        }
        (Some(Averaging::Weighted(_)), None) => {
            if let Some(a) = &raw.averaging {
                p.value(
                    "progression.averaging",
                    a.span(),
                    "`weights = [...]` beside `averaging = \"weighted\"`",
                );
            }
            None
        }
        (Some(_), Some(w)) => {
            p.value(
                "progression.weights",
                w.span(),
                "no weights unless averaging = \"weighted\"",
            );
            None
        }
        (a, _) => a,
    };
    let zero_feeder = match &raw.zero_feeder {
        Some(z) => p.choice(
            "progression.zero_feeder",
            z,
            &ZeroFeeder::NAMES,
            ZeroFeeder::parse,
        ),
        None => Some(ZeroFeeder::Zero),
    };
    if !ok {
        return None;
    }
    Some(RatioOptions {
        averaging: averaging?,
        window,
        zero_feeder: zero_feeder?,
    })
}

pub(super) fn targets(
    p: &mut Problems<'_>,
    raw: &[TargetToml],
    base_year: Option<SchoolYear>,
    horizon: Option<SchoolYear>,
) -> Option<Vec<Target>> {
    let mut out = Vec::new();
    let mut ok = true;
    let mut ids = HashSet::new();
    for t in raw {
        let id = t.id.get_ref().trim().to_owned();
        if id.is_empty() || !ids.insert(id.clone()) {
            p.value("targets.id", t.id.span(), "a non-empty id not used before");
            ok = false;
        }
        let year = p.year("targets.year", &t.year);
        if let Some(y) = year {
            if horizon.is_some_and(|h| y > h) {
                p.value(
                    "targets.year",
                    t.year.span(),
                    format!("a year ≤ horizon ({})", horizon.map_or(0, |h| h.0)),
                );
                ok = false;
            }
            if base_year.is_some_and(|b| y < b) {
                p.value(
                    "targets.year",
                    t.year.span(),
                    format!("a year ≥ base_year ({})", base_year.map_or(0, |b| b.0)),
                );
                ok = false;
            }
        }
        let mut share = |key: &str, v: &Option<Spanned<f64>>| match v {
            Some(v) => p.num(key, v, 0.0, 1.0, "a share between 0 and 1").map(Some),
            None => Some(None),
        };
        let sup = share(
            "targets.max_super_oversized_share",
            &t.max_super_oversized_share,
        );
        let over = share("targets.max_oversized_share", &t.max_oversized_share);
        if t.max_super_oversized_share.is_none() && t.max_oversized_share.is_none() {
            p.message(
                t.id.span(),
                format!(
                    "target `{id}`: expected `max_super_oversized_share`, `max_oversized_share` or both"
                ),
            );
            ok = false;
        }
        let (title_zh, title_en) = match &t.title {
            Some(title) => (title.zh.clone(), title.en.clone()),
            None => (id.clone(), id.clone()),
        };
        match (year, sup, over) {
            (Some(year), Some(max_super_oversized_share), Some(max_oversized_share)) => {
                out.push(Target {
                    id,
                    title_zh,
                    title_en,
                    year,
                    max_super_oversized_share,
                    max_oversized_share,
                })
            }
            _ => ok = false,
        }
    }
    ok.then_some(out)
}
