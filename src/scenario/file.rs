//! The scenario file format: a serde mirror of `scenarios/*.toml` and its translation into a
//! checked [`Scenario`], with every problem reported as `path:line:column`.
//!
//! Parsing happens in three passes: TOML syntax, then every key against the format's schema
//! (so that all unknown keys are reported at once, each with the nearest valid key), then values.
//! This module reads nothing but the scenario text it is given; the data set is not opened here.

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{
    Cancellations, ClassRules, DelayModel, DriverChange, DriverOverride, ExtraProject, Pace,
    Sampling, Scenario, Target,
};
use crate::engine::progression::{Averaging, RatioOptions, ZeroFeeder};
use crate::input::parse::parse_year_month;
use crate::input::suggest::nearest;
use crate::input::{InputError, InputErrors};
use crate::io::dataset::check_driver_value;
use crate::model::{AreaSel, DataSet, Driver, ProjectKind, SchoolYear, ThreePoint};

/// Default number of Monte Carlo draws.
pub const DEFAULT_DRAWS: u32 = 1000;
/// Most Monte Carlo draws of a run (the memory of a run is checked too, see `run`).
pub const MAX_DRAWS: u32 = 1_000_000;
/// Default seed.
pub const DEFAULT_SEED: u64 = 2019;
/// Default weight of the city-wide common factor.
pub const DEFAULT_CORRELATION: f64 = 0.5;
/// Default share of the pupils above places that may move in one year.
pub const DEFAULT_REBALANCING: f64 = 0.0;

/// The shape of the format: which keys each table may hold.
enum Node {
    Value,
    Table(&'static [(&'static str, Node)]),
    /// An array of tables (`[[drivers]]`).
    Tables(&'static [(&'static str, Node)]),
    /// A table whose keys are data (stage names).
    AnyKeys,
}

const TITLE: &[(&str, Node)] = &[("zh", Node::Value), ("en", Node::Value)];
const EXTRA: &[(&str, Node)] = &[
    ("id", Node::Value),
    ("name", Node::Value),
    ("area_id", Node::Value),
    ("stage", Node::Value),
    ("kind", Node::Value),
    ("school_id", Node::Value),
    ("classrooms", Node::Value),
    ("planned_start", Node::Value),
    ("planned_completion", Node::Value),
    ("batch", Node::Value),
];
const PIPELINE: &[(&str, Node)] = &[
    ("pace", Node::Value),
    ("delay_scale", Node::Value),
    ("delay_model", Node::Value),
    ("cancel_all", Node::Value),
    ("cancel_batches", Node::Value),
    ("cancel_projects", Node::Value),
    ("extra", Node::Tables(EXTRA)),
];
const DRIVERS: &[(&str, Node)] = &[
    ("driver", Node::Value),
    ("area", Node::Value),
    ("multiply", Node::Value),
    ("low", Node::Value),
    ("central", Node::Value),
    ("high", Node::Value),
];
const CLASSES: &[(&str, Node)] = &[
    ("standard_size", Node::AnyKeys),
    ("oversized", Node::Value),
    ("super_oversized", Node::Value),
];
const REBALANCING: &[(&str, Node)] = &[("max_share", Node::Value)];
const PROGRESSION: &[(&str, Node)] = &[
    ("averaging", Node::Value),
    ("window", Node::Value),
    ("weights", Node::Value),
    ("zero_feeder", Node::Value),
];
const TARGETS: &[(&str, Node)] = &[
    ("id", Node::Value),
    ("title", Node::Table(TITLE)),
    ("year", Node::Value),
    ("max_super_oversized_share", Node::Value),
    ("max_oversized_share", Node::Value),
];
const TOP: &[(&str, Node)] = &[
    ("title", Node::Table(TITLE)),
    ("description", Node::Value),
    ("base", Node::Value),
    ("data", Node::Value),
    ("base_year", Node::Value),
    ("horizon", Node::Value),
    ("draws", Node::Value),
    ("seed", Node::Value),
    ("sampling", Node::Value),
    ("correlation", Node::Value),
    ("pipeline", Node::Table(PIPELINE)),
    ("drivers", Node::Tables(DRIVERS)),
    ("classes", Node::Table(CLASSES)),
    ("rebalancing", Node::Table(REBALANCING)),
    ("progression", Node::Table(PROGRESSION)),
    ("targets", Node::Tables(TARGETS)),
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TitleToml {
    zh: String,
    en: String,
}

/// `description = "..."` or `description = { zh = "...", en = "..." }`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum DescriptionToml {
    Plain(String),
    Both(TitleToml),
}

