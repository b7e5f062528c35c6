//! Charts (plotters) and the HTML report. (Placeholder until the charts branch lands.)

use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::engine::results::ScenarioResult;
use crate::model::DataSet;
use crate::scenario::Scenario;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl FromStr for Lang {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "zh" => Ok(Lang::Zh),
            "en" => Ok(Lang::En),
            _ => anyhow::bail!("--lang {s}: expected zh or en"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Png,
    Svg,
}

impl FromStr for Format {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "png" => Ok(Format::Png),
            "svg" => Ok(Format::Svg),
            _ => anyhow::bail!("--format {s}: expected png or svg"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChartOptions {
    pub lang: Lang,
    pub formats: Vec<Format>,
    pub generated: String,
}

pub struct RunView<'a> {
    pub scenario: &'a Scenario,
    pub data: &'a DataSet,
    pub result: &'a ScenarioResult,
}

pub fn write_scenario_charts(_run: &RunView, _opts: &ChartOptions, _dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    Ok(Vec::new())
}

pub fn write_compare_charts(_runs: &[RunView], _opts: &ChartOptions, _dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    Ok(Vec::new())
}

pub fn write_report(_runs: &[RunView], _opts: &ChartOptions, _dir: &Path, _charts: &[PathBuf]) -> anyhow::Result<PathBuf> {
    Ok(PathBuf::new())
}
