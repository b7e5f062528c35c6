//! The serde mirror of a scenario file (`scenarios/*.toml`), every value with its span, and the
//! schema of keys each table may hold (for reporting all unknown keys at once).
//!
//! Shapes only: no value is checked here (that is [`super::values`]) and nothing is read.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

/// The shape of the format: which keys each table may hold.
pub(super) enum Node {
    Value,
    Table(&'static [(&'static str, Node)]),
    /// An array of tables (`[[drivers]]`).
    Tables(&'static [(&'static str, Node)]),
    /// A table whose keys are data (stage names).
    AnyKeys,
}

pub(super) const TITLE: &[(&str, Node)] = &[("zh", Node::Value), ("en", Node::Value)];
pub(super) const EXTRA: &[(&str, Node)] = &[
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
pub(super) const PIPELINE: &[(&str, Node)] = &[
    ("pace", Node::Value),
    ("delay_scale", Node::Value),
    ("delay_model", Node::Value),
    ("cancel_all", Node::Value),
    ("cancel_batches", Node::Value),
    ("cancel_projects", Node::Value),
    ("extra", Node::Tables(EXTRA)),
];
pub(super) const DRIVERS: &[(&str, Node)] = &[
    ("driver", Node::Value),
    ("area", Node::Value),
    ("multiply", Node::Value),
    ("low", Node::Value),
    ("central", Node::Value),
    ("high", Node::Value),
];
pub(super) const CLASSES: &[(&str, Node)] = &[
    ("standard_size", Node::AnyKeys),
    ("oversized", Node::Value),
    ("super_oversized", Node::Value),
];
pub(super) const REBALANCING: &[(&str, Node)] = &[("max_share", Node::Value)];
pub(super) const PROGRESSION: &[(&str, Node)] = &[
    ("averaging", Node::Value),
    ("window", Node::Value),
    ("weights", Node::Value),
    ("zero_feeder", Node::Value),
];
pub(super) const TARGETS: &[(&str, Node)] = &[
    ("id", Node::Value),
    ("title", Node::Table(TITLE)),
    ("year", Node::Value),
    ("max_super_oversized_share", Node::Value),
    ("max_oversized_share", Node::Value),
];
pub(super) const TOP: &[(&str, Node)] = &[
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
pub(super) struct TitleToml {
    pub(super) zh: String,
    pub(super) en: String,
}

/// `description = "..."` or `description = { zh = "...", en = "..." }`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum DescriptionToml {
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
pub(super) struct ScenarioToml {
    pub(super) title: Option<TitleToml>,
    #[serde(default)]
    pub(super) description: DescriptionToml,
    pub(super) base: Option<String>,
    pub(super) data: Spanned<String>,
    pub(super) base_year: Option<Spanned<i64>>,
    pub(super) horizon: Spanned<i64>,
    pub(super) draws: Option<Spanned<i64>>,
    pub(super) seed: Option<Spanned<i64>>,
    pub(super) sampling: Option<Spanned<String>>,
    pub(super) correlation: Option<Spanned<f64>>,
    #[serde(default)]
    pub(super) pipeline: PipelineToml,
    #[serde(default)]
    pub(super) drivers: Vec<DriverToml>,
    #[serde(default)]
    pub(super) classes: ClassesToml,
    #[serde(default)]
    pub(super) rebalancing: RebalancingToml,
    #[serde(default)]
    pub(super) progression: ProgressionToml,
    #[serde(default)]
    pub(super) targets: Vec<TargetToml>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PipelineToml {
    pub(super) pace: Option<Spanned<String>>,
    pub(super) delay_scale: Option<Spanned<f64>>,
    pub(super) delay_model: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) cancel_all: bool,
    #[serde(default)]
    pub(super) cancel_batches: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) cancel_projects: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) extra: Vec<ExtraToml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ExtraToml {
    pub(super) id: Spanned<String>,
    pub(super) name: String,
    pub(super) area_id: Spanned<String>,
    pub(super) stage: Spanned<String>,
    pub(super) kind: Spanned<String>,
    pub(super) school_id: Spanned<String>,
    pub(super) classrooms: Spanned<i64>,
    pub(super) planned_start: Spanned<String>,
    pub(super) planned_completion: Spanned<String>,
    #[serde(default = "default_batch")]
    pub(super) batch: String,
}

pub(super) fn default_batch() -> String {
    "extra".to_owned()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DriverToml {
    pub(super) driver: Spanned<String>,
    pub(super) area: Option<Spanned<String>>,
    pub(super) multiply: Option<Spanned<f64>>,
    pub(super) low: Option<Spanned<f64>>,
    pub(super) central: Option<Spanned<f64>>,
    pub(super) high: Option<Spanned<f64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ClassesToml {
    #[serde(default)]
    pub(super) standard_size: BTreeMap<String, Spanned<i64>>,
    pub(super) oversized: Option<Spanned<i64>>,
    pub(super) super_oversized: Option<Spanned<i64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RebalancingToml {
    pub(super) max_share: Option<Spanned<f64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ProgressionToml {
    pub(super) averaging: Option<Spanned<String>>,
    pub(super) window: Option<Spanned<i64>>,
    pub(super) weights: Option<Spanned<Vec<f64>>>,
    pub(super) zero_feeder: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TargetToml {
    pub(super) id: Spanned<String>,
    pub(super) title: Option<TitleToml>,
    pub(super) year: Spanned<i64>,
    pub(super) max_super_oversized_share: Option<Spanned<f64>>,
    pub(super) max_oversized_share: Option<Spanned<f64>>,
}
