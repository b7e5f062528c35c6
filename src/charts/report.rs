//! `report.html`: one run's key figures, charts and assumptions, for a planner to read in a
//! browser and copy into a memo.
//!
//! The page is self-contained (charts and the bundled font, pruned to the page's characters,
//! embedded as base64; no network request, no script) and prints on A4. It reads results and
//! the charts already drawn; it never draws a chart and never touches a file.

use std::fmt::Write as _;
use std::path::Path;

use base64::Engine as _;

use super::font::{FAMILY, FONT_BYTES, pruned_font};
use super::labels;
use super::markup::esc;
use super::series::{self, CITY};
use super::{ChartOptions, CompareChart, Lang, Rendered, RunView, ScenarioChart};
use crate::engine::results::Metric;

/// File name of the report.
pub const REPORT_FILE: &str = "report.html";

/// `report.html`, named [`REPORT_FILE`].
///
/// `scenario_charts[i]` are the charts [`super::scenario_charts`] drew for `runs[i]`;
/// `compare_charts` those of [`super::compare_charts`]. Each chart is embedded once, as SVG
/// when it was drawn, else as PNG; a chart that was not drawn is left out.
pub fn report(
    runs: &[RunView],
    opts: &ChartOptions,
    scenario_charts: &[Vec<Rendered>],
    compare_charts: &[Rendered],
) -> anyhow::Result<Rendered> {
    let html = render(runs, opts, scenario_charts, compare_charts)?;
    Ok(Rendered {
        name: REPORT_FILE.to_owned(),
        bytes: html.into_bytes(),
    })
}

/// The chart with this stem among `files`: SVG preferred (vector, so the printed report is
/// sharp, and a tenth of the PNG's size), else PNG.
fn find_chart<'p>(files: &'p [Rendered], stem: &str) -> Option<&'p Rendered> {
    let matches = |f: &&Rendered, ext: &str| {
        let p = Path::new(&f.name);
        p.file_stem().is_some_and(|s| s == stem) && p.extension().is_some_and(|e| e == ext)
    };
    files
        .iter()
        .find(|p| matches(p, "svg"))
        .or_else(|| files.iter().find(|p| matches(p, "png")))
}

/// An `<img>` of the chart, embedded.
fn figure(out: &mut String, chart: &Rendered, alt: &str) -> anyhow::Result<()> {
    let mime = if Path::new(&chart.name)
        .extension()
        .is_some_and(|e| e == "svg")
    {
        "image/svg+xml"
    } else {
        "image/png"
    };
    let data = base64::engine::general_purpose::STANDARD.encode(&chart.bytes);
    writeln!(
        out,
        "<figure><img class=\"chart\" alt=\"{}\" data-file=\"{}\" src=\"data:{mime};base64,{data}\"></figure>",
        esc(alt),
        esc(&chart.name)
    )?;
    Ok(())
}

/// The median of the draws with its P10–P90 range below it.
fn median_range(p: Option<series::Point>) -> String {
    match p {
        // An observed year (the base year) has no spread: show the count alone.
        Some(p) if p.p10 == p.p50 && p.p90 == p.p50 => series::thousands(p.p50),
        Some(p) => format!(
            "{}<br><span class=\"range\">{}–{}</span>",
            series::thousands(p.p50),
            series::thousands(p.p10),
            series::thousands(p.p90)
        ),
        None => "–".to_string(),
    }
}

/// The year a scenario's finding speaks of: its last share-target year, else its horizon.
fn finding_year(run: &RunView) -> u16 {
    super::headline::share_target_years(std::slice::from_ref(run))
        .last()
        .copied()
        .unwrap_or(run.result.horizon.0)
}

