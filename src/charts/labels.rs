//! The words of the charts and the report, in Chinese and English: titles, axis labels with
//! their units, legend entries and the source line.
//!
//! Text only; nothing here draws. Every axis label names its unit.

use super::{ChartOptions, Lang, RunView};
use crate::scenario::Pace;

/// A scenario's title in the chart language.
pub fn scenario_title<'a>(run: &'a RunView, lang: Lang) -> &'a str {
    lang.pick(&run.scenario.title_zh, &run.scenario.title_en)
}

pub fn pace(pace: Pace, lang: Lang) -> &'static str {
    match pace {
        Pace::Plan => lang.pick("按计划", "on schedule"),
        Pace::CurrentPace => lang.pick("按现行进度", "at the current pace"),
        Pace::Accelerated(_) => lang.pick("加快推进", "accelerated"),
    }
}

/// X axis of the time charts.
pub fn school_year_axis(lang: Lang) -> &'static str {
    lang.pick("学年（2019 = 2019/20学年）", "School year (2019 = 2019/20)")
}

/// An area's name in the chart language: the English name when the data set has one, else
/// the area's name as written.
pub fn area_name(area: &crate::model::Area, lang: Lang) -> &str {
    match (lang, &area.name_en) {
        (Lang::En, Some(en)) => en,
        _ => &area.name,
    }
}

/// Y axis of the share charts.
pub fn share_axis(threshold: u32, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{threshold}人及以上班级占比"),
        Lang::En => format!("Share of classes {threshold}+"),
    }
}

/// "Oversized classes (56+ pupils)" with the scenario's threshold.
pub fn oversized(threshold: u32, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("大班额（{threshold}人及以上）"),
        Lang::En => format!("Oversized classes ({threshold}+ pupils)"),
    }
}

pub fn super_oversized(threshold: u32, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("超大班额（{threshold}人及以上）"),
        Lang::En => format!("Super-oversized classes ({threshold}+ pupils)"),
    }
}

pub fn classes_axis(lang: Lang) -> &'static str {
    lang.pick("班级数（个）", "Classes")
}

pub fn cleared_axis(lang: Lang) -> &'static str {
    lang.pick("比基年减少的大班额（个）", "Oversized classes cleared")
}

pub fn shortfall_axis(lang: Lang) -> &'static str {
    lang.pick("学位缺口（个学位）", "Shortfall (places)")
}

pub fn demand_axis(lang: Lang) -> &'static str {
    lang.pick("在校生变化（人/年）", "Change in pupils per year")
}

pub fn whisker(lang: Lang) -> &'static str {
    lang.pick("误差线：P10–P90", "whiskers: P10–P90")
}

pub fn by_year(year: u16, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("至{year}年"),
        Lang::En => format!("by {year}"),
    }
}

pub fn year(year: u16, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{year}年"),
        Lang::En => year.to_string(),
    }
}

/// The source line under every chart: tool, data set, scenario(s), seed, draws, date.
pub fn source(runs: &[RunView], opts: &ChartOptions) -> String {
    let lang = opts.lang;
    let distinct = |mut v: Vec<String>| {
        v.sort_unstable();
        v.dedup();
        v
    };
    let names: Vec<String> = runs.iter().map(|r| r.scenario.name.clone()).collect();
    let scenarios = if names.len() > 2 {
        match lang {
            Lang::Zh => format!("{}个情景", names.len()),
            Lang::En => format!("{} scenarios", names.len()),
        }
    } else {
        let names: Vec<&str> = runs.iter().map(|r| scenario_title(r, lang)).collect();
        names.join(lang.pick("、", ", "))
    };
    let data = distinct(runs.iter().map(|r| r.data.name.clone()).collect());
    let seeds = distinct(runs.iter().map(|r| r.scenario.seed.to_string()).collect());
    let draws = distinct(
        runs.iter()
            .map(|r| super::series::thousands(f64::from(r.result.draws)))
            .collect(),
    );
    let version = env!("CARGO_PKG_VERSION");
    match lang {
        Lang::Zh => format!(
            "来源：placeplan {version}，数据集{}，{scenarios}，种子{}，模拟{}次，{}",
            data.join("、"),
            seeds.join("、"),
            draws.join("、"),
            opts.generated
        ),
        Lang::En => format!(
            "Source: placeplan {version}, data set {}, {scenarios}, seed {}, {} draws, {}",
            data.join(", "),
            seeds.join(", "),
            draws.join(", "),
            opts.generated
        ),
    }
}