impl Default for DescriptionToml {
    fn default() -> DescriptionToml {
        DescriptionToml::Plain(String::new())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioToml {
    title: Option<TitleToml>,
    #[serde(default)]
    description: DescriptionToml,
    base: Option<String>,
    data: Spanned<String>,
    base_year: Option<Spanned<i64>>,
    horizon: Spanned<i64>,
    draws: Option<Spanned<i64>>,
    seed: Option<Spanned<i64>>,
    sampling: Option<Spanned<String>>,
    correlation: Option<Spanned<f64>>,
    #[serde(default)]
    pipeline: PipelineToml,
    #[serde(default)]
    drivers: Vec<DriverToml>,
    #[serde(default)]
    classes: ClassesToml,
    #[serde(default)]
    rebalancing: RebalancingToml,
    #[serde(default)]
    progression: ProgressionToml,
    #[serde(default)]
    targets: Vec<TargetToml>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PipelineToml {
    pace: Option<Spanned<String>>,
    delay_scale: Option<Spanned<f64>>,
    delay_model: Option<Spanned<String>>,
    #[serde(default)]
    cancel_all: bool,
    #[serde(default)]
    cancel_batches: Vec<Spanned<String>>,
    #[serde(default)]
    cancel_projects: Vec<Spanned<String>>,
    #[serde(default)]
    extra: Vec<ExtraToml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExtraToml {
    id: Spanned<String>,
    name: String,
    area_id: Spanned<String>,
    stage: Spanned<String>,
    kind: Spanned<String>,
    school_id: Spanned<String>,
    classrooms: Spanned<i64>,
    planned_start: Spanned<String>,
    planned_completion: Spanned<String>,
    #[serde(default = "default_batch")]
    batch: String,
}

fn default_batch() -> String {
    "extra".to_owned()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DriverToml {
    driver: Spanned<String>,
    area: Option<Spanned<String>>,
    multiply: Option<Spanned<f64>>,
    low: Option<Spanned<f64>>,
    central: Option<Spanned<f64>>,
    high: Option<Spanned<f64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassesToml {
    #[serde(default)]
    standard_size: BTreeMap<String, Spanned<i64>>,
    oversized: Option<Spanned<i64>>,
    super_oversized: Option<Spanned<i64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RebalancingToml {
    max_share: Option<Spanned<f64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProgressionToml {
    averaging: Option<Spanned<String>>,
    window: Option<Spanned<i64>>,
    weights: Option<Spanned<Vec<f64>>>,
    zero_feeder: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetToml {
    id: Spanned<String>,
    title: Option<TitleToml>,
    year: Spanned<i64>,
    max_super_oversized_share: Option<Spanned<f64>>,
    max_oversized_share: Option<Spanned<f64>>,
}

/// Problems found in one scenario text, located by byte span.
struct Problems<'a> {
    path: &'a Path,
    text: &'a str,
    errs: Vec<InputError>,
}

impl Problems<'_> {
    /// 1-based line and character column of a byte offset.
    fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = self.text.get(..offset).unwrap_or(self.text);
        let line = 1 + before.matches('\n').count();
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = 1 + before[line_start..].chars().count();
        (line, column)
    }

    /// The value as written; a string without its quotes.
    fn source(&self, span: &Range<usize>) -> &str {
        let s = self.text.get(span.clone()).unwrap_or("");
        ['"', '\'']
            .iter()
            .find_map(|q| s.strip_prefix(*q).and_then(|s| s.strip_suffix(*q)))
            .unwrap_or(s)
    }

    /// A bad value of `key` at `span`; the value is quoted as written.
    fn value(&mut self, key: &str, span: Range<usize>, expected: impl Into<String>) {
        self.value_hint(key, span, expected, None);
    }

    fn value_hint(
        &mut self,
        key: &str,
        span: Range<usize>,
        expected: impl Into<String>,
        hint: Option<String>,
    ) {
        let (line, column) = self.position(span.start);
        let mut e = InputError::value(self.path, line, column, key, self.source(&span), expected);
        e.hint = hint;
        self.errs.push(e);
    }

    fn message(&mut self, span: Range<usize>, message: impl Into<String>) -> &mut InputError {
        let (line, column) = self.position(span.start);
        self.errs
            .push(InputError::message(self.path, line, column, message));
        let last = self.errs.len() - 1;
        &mut self.errs[last]
    }

    /// Checks every key of `table` against `schema`; `section` names the table in messages.
    fn walk(
        &mut self,
        table: &DeTable<'_>,
        schema: &'static [(&'static str, Node)],
        section: &str,
    ) {
        for (key, value) in table {
            let name: &str = key.get_ref();
            let Some((_, node)) = schema.iter().find(|(k, _)| *k == name) else {
                let hint = nearest(name, schema.iter().map(|(k, _)| *k))
                    .map(|k| format!("did you mean `{k}`?"));
                let e = self.message(key.span(), format!("unknown key `{name}` in {section}"));
                e.hint = Some(hint.unwrap_or_else(|| {
                    format!(
                        "valid keys: {}",
                        schema
                            .iter()
                            .map(|(k, _)| *k)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }));
                continue;
            };
            let path = if section == "[top level]" {
                name.to_owned()
            } else {
                format!("{}.{name}", section.trim_matches(['[', ']']))
            };
            match (node, value.get_ref()) {
                (Node::Table(sub), DeValue::Table(t)) => self.walk(t, sub, &format!("[{path}]")),
                (Node::Tables(sub), DeValue::Array(items)) => {
                    for item in items.iter() {
                        if let DeValue::Table(t) = item.get_ref() {
                            self.walk(t, sub, &format!("[[{path}]]"));
                        }
                    }
                }
                // Values and wrong shapes are the deserialiser's business.
                _ => {}
            }
        }
    }

    /// A TOML syntax or type error, in the words of this format.
    fn toml(&mut self, err: &toml::de::Error) {
        let span = err.span().unwrap_or(0..0);
        let message = toml_words(err.message().trim_end());
        let before = self.text.get(..span.start).unwrap_or(self.text);
        // An unclosed string runs to the end of its line (a multi-line one to the end of the
        // file): point at its opening quote.
        if message.starts_with("unclosed string") {
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            let open = self.text[line_start..]
                .find(['"', '\''])
                .map_or(span.start, |i| line_start + i);
            self.message(open..open, message);
            return;
        }
        if message.starts_with("unclosed multi-line string") {
            let open = before
                .rfind("\"\"\"")
                .into_iter()
                .chain(before.rfind("\'\'\'"))
                .max()
                .unwrap_or(span.start);
            self.message(open..open, message);
            return;
        }
        self.message(span, message);
    }

    /// An integer in `min..=max`.
    fn int(&mut self, key: &str, v: &Spanned<i64>, min: i64, max: i64, what: &str) -> Option<i64> {
        let x = *v.get_ref();
        if (min..=max).contains(&x) {
            Some(x)
        } else {
            self.value(key, v.span(), what);
            None
        }
    }

    /// A number in `min..=max`.
    fn num(&mut self, key: &str, v: &Spanned<f64>, min: f64, max: f64, what: &str) -> Option<f64> {
        let x = *v.get_ref();
        if x.is_finite() && x >= min && x <= max {
            Some(x)
        } else {
            self.value(key, v.span(), what);
            None
        }
    }

    fn year(&mut self, key: &str, v: &Spanned<i64>) -> Option<SchoolYear> {
        self.int(key, v, 1900, 2200, "a year such as 2019")
            .and_then(|y| u16::try_from(y).ok())
            .map(SchoolYear)
    }

    /// One of `names`, suggesting the nearest on a mistake.
    fn choice<T>(
        &mut self,
        key: &str,
        v: &Spanned<String>,
        names: &[&'static str],
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let parsed = parse(v.get_ref());
        if parsed.is_none() {
            let hint = nearest(v.get_ref(), names.iter().copied())
                .map(|n| format!("did you mean \"{n}\"?"));
            self.value_hint(key, v.span(), format!("one of {}", names.join(", ")), hint);
        }
        parsed
    }
}

/// A message of the TOML parser in plain words: Rust type names become what a person writes
/// (`expected i64` → `expected a whole number`).
fn toml_words(message: &str) -> String {
    if message.starts_with("invalid basic string") || message.starts_with("invalid literal string")
    {
        return "unclosed string: expected a closing quote before the end of the line".to_owned();
    }
    if message.starts_with("invalid multi-line") {
        return "unclosed multi-line string: expected its closing `\"\"\"` or `\'\'\'`".to_owned();
    }
    let mut out = message.to_owned();
    for (rust, words) in [
        ("expected i64", "expected a whole number"),
        ("expected u64", "expected a whole number"),
        ("expected u32", "expected a whole number"),
        ("expected f64", "expected a number"),
        ("expected a boolean", "expected true or false"),
        ("expected a sequence", "expected an array [ … ]"),
        ("expected a map", "expected a table"),
    ] {
        out = out.replace(rust, words);
    }
    // `expected struct TitleToml` and the like.
    if let Some(i) = out.find("expected struct ") {
        let end = out[i..].find(['\n', ',']).map_or(out.len(), |e| i + e);
        out.replace_range(i..end, "expected a table");
    }
    out = out.replace("invalid type: ", "wrong type: found ");
    out = out.replace(", expected ", ": expected ");
    out
}

/// Parses and checks the scenario text of the file `path`. `name` and `data` are derived from
/// `path` (file stem; data set folder resolved against the file's folder).
pub fn parse(path: &Path, text: &str) -> Result<Scenario, InputErrors> {
    let mut p = Problems {
        path,
        text,
        errs: Vec::new(),
    };
    let doc = match DeTable::parse(text) {
        Ok(doc) => doc,
        Err(err) => {
            p.toml(&err);
            return Err(InputErrors(p.errs));
        }
    };
    p.walk(doc.get_ref(), TOP, "[top level]");
    if !p.errs.is_empty() {
        p.errs.sort_by_key(|e| (e.line, e.column));
        return Err(InputErrors(p.errs));
    }
    let raw: ScenarioToml = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(err) => {
            p.toml(&err);
            return Err(InputErrors(p.errs));
        }
    };
    let scenario = check(&mut p, raw);
    match scenario {
        Some(s) if p.errs.is_empty() => Ok(s),
        _ => {
            p.errs.sort_by_key(|e| (e.line, e.column));
            Err(InputErrors(p.errs))
        }
    }
}

/// Checks the references of a scenario's text to its data set: driver areas, cancelled batches
/// and projects, extra projects' areas, stages and schools, stage names of class sizes, and
/// years against the enrolment history. Call after [`parse`] succeeded on the same text.
pub fn check_against(path: &Path, text: &str, data: &DataSet) -> Result<(), InputErrors> {
    check_refs(path, text, data, true)
}

/// [`check_against`] for a data set the scenario was not written for (`run --data`): only the
/// references a run cannot do without (base year, horizon, target years, cancelled projects,
/// extra projects, the values of multiplied drivers); names that would merely match nothing
/// (driver areas, batches, class sizes of other stages) are let through.
pub fn check_override(path: &Path, text: &str, data: &DataSet) -> Result<(), InputErrors> {
    check_refs(path, text, data, false)
}

fn check_refs(path: &Path, text: &str, data: &DataSet, all: bool) -> Result<(), InputErrors> {
    let mut p = Problems {
        path,
        text,
        errs: Vec::new(),
    };
    let raw: ScenarioToml = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(err) => {
            p.toml(&err);
            return Err(InputErrors(p.errs));
        }
    };
    let known =
        |p: &mut Problems<'_>, key: &str, v: &Spanned<String>, valid: &[&str], what: &str| {
            if !valid.contains(&v.get_ref().as_str()) {
                let hint = nearest(v.get_ref(), valid.iter().copied())
                    .map(|n| format!("did you mean \"{n}\"?"));
                p.value_hint(
                    key,
                    v.span(),
                    format!("{what} of the data set {}", data.dir.display()),
                    hint,
                );
            }
        };
    let areas: Vec<&str> = data.areas.iter().map(|a| a.id.as_str()).collect();
    let stages: Vec<&str> = data.stages.iter().map(|s| s.name.as_str()).collect();
    let schools: Vec<&str> = data.schools.iter().map(|s| s.id.as_str()).collect();
    let projects: Vec<&str> = data.projects.iter().map(|x| x.id.as_str()).collect();
    let mut batches: Vec<&str> = data.projects.iter().map(|x| x.batch.as_str()).collect();
    batches.sort_unstable();
    batches.dedup();

    for d in &raw.drivers {
        if let Some(a) = &d.area
            && a.get_ref() != "*"
            && all
        {
            known(&mut p, "drivers.area", a, &areas, "`*` or an area_id");
        }
        if let (Some(m), Some(driver)) = (&d.multiply, Driver::parse(d.driver.get_ref())) {
            multiplied(&mut p, data, d, driver, m);
        }
    }
    for b in raw.pipeline.cancel_batches.iter().filter(|_| all) {
        known(&mut p, "pipeline.cancel_batches", b, &batches, "a batch");
    }
    for x in &raw.pipeline.cancel_projects {
        known(
            &mut p,
            "pipeline.cancel_projects",
            x,
            &projects,
            "a project_id",
        );
    }
    let new_schools: Vec<&str> = data
        .projects
        .iter()
        .filter(|x| x.kind == ProjectKind::NewSchool)
        .map(|x| x.school_id.as_str())
        .collect();
    for e in &raw.pipeline.extra {
        if projects.contains(&e.id.get_ref().as_str()) {
            p.value(
                "pipeline.extra.id",
                e.id.span(),
                "an id not in the data set's projects.csv",
            );
        }
        known(
            &mut p,
            "pipeline.extra.area_id",
            &e.area_id,
            &areas,
            "an area_id",
        );
        known(&mut p, "pipeline.extra.stage", &e.stage, &stages, "a stage");
        let sid = e.school_id.get_ref().as_str();
        match ProjectKind::parse(e.kind.get_ref()) {
            Some(ProjectKind::Expansion) => {
                let mut valid = schools.clone();
                valid.extend(&new_schools);
                known(
                    &mut p,
                    "pipeline.extra.school_id",
                    &e.school_id,
                    &valid,
                    "an existing or planned school_id",
                );
            }
            Some(ProjectKind::NewSchool)
                if schools.contains(&sid) || new_schools.contains(&sid) =>
            {
                p.value(
                    "pipeline.extra.school_id",
                    e.school_id.span(),
                    "an id of no school and no planned new school (a new school)",
                );
            }
            Some(ProjectKind::NewSchool) | None => {}
        }
    }
    for (stage, size) in raw.classes.standard_size.iter().filter(|_| all) {
        if !stages.contains(&stage.as_str()) {
            let hint =
                nearest(stage, stages.iter().copied()).map(|n| format!("did you mean `{n}`?"));
            p.value_hint(
                &format!("classes.standard_size.{stage}"),
                size.span(),
                format!("a stage of the data set: {}", stages.join(", ")),
                hint,
            );
        }
    }
    let first = data.enrolment.iter().map(|e| e.year).min();
    let last = data.base_year();
    if let (Some(b), Some(first), Some(last)) = (&raw.base_year, first, last)
        && *b.get_ref() != i64::from(last.0)
    {
        // A run starts from the latest counts: the base year can only be that year.
        p.value(
            "base_year",
            b.span(),
            format!(
                "the data set's base year {last}, its latest enrolment year (history {first}–{last})"
            ),
        );
    }
    let base = raw
        .base_year
        .as_ref()
        .map(|b| *b.get_ref())
        .or(last.map(|l| i64::from(l.0)));
    if let Some(base) = base {
        if *raw.horizon.get_ref() < base {
            p.value(
                "horizon",
                raw.horizon.span(),
                format!("a year ≥ the base year ({base})"),
            );
        }
        for t in &raw.targets {
            if *t.year.get_ref() < base {
                p.value(
                    "targets.year",
                    t.year.span(),
                    format!("a year ≥ the base year ({base})"),
                );
            }
        }
    }
    if p.errs.is_empty() {
        Ok(())
    } else {
        p.errs.sort_by_key(|e| (e.line, e.column));
        Err(InputErrors(p.errs))
    }
}

/// Checks that `multiply` keeps every value of the data set's rows for the driver (and the
/// override's areas) within the driver's range, as `growth.csv` requires.
fn multiplied(
    p: &mut Problems<'_>,
    data: &DataSet,
    d: &DriverToml,
    driver: Driver,
    m: &Spanned<f64>,
) {
    let area = d.area.as_ref().map(|a| a.get_ref().as_str());
    for g in data.growth.iter().filter(|g| g.driver == driver) {
        let applies = match (area, &g.area) {
            (None | Some("*"), _) | (_, AreaSel::All) => true,
            (Some(a), AreaSel::Area(b)) => a == b,
        };
        let v = g.value;
        let bad = [("low", v.low), ("central", v.central), ("high", v.high)]
            .into_iter()
            .find_map(|(col, x)| {
                check_driver_value(driver, x * m.get_ref())
                    .err()
                    .map(|what| (col, x, what))
            });
        if applies && let Some((col, x, what)) = bad {
            let area = match &g.area {
                AreaSel::All => "*".to_owned(),
                AreaSel::Area(a) => a.clone(),
            };
            p.value(
                "drivers.multiply",
                m.span(),
                format!(
                    "a factor that keeps {} {what} (growth.csv, area {area}: {col} {x} × {} = {})",
                    driver.as_str(),
                    m.get_ref(),
                    x * m.get_ref()
                ),
            );
            return;
        }
    }
}

fn check(p: &mut Problems<'_>, raw: ScenarioToml) -> Option<Scenario> {
    let name = p
        .path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (title_zh, title_en) = match raw.title {
        Some(t) => (t.zh, t.en),
        None => (name.clone(), name.clone()),
    };
    let (description_zh, description_en) = match raw.description {
        DescriptionToml::Plain(d) => (d.clone(), d),
        DescriptionToml::Both(t) => (t.zh, t.en),
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
            base: raw.base,
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
fn normalise(path: &Path) -> PathBuf {
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

fn extras(p: &mut Problems<'_>, raw: &[ExtraToml]) -> Option<Vec<ExtraProject>> {
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
            i64::from(crate::io::dataset::MAX_CLASSROOMS),
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

fn drivers(p: &mut Problems<'_>, raw: &[DriverToml]) -> Option<Vec<DriverOverride>> {
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

fn classes(p: &mut Problems<'_>, raw: &ClassesToml) -> Option<ClassRules> {
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

fn progression(p: &mut Problems<'_>, raw: &ProgressionToml) -> Option<RatioOptions> {
    const NAMES: [&str; 6] = ["mean", "pooled", "geometric", "median", "last", "weighted"];
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
        Some(a) => p.choice("progression.averaging", a, &NAMES, |s| match s {
            "mean" => Some(Averaging::Mean),
            "pooled" => Some(Averaging::Pooled),
            "geometric" => Some(Averaging::Geometric),
            "median" => Some(Averaging::Median),
            "last" => Some(Averaging::Last),
            "weighted" => Some(Averaging::Weighted(Vec::new())),
            _ => None,
        }),
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
            &["zero", "skip", "error"],
            |s| match s {
                "zero" => Some(ZeroFeeder::Zero),
                "skip" => Some(ZeroFeeder::Skip),
                "error" => Some(ZeroFeeder::Error),
                _ => None,
            },
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

fn targets(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> String {
        match parse(Path::new("scenarios/x.toml"), text) {
            Ok(s) => panic!("expected errors, got {s:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn minimal_scenario_gets_the_defaults() {
        let s = parse(
            Path::new("scenarios/plan.toml"),
            "data = \"../data/hengyang-2019\"\nhorizon = 2025\n",
        )
        .unwrap();
        assert_eq!(s.name, "plan");
        assert_eq!(s.title_en, "plan");
        assert_eq!(s.data, PathBuf::from("data/hengyang-2019"));
        assert_eq!(s.base_year, None);
        assert_eq!(s.horizon, SchoolYear(2025));
        assert_eq!(s.draws, DEFAULT_DRAWS);
        assert_eq!(s.seed, 2019);
        assert_eq!(s.sampling, Sampling::Pert);
        assert_eq!(s.correlation, 0.5);
        assert_eq!(s.pace, Pace::Plan);
        assert_eq!(s.classes, ClassRules::default());
        assert_eq!(
            s.rebalancing, 0.0,
            "redistricting is off unless a scenario turns it on"
        );
        assert_eq!(s.progression, RatioOptions::default());
        assert!(s.targets.is_empty() && s.drivers.is_empty() && s.extra_projects.is_empty());
    }

    #[test]
    fn description_in_two_languages_or_one_and_an_optional_base() {
        let both = parse(
            Path::new("s/b.toml"),
            "description = { zh = \"甲\", en = \"A\" }\nbase = \"current-pace\"\ndata = \"d\"\nhorizon = 2022\n",
        )
        .unwrap();
        assert_eq!(both.description_in(true), "甲");
        assert_eq!(both.description_in(false), "A");
        assert_eq!(both.meta.base.as_deref(), Some("current-pace"));
        let plain = parse(
            Path::new("s/p.toml"),
            "description = \"Same\"\ndata = \"d\"\nhorizon = 2022\n",
        )
        .unwrap();
        assert_eq!(plain.description_in(true), "Same");
        assert_eq!(plain.description_in(false), "Same");
        assert_eq!(plain.meta.base, None);
    }

    #[test]
    fn every_section_is_read() {
        let text = r#"
title = { zh = "测试", en = "Test" }
description = "What if."
data = "d"
base_year = 2019
horizon = 2022
draws = 50
seed = 7
sampling = "triangular"
correlation = 1

[pipeline]
pace = "current-pace"
cancel_all = false
cancel_batches = ["start-2019"]
cancel_projects = ["P1"]

[[pipeline.extra]]
id = "E1"
name = "新校"
area_id = "A"
stage = "primary"
kind = "new_school"
school_id = "NEW1"
classrooms = 24
planned_start = "2020-03"
planned_completion = "2021-08"

[[drivers]]
driver = "migrant_inflow"
multiply = 1.5

[[drivers]]
driver = "birth_change"
area = "A"
low = -0.12
central = -0.08
high = -0.04

[classes]
standard_size = { primary = 40 }
oversized = 50
super_oversized = 60

[rebalancing]
max_share = 0

[progression]
averaging = "weighted"
window = 2
weights = [2, 1]
zero_feeder = "skip"

[[targets]]
id = "t"
year = 2020
max_oversized_share = 0.05
"#;
        let s = parse(Path::new("x.toml"), text).unwrap();
        assert_eq!(s.title_zh, "测试");
        assert_eq!(s.data, PathBuf::from("d"));
        assert_eq!(s.base_year, Some(SchoolYear(2019)));
        assert_eq!(s.correlation, 1.0);
        assert_eq!(s.pace, Pace::CurrentPace);
        assert_eq!(s.cancel.batches, vec!["start-2019"]);
        assert_eq!(s.extra_projects[0].batch, "extra");
        assert_eq!(s.extra_projects[0].kind, ProjectKind::NewSchool);
        assert_eq!(s.drivers[0].change, DriverChange::Multiply(1.5));
        assert_eq!(s.drivers[0].area, AreaSel::All);
        assert_eq!(s.drivers[1].area, AreaSel::Area("A".into()));
        assert_eq!(s.classes.standard_size["primary"], 40);
        assert_eq!(s.classes.super_oversized, 60);
        assert_eq!(s.rebalancing, 0.0);
        assert_eq!(s.progression.averaging, Averaging::Weighted(vec![2.0, 1.0]));
        assert_eq!(s.progression.window, Some(2));
        assert_eq!(s.targets[0].max_super_oversized_share, None);
        assert_eq!(s.targets[0].title_en, "t");
    }

    #[test]
    fn unknown_keys_everywhere_are_reported_with_suggestions() {
        let text = "data = \"d\"\nhorizn = 2025\n[pipeline]\npase = \"plan\"\n[[targets]]\nid = \"t\"\nyaer = 2020\ntitle = { zh = \"a\", fr = \"b\" }\n";
        insta::assert_snapshot!(errors(text), @r#"
        scenarios/x.toml:2:1: unknown key `horizn` in [top level]; did you mean `horizon`?
        scenarios/x.toml:4:1: unknown key `pase` in [pipeline]; did you mean `pace`?
        scenarios/x.toml:7:1: unknown key `yaer` in [[targets]]; did you mean `year`?
        scenarios/x.toml:8:21: unknown key `fr` in [targets.title]; valid keys: zh, en
        "#);
    }

    #[test]
    fn bad_values_are_all_reported_with_line_and_column() {
        let text = "data = \"d\"\nbase_year = 2019\nhorizon = 2018\ndraws = 0\ncorrelation = 1.5\n\
                    [pipeline]\npace = \"fast\"\n\
                    [[pipeline.extra]]\nid = \"E\"\nname = \"n\"\narea_id = \"A\"\nstage = \"primary\"\nkind = \"expansion\"\nschool_id = \"S\"\nclassrooms = 6\nplanned_start = \"2020-3\"\nplanned_completion = \"2021-08\"\n";
        insta::assert_snapshot!(errors(text), @r#"
        scenarios/x.toml:3:11: horizon = "2018": expected a year ≥ base_year (2019)
        scenarios/x.toml:4:9: draws = "0": expected a whole number between 1 and 1000000
        scenarios/x.toml:5:15: correlation = "1.5": expected a weight between 0 and 1
        scenarios/x.toml:7:8: pipeline.pace = "fast": expected one of plan, current-pace, accelerated
        scenarios/x.toml:16:17: pipeline.extra.planned_start = "2020-3": expected a date "YYYY-MM" such as "2020-08"
        "#);
    }

    #[test]
    fn syntax_and_type_errors_point_at_the_spot() {
        assert_eq!(
            errors("data = \"d\"\nhorizon = \"soon\"\n"),
            "scenarios/x.toml:2:11: wrong type: found string \"soon\": expected a whole number"
        );
        assert!(errors("data = \"d\"\nhorizon = \n").starts_with("scenarios/x.toml:2:"));
        assert!(errors("horizon = 2025\n").contains("missing field `data`"));
    }

    #[test]
    fn driver_overrides_need_multiply_or_three_points() {
        let text = "data = \"d\"\nhorizon = 2025\n[[drivers]]\ndriver = \"migrant_inflow\"\nlow = 1\n[[drivers]]\ndriver = \"births\"\nmultiply = 2\n";
        insta::assert_snapshot!(errors(text), @r#"
        scenarios/x.toml:4:10: driver override `migrant_inflow`: expected either `multiply` or all three of `low`, `central`, `high`
        scenarios/x.toml:7:10: drivers.driver = "births": expected one of birth_change, entry_ratio, progression_factor, migrant_inflow, migrant_change, returning_inflow, returning_change, rural_to_town_rate; did you mean "birth_change"?
        "#);
    }
}
