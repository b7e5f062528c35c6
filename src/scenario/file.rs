//! The scenario file format: `scenarios/*.toml` parsed once into its serde mirror
//! ([`super::mirror`]), keeping every value's span, then checked into a [`Scenario`]
//! ([`super::values`]) and, given its data set, its references ([`super::references`]); every
//! problem is reported as `path:line:column` ([`super::diagnostics`]).
//!
//! Parsing happens in three passes over one parsed document: TOML syntax, then every key against
//! the format's schema (so that all unknown keys are reported at once, each with the nearest
//! valid key), then values. This module reads nothing but the scenario text it is given; the
//! data set is not opened here.

use std::path::{Path, PathBuf};

use super::Scenario;
use super::diagnostics::Problems;
use super::mirror::ScenarioToml;
use super::{references, values};
use crate::input::InputErrors;
use crate::model::DataSet;

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

/// Parses and checks the scenario text of the file `path`. `name` and `data` are derived from
/// `path` (file stem; data set folder resolved against the file's folder).
pub fn parse(path: &Path, text: &str) -> Result<Scenario, InputErrors> {
    parse_with_references(path, text.to_owned()).map(|(s, _)| s)
}

/// [`parse`], keeping the parsed file (its mirror with every span) for checking its references
/// against a data set later, without parsing it again.
pub fn parse_with_references(
    path: &Path,
    text: String,
) -> Result<(Scenario, References), InputErrors> {
    let mut p = Problems {
        path,
        text: &text,
        errs: Vec::new(),
    };
    let Some(raw) = p.mirror() else {
        return Err(InputErrors(p.errs));
    };
    let scenario = values::check(&mut p, &raw);
    match scenario {
        Some(s) if p.errs.is_empty() => Ok((
            s,
            References {
                path: path.to_path_buf(),
                text,
                raw,
            },
        )),
        _ => {
            p.errs.sort_by_key(|e| (e.line, e.column));
            Err(InputErrors(p.errs))
        }
    }
}

/// A scenario file as parsed, its values' spans kept: what its references to a data set are
/// checked on.
#[derive(Debug)]
pub struct References {
    path: PathBuf,
    text: String,
    raw: ScenarioToml,
}

impl References {
    /// Checks the references of the scenario to its data set: driver areas, cancelled batches
    /// and projects, extra projects' areas, stages and schools, stage names of class sizes, and
    /// years against the enrolment history.
    pub fn check_against(&self, data: &DataSet) -> Result<(), InputErrors> {
        references::check_refs(&self.path, &self.text, &self.raw, data, true)
    }

    /// [`References::check_against`] for a data set the scenario was not written for
    /// (`run --data`): only the references a run cannot do without (base year, horizon, target
    /// years, cancelled projects, extra projects, the values of multiplied drivers); names that
    /// would merely match nothing (driver areas, batches, class sizes of other stages) are let
    /// through.
    pub fn check_override(&self, data: &DataSet) -> Result<(), InputErrors> {
        references::check_refs(&self.path, &self.text, &self.raw, data, false)
    }
}

/// Parses the scenario text of `path` and checks its references against `data` (see
/// [`References::check_against`]).
pub fn check_against(path: &Path, text: &str, data: &DataSet) -> Result<(), InputErrors> {
    parse_with_references(path, text.to_owned())?
        .1
        .check_against(data)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::model::progression::{Averaging, RatioOptions};
    use crate::model::{AreaSel, ProjectKind, SchoolYear};
    use crate::scenario::{ClassRules, DriverChange, Pace, Sampling};

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