/// One line on a scenario: share of oversized classes, P(target met), super-oversized
/// classes and shortfall in the year it is judged by.
fn finding(run: &RunView, lang: Lang) -> String {
    let year = finding_year(run);
    let name = labels::scenario_title(run, lang);
    let share = series::oversized_share(run.result, CITY)
        .into_iter()
        .find(|p| p.year == year);
    let p = super::headline::p_share_target(run, year);
    let sup = series::point(run.result, Metric::SuperOversizedClasses, year, CITY);
    let short = series::point(run.result, Metric::Shortfall, year, CITY);
    let moved = super::cleared::pupils_moved_by(run, year).unwrap_or(0.0);
    let o = run.scenario.classes.oversized;
    let so = run.scenario.classes.super_oversized;
    let mut parts = Vec::new();
    match lang {
        Lang::Zh => {
            if let Some(s) = share {
                parts.push(format!(
                    "{o}人及以上大班额占{}（P10–P90：{}–{}）",
                    series::share(s.p50),
                    series::share(s.p10),
                    series::share(s.p90)
                ));
            }
            if let Some(p) = p {
                parts.push(format!("达标概率{}", series::percent(p)));
            }
            if let Some(s) = sup {
                parts.push(format!(
                    "{so}人及以上超大班额{}个",
                    series::thousands(s.p50)
                ));
            }
            if let Some(s) = short {
                parts.push(format!("学位缺口{}个", series::thousands(s.p50)));
            }
            if moved > 0.0 {
                parts.push(format!("累计分流学生{}人", series::thousands(moved)));
            }
            format!("<b>{}</b>：{year}年{}。", esc(name), parts.join("，"))
        }
        Lang::En => {
            if let Some(s) = share {
                parts.push(format!(
                    "{} of classes have {o}+ pupils (P10–P90: {}–{})",
                    series::share(s.p50),
                    series::share(s.p10),
                    series::share(s.p90)
                ));
            }
            if let Some(p) = p {
                parts.push(format!("P(target met) {}", series::percent(p)));
            }
            if let Some(s) = sup {
                parts.push(format!("{} classes of {so}+", series::thousands(s.p50)));
            }
            if let Some(s) = short {
                parts.push(format!("shortfall {} places", series::thousands(s.p50)));
            }
            if moved > 0.0 {
                parts.push(format!("{} pupils moved", series::thousands(moved)));
            }
            format!("<b>{}</b>: in {year}, {}.", esc(name), parts.join("; "))
        }
    }
}

/// The scenario × target grid of P(target met): one row per scenario, one column per target.
fn target_grid(o: &mut String, runs: &[RunView], lang: Lang) -> anyhow::Result<()> {
    let mut targets: Vec<&crate::scenario::Target> = Vec::new();
    for t in runs.iter().flat_map(|r| r.scenario.targets.iter()) {
        if !targets.iter().any(|u| u.id == t.id && u.year == t.year) {
            targets.push(t);
        }
    }
    if targets.is_empty() {
        return Ok(());
    }
    targets.sort_by_key(|t| (t.year, t.id.clone()));
    writeln!(
        o,
        "<h2>{}</h2>\n<table class=\"grid\"><thead><tr><th>{}</th>",
        lang.pick("实现目标的概率", "Probability of meeting each target"),
        lang.pick("情景", "Scenario")
    )?;
    for t in &targets {
        writeln!(o, "<th>{}</th>", esc(lang.pick(&t.title_zh, &t.title_en)))?;
    }
    writeln!(o, "</tr></thead><tbody>")?;
    for run in runs {
        write!(
            o,
            "<tr><th scope=\"row\">{}</th>",
            esc(labels::scenario_title(run, lang))
        )?;
        for t in &targets {
            let p = run
                .result
                .targets
                .iter()
                .find(|r| r.target == t.id && r.year == t.year)
                .map(|r| r.probability);
            let class = match p {
                Some(p) if p >= 0.9 => "hi",
                Some(p) if p >= 0.5 => "mid",
                Some(_) => "lo",
                None => "none",
            };
            write!(
                o,
                "<td class=\"num p-{class}\">{}</td>",
                p.map_or("–".to_string(), series::percent)
            )?;
        }
        writeln!(o, "</tr>")?;
    }
    writeln!(
        o,
        "</tbody></table>\n<p class=\"note\">{}</p>",
        lang.pick(
            "概率为模拟中达到目标的比例。",
            "The share of draws in which the target is met."
        )
    )?;
    Ok(())
}

