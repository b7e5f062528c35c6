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
    lang.pick(
        "学年（2019 = 2019/20学年，9月1日开学）",
        "School year (2019 = 2019/20, opens 1 September)",
    )
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
    lang.pick("班级数（个）", "Classes (count)")
}

pub fn cleared_axis(lang: Lang) -> &'static str {
    lang.pick(
        "比基年减少的大班额（个）",
        "Oversized classes cleared since the base year (count)",
    )
}

pub fn shortfall_axis(lang: Lang) -> &'static str {
    lang.pick(
        "学位缺口（个学位，各校超出学位的学生数之和）",
        "Shortfall (places: pupils above places, summed per school)",
    )
}

pub fn demand_axis(lang: Lang) -> &'static str {
    lang.pick(
        "当年新增学生（人/年）",
        "Pupils added in the year (pupils per year)",
    )
}

pub fn projects_axis(lang: Lang) -> &'static str {
    lang.pick(
        "9月1日前已投用项目累计（个）",
        "Projects open by 1 September, cumulative (count)",
    )
}

pub fn band(lang: Lang) -> &'static str {
    lang.pick("P10–P90区间", "P10–P90 range")
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

/// The source line under every chart: scenario(s), data set, seed, draws, date, tool version.
pub fn source(runs: &[RunView], opts: &ChartOptions) -> String {
    let lang = opts.lang;
    let mut names: Vec<&str> = runs.iter().map(|r| r.scenario.name.as_str()).collect();
    names.dedup();
    let mut data: Vec<&str> = runs.iter().map(|r| r.data.name.as_str()).collect();
    data.sort_unstable();
    data.dedup();
    let mut seeds: Vec<String> = runs.iter().map(|r| r.scenario.seed.to_string()).collect();
    seeds.sort_unstable();
    seeds.dedup();
    let mut draws: Vec<u32> = runs.iter().map(|r| r.result.draws).collect();
    draws.sort_unstable();
    draws.dedup();
    let draws: Vec<String> = draws
        .iter()
        .map(|d| super::series::thousands(f64::from(*d)))
        .collect();
    let version = env!("CARGO_PKG_VERSION");
    match lang {
        Lang::Zh => format!(
            "来源：placeplan {version}；情景 {}；数据集 {}；随机种子 {}；模拟 {} 次；生成日期 {}",
            names.join("、"),
            data.join("、"),
            seeds.join("、"),
            draws.join("、"),
            opts.generated
        ),
        Lang::En => format!(
            "Source: placeplan {version}; scenario {}; data set {}; seed {}; {} draws; generated {}",
            names.join(", "),
            data.join(", "),
            seeds.join(", "),
            draws.join(", "),
            opts.generated
        ),
    }
}