fn key_figures(o: &mut String, runs: &[RunView], lang: Lang) -> anyhow::Result<()> {
    let l = |zh: &'static str, en: &'static str| lang.pick(zh, en);
    writeln!(o, "<h2>{}</h2>", l("关键数字", "Key figures"))?;
    writeln!(
        o,
        "<p class=\"note\">{}</p>",
        l(
            "全市合计。数字为各次模拟的中位数，其下为P10–P90区间；分流学生为至该年累计（模拟平均）。",
            "City-wide. Figures are the median of the draws, the P10–P90 range below; pupils moved are cumulative to the year (mean of the draws)."
        )
    )?;
    writeln!(
        o,
        "<table class=\"key\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        l("情景", "Scenario"),
        l("年份", "Year"),
        l("大班额（个）", "Oversized classes"),
        l("大班额占比", "Share oversized"),
        l("超大班额（个）", "Super-oversized"),
        l("比基年减少（个）", "Cleared"),
        l("分流学生（人）", "Pupils moved"),
        l("学位缺口（个）", "Shortfall (places)")
    )?;
    for run in runs {
        let base = run.result.base_year.0;
        let mut years = vec![base];
        years.extend(series::target_years(
            run.scenario.targets.iter().map(|t| t.year.0),
            base,
            run.result.horizon.0,
        ));
        if years.last() != Some(&run.result.horizon.0) {
            years.push(run.result.horizon.0);
        }
        let shares = series::oversized_share(run.result, CITY);
        for (i, y) in years.iter().enumerate() {
            let name = if i == 0 {
                format!(
                    "<th rowspan=\"{}\" scope=\"rowgroup\">{}</th>",
                    years.len(),
                    esc(labels::scenario_title(run, lang))
                )
            } else {
                String::new()
            };
            let year = if i == 0 {
                format!("{y}{}", l("（基年）", " (base)"))
            } else {
                y.to_string()
            };
            let cell = |m: Metric| median_range(series::point(run.result, m, *y, CITY));
            let share = shares
                .iter()
                .find(|p| p.year == *y)
                .map_or("–".to_string(), |p| series::share(p.p50));
            let later = |v: String| if i == 0 { "–".to_string() } else { v };
            writeln!(
                o,
                "<tr>{name}<td class=\"year\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                esc(&year),
                cell(Metric::OversizedClasses),
                share,
                cell(Metric::SuperOversizedClasses),
                later(cell(Metric::Cleared)),
                later(
                    super::cleared::pupils_moved_by(run, *y)
                        .map_or("–".to_string(), series::thousands)
                ),
                cell(Metric::Shortfall)
            )?;
        }
    }
    writeln!(o, "</tbody></table>")?;
    Ok(())
}

fn render(
    runs: &[RunView],
    opts: &ChartOptions,
    scenario_charts: &[Vec<Rendered>],
    compare_charts: &[Rendered],
) -> anyhow::Result<String> {
    let lang = opts.lang;
    let l = |zh: &'static str, en: &'static str| lang.pick(zh, en);
    let mut o = String::new();
    let title = l(
        "学位与大班额情景分析报告",
        "School places and oversized classes: scenario report",
    );

    writeln!(
        o,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>\n@font-face {{ font-family: \"{FAMILY}\"; src: url(data:font/ttf;base64,{FONT_SLOT}) format(\"truetype\"); }}\n{CSS}</style>\n</head>\n<body>",
        lang.tag(),
        esc(title)
    )?;
    writeln!(o, "<h1>{}</h1>", esc(title))?;

    let data_sets: Vec<&str> = {
        let mut d: Vec<&str> = runs.iter().map(|r| r.data.name.as_str()).collect();
        d.dedup();
        d
    };
    writeln!(
        o,
        "<p class=\"meta\">{}{} · {}{} · placeplan {}</p>",
        l("数据集：", "Data set: "),
        esc(&data_sets.join(", ")),
        l("生成日期：", "Generated: "),
        esc(&opts.generated),
        env!("CARGO_PKG_VERSION")
    )?;

    writeln!(
        o,
        "<h2>{}</h2>\n<ul class=\"findings\">",
        l("要点", "Findings")
    )?;
    for run in runs {
        writeln!(o, "<li>{}</li>", finding(run, lang))?;
    }
    writeln!(
        o,
        "</ul>\n<p class=\"note\">{}</p>",
        l(
            "数字为各次模拟的中位数；达标概率为模拟中达到该年目标的比例。",
            "Figures are medians of the draws; P(target met) is the share of draws meeting that year's target."
        )
    )?;
    target_grid(&mut o, runs, lang)?;

    // The headline, then the key figures (a table that may run over pages, so no page is
    // left half empty under a chart), then the other comparison charts.
    for (i, chart) in CompareChart::ALL.into_iter().enumerate() {
        if let Some(path) = find_chart(compare_charts, chart.file_stem()) {
            let alt = match chart {
                CompareChart::OversizedShare => l(
                    "各情景大班额占比与达标概率",
                    "Share of oversized classes by scenario, with P(target met)",
                ),
                CompareChart::SuperOversized => {
                    l("各情景超大班额", "Super-oversized classes by scenario")
                }
                CompareChart::ClearedByScenario => l(
                    "各情景消除的大班额及分流学生",
                    "Oversized classes cleared and pupils moved, by scenario",
                ),
            };
            figure(&mut o, path, alt)?;
        }
        if i == 0 {
            key_figures(&mut o, runs, lang)?;
        }
    }

    for (i, run) in runs.iter().enumerate() {
        scenario_section(
            &mut o,
            run,
            opts,
            scenario_charts.get(i).map_or(&[], |v| v.as_slice()),
        )?;
    }

    writeln!(
        o,
        "<footer>{}</footer>\n</body>\n</html>",
        l(
            "由 placeplan 生成。图表字体：思源黑体（Noto Sans CJK SC，SIL 开源字体许可证 1.1）。",
            "Generated by placeplan. Chart font: Noto Sans CJK SC (SIL Open Font License 1.1)."
        )
    )?;
    // The page's font: only the glyphs it shows (a few hundred KB instead of 2 MB).
    let chars: std::collections::BTreeSet<char> = o.chars().collect();
    let font = pruned_font(chars).unwrap_or_else(|| FONT_BYTES.to_vec());
    let font = base64::engine::general_purpose::STANDARD.encode(font);
    Ok(o.replacen(FONT_SLOT, &font, 1))
}

/// Where the font goes in the page until the page's characters are known.
const FONT_SLOT: &str = "@@placeplan-font@@";

fn scenario_section(
    o: &mut String,
    run: &RunView,
    opts: &ChartOptions,
    charts: &[Rendered],
) -> anyhow::Result<()> {
    let lang = opts.lang;
    let l = |zh: &'static str, en: &'static str| lang.pick(zh, en);
    let sc = run.scenario;
    writeln!(
        o,
        "<section class=\"scenario\" id=\"scenario-{}\">\n<h2>{}</h2>",
        esc(&sc.name),
        esc(labels::scenario_title(run, lang)),
    )?;
    let description = sc.description_in(lang == Lang::Zh);
    if !description.is_empty() {
        writeln!(o, "<p>{}</p>", esc(description))?;
    }
    writeln!(
        o,
        "<h3>{}</h3>\n<ul class=\"assumptions\">",
        l("假设", "Assumptions")
    )?;
    for sentence in super::assumptions::sentences(run, lang) {
        writeln!(o, "<li>{}</li>", esc(&sentence))?;
    }
    writeln!(o, "</ul>")?;

    // Shortfall by area: places and % of places, base year, last target year, horizon.
    let years = super::shortfall::shortfall_years(run);
    write!(
        o,
        "<h3>{}</h3>\n<table class=\"areas\"><thead><tr><th rowspan=\"2\">{}</th>",
        l(
            "各区县学位缺口（中位数）",
            "Shortfall by area (median of the draws)"
        ),
        l("区县", "Area"),
    )?;
    let base = run.result.base_year.0;
    for y in &years {
        let label = if *y == base {
            format!("{y}{}", l("（基年）", " (base)"))
        } else {
            y.to_string()
        };
        write!(o, "<th colspan=\"2\">{}</th>", esc(&label))?;
    }
    write!(o, "</tr><tr>")?;
    for _ in &years {
        write!(
            o,
            "<th>{}</th><th>{}</th>",
            l("学位", "places"),
            l("占学位", "% of places")
        )?;
    }
    writeln!(o, "</tr></thead><tbody>")?;
    let mut areas: Vec<_> = run.data.areas.iter().collect();
    areas.sort_by(|a, b| {
        let v = |id: &str| {
            series::point(run.result, Metric::Shortfall, base, id).map_or(0.0, |p| p.p50)
        };
        v(&b.id).total_cmp(&v(&a.id))
    });
    let rows: Vec<(String, &str)> = areas
        .iter()
        .map(|a| (labels::area_name(a, lang).to_string(), a.id.as_str()))
        .chain([(l("全市", "City").to_string(), CITY)])
        .collect();
    for (name, id) in rows {
        write!(
            o,
            "<tr{}><td>{}</td>",
            if id == CITY { " class=\"total\"" } else { "" },
            esc(&name)
        )?;
        for y in &years {
            write!(
                o,
                "<td class=\"num\">{}</td><td class=\"num\">{}</td>",
                series::point(run.result, Metric::Shortfall, *y, id)
                    .map_or("–".to_string(), |p| series::thousands(p.p50)),
                super::shortfall::shortfall_pct(run, *y, id).map_or("–".to_string(), series::share)
            )?;
        }
        writeln!(o, "</tr>")?;
    }
    writeln!(o, "</tbody></table>")?;

    pipeline_section(o, run, lang)?;
    for chart in ScenarioChart::ALL {
        if let Some(path) = find_chart(charts, chart.file_stem()) {
            let alt = match chart {
                ScenarioChart::VersusBase => l("与基准情景比较", "Against the base scenario"),
                ScenarioChart::OversizedOverTime => l("大班额变化", "Oversized classes over time"),
                ScenarioChart::ShortfallByArea => l("各区县学位缺口", "Shortfall by area"),
                ScenarioChart::ShortfallMap => {
                    l("各区县学位缺口示意图", "Map of the shortfall by area")
                }
                ScenarioChart::DemandByDriver => l("在校生变化的来源", "Demand by driver"),
                ScenarioChart::PipelineDelivery => l("建设项目投用进度", "Pipeline delivery"),
                ScenarioChart::Delays => l(
                    "项目延误：先验与后验",
                    "Project delays: prior and posterior",
                ),
                ScenarioChart::Areas => l("各区县项目进度", "Projects by area"),
                ScenarioChart::Priority => l("最关键的项目", "The projects that matter most"),
            };
            figure(
                o,
                path,
                &format!("{alt}: {}", labels::scenario_title(run, lang)),
            )?;
        }
    }
    writeln!(o, "</section>")?;
    Ok(())
}

/// The pipeline's delays in words (prior, evidence, posterior) and, when the run ranked them,
/// the ten projects whose slip costs most.
fn pipeline_section(o: &mut String, run: &RunView, lang: Lang) -> anyhow::Result<()> {
    let Some(p) = run.pipeline else {
        return Ok(());
    };
    if p.pace != crate::scenario::Pace::Plan && !run.data.projects.is_empty() {
        let e = p.evidence;
        let pct = |x: f64| format!("{:.0}%", 100.0 * x);
        writeln!(
            o,
            "<h3>{}</h3><p>{}</p>",
            lang.pick("项目延误", "Project delays"),
            esc(&match lang {
                Lang::Zh => format!(
                    "延误以计划工期的比例计。先验取公共工程参考类（英国财政部乐观偏差指南所引2002年英国大型公共采购研究：工期超支中位数7%），延误中位数的90%区间为{}–{}。基准日证据：计划已竣工的{}个项目中{}个已竣工，计划已开工的{}个中{}个已开工。后验：延误中位数{}（90%区间{}–{}），即{:.0}个月工期的项目约延误{:.1}个月。每次模拟从后验抽取延误水平，并含区县共同因素。",
                    pct(p.prior.p05),
                    pct(p.prior.p95),
                    e.due,
                    e.completed,
                    e.start_due,
                    e.started,
                    pct(p.posterior.p50),
                    pct(p.posterior.p05),
                    pct(p.posterior.p95),
                    p.typical_duration,
                    p.posterior.p50 * p.typical_duration
                ),
                Lang::En => format!(
                    "Delays are a share of a project's planned duration. Prior: a reference class of public works (Mott MacDonald 2002 for HM Treasury's optimism bias guidance: median works-duration overrun 7%), a 90% interval of {}–{} for the median delay. Evidence at the base date: {} of {} projects due had completed, {} of {} due to start had started. Posterior: a median delay of {} (90% interval {}–{}), {:.1} months for a {:.0}-month project. Each draw takes its delay level from the posterior, with a factor shared by each area's projects.",
                    pct(p.prior.p05),
                    pct(p.prior.p95),
                    e.completed,
                    e.due,
                    e.started,
                    e.start_due,
                    pct(p.posterior.p50),
                    pct(p.posterior.p05),
                    pct(p.posterior.p95),
                    p.posterior.p50 * p.typical_duration,
                    p.typical_duration
                ),
            })
        )?;
    }
    if let Some(rows) = run.priority {
        writeln!(
            o,
            "<h3>{}</h3><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            lang.pick("最关键的项目", "The projects that matter most"),
            lang.pick("排名", "Rank"),
            lang.pick("项目", "Project"),
            lang.pick("目标年份", "Target year"),
            lang.pick(
                "推迟一年增加的大班额",
                "Oversized classes added by a one-year slip"
            ),
            lang.pick("按计划开放减少的大班额", "Removed if opened as planned"),
        )?;
        for r in rows.iter().filter(|r| r.rank <= 10) {
            let name = run
                .data
                .projects
                .iter()
                .find(|p| p.id == r.project_id)
                .map_or(String::new(), |p| p.name.clone());
            writeln!(
                o,
                "<tr><td class=\"num\">{}</td><td>{} {}</td><td class=\"num\">{}</td><td class=\"num\">{:.1}</td><td class=\"num\">{:.1}</td></tr>",
                r.rank,
                esc(&r.project_id),
                esc(&name),
                r.year,
                r.slip_oversized,
                -r.forward_oversized
            )?;
        }
        writeln!(o, "</tbody></table>")?;
    }
    Ok(())
}

const CSS: &str = r#"body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif;
  color: #191919; max-width: 1000px; margin: 2em auto; padding: 0 1em; line-height: 1.5; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.3em; border-bottom: 2px solid #191919; padding-bottom: 0.2em; margin-top: 1.6em; }
h3 { font-size: 1.05em; margin-top: 1.2em; }
.meta, .note, footer { color: #5a5a5a; font-size: 0.9em; }
ul.findings li { margin: 0.3em 0; }
ul.assumptions { margin: 0.3em 0; padding-left: 1.2em; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.92em; }
th, td { border: 1px solid #bbb; padding: 0.2em 0.5em; text-align: left; vertical-align: top; }
thead th { background: #eee; }
td.year { white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.range { color: #5a5a5a; font-size: 0.85em; }
tr.total td { font-weight: bold; border-top: 2px solid #191919; }
table.grid th { max-width: 11em; }
td.p-hi { background: #cfe8d5; }
td.p-mid { background: #fdf0c4; }
td.p-lo { background: #f6d3d3; }
figure { margin: 1em 0; }
img.chart { width: 100%; height: auto; border: 1px solid #ddd; }
footer { margin-top: 3em; border-top: 1px solid #bbb; padding-top: 0.5em; }
@page { size: A4; margin: 14mm 12mm 16mm;
  @bottom-center { content: counter(page) " / " counter(pages); font-size: 9pt; color: #5a5a5a; } }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 9.5pt; }
  table { font-size: 9pt; }
  figure, tr, li { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  img.chart { border: none; width: 16cm; }
  figure { text-align: center; }
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_svg_before_png() {
        let files: Vec<Rendered> = [
            "oversized_over_time.svg",
            "oversized_over_time.png",
            "shortfall_by_area.png",
        ]
        .map(|name| Rendered {
            name: name.to_owned(),
            bytes: Vec::new(),
        })
        .into();
        assert_eq!(find_chart(&files, "oversized_over_time"), Some(&files[0]));
        assert_eq!(find_chart(&files, "shortfall_by_area"), Some(&files[2]));
        assert_eq!(find_chart(&files, "pipeline_delivery"), None);
    }
}
