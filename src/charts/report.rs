//! `report.html`: one run's key figures, charts and assumptions, for a planner to read in a
//! browser and copy into a memo.
//!
//! The page is self-contained (charts and the bundled font, pruned to the page's characters,
//! embedded as base64; no network request, no script) and prints on A4. It reads results and
//! chart files; it never draws a chart.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use base64::Engine as _;

use super::font::{FAMILY, FONT_BYTES};
use super::labels;
use super::outline::pruned_font;
use super::series::{self, CITY};
use super::{ChartOptions, CompareChart, Lang, RunView, ScenarioChart};
use crate::engine::results::Metric;
use crate::scenario::{DriverChange, Sampling};

/// File name of the report.
pub const REPORT_FILE: &str = "report.html";

/// Writes `report.html` into `dir` and returns its path.
///
/// `scenario_charts[i]` are the files [`super::write_scenario_charts`] returned for `runs[i]`;
/// `compare_charts` those of [`super::write_compare_charts`]. Each chart is embedded once, as
/// SVG when it was written, else as PNG; a chart that was not written is left out.
pub fn write_report(
    runs: &[RunView],
    opts: &ChartOptions,
    dir: &Path,
    scenario_charts: &[Vec<PathBuf>],
    compare_charts: &[PathBuf],
) -> anyhow::Result<PathBuf> {
    let html = render(runs, opts, scenario_charts, compare_charts)?;
    let path = dir.join(REPORT_FILE);
    crate::io::atomic::write_file(&path, html.as_bytes())?;
    Ok(path)
}

/// Escapes text for HTML content and attribute values.
pub(super) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The chart file with this stem among `files`: SVG preferred (vector, so the printed report
/// is sharp, and a tenth of the PNG's size), else PNG.
fn find_chart<'p>(files: &'p [PathBuf], stem: &str) -> Option<&'p PathBuf> {
    let matches = |p: &&PathBuf, ext: &str| {
        p.file_stem().is_some_and(|s| s == stem) && p.extension().is_some_and(|e| e == ext)
    };
    files
        .iter()
        .find(|p| matches(p, "svg"))
        .or_else(|| files.iter().find(|p| matches(p, "png")))
}

/// An `<img>` of the chart file, embedded.
fn figure(out: &mut String, path: &Path, alt: &str) -> anyhow::Result<()> {
    let bytes =
        std::fs::read(path).with_context(|| format!("cannot read chart {}", path.display()))?;
    let mime = if path.extension().is_some_and(|e| e == "svg") {
        "image/svg+xml"
    } else {
        "image/png"
    };
    let data = base64::engine::general_purpose::STANDARD.encode(bytes);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    writeln!(
        out,
        "<figure><img class=\"chart\" alt=\"{}\" data-file=\"{}\" src=\"data:{mime};base64,{data}\"></figure>",
        esc(alt),
        esc(&name)
    )?;
    Ok(())
}

/// The median of the draws with its P10–P90 range in brackets.
fn median_range(p: Option<series::Point>) -> String {
    match p {
        // An observed year (the base year) has no spread: show the count alone.
        Some(p) if p.p10 == p.p50 && p.p90 == p.p50 => series::thousands(p.p50),
        Some(p) => {
            let sep = if p.p10 < 0.0 || p.p90 < 0.0 {
                " – "
            } else {
                "–"
            };
            format!(
                "{} <span class=\"range\">({}{sep}{})</span>",
                series::thousands(p.p50),
                series::thousands(p.p10),
                series::thousands(p.p90)
            )
        }
        None => "–".to_string(),
    }
}

fn render(
    runs: &[RunView],
    opts: &ChartOptions,
    scenario_charts: &[Vec<PathBuf>],
    compare_charts: &[PathBuf],
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
        "<p class=\"meta\">{} {} · {} {} · placeplan {}</p>",
        l("数据集", "Data set"),
        esc(&data_sets.join(", ")),
        l("生成日期", "Generated"),
        esc(&opts.generated),
        env!("CARGO_PKG_VERSION")
    )?;

    // Key figures across scenarios.
    writeln!(o, "<h2>{}</h2>", l("关键数字", "Key figures"))?;
    writeln!(
        o,
        "<p class=\"note\">{}</p>",
        l(
            "全市合计。数字为各次模拟的中位数，括号内为P10–P90区间；分流学生为至该年累计（模拟平均）。",
            "City-wide. Figures are the median of the draws, brackets the P10–P90 range; pupils moved are cumulative to the year (mean of the draws)."
        )
    )?;
    writeln!(
        o,
        "<table class=\"key\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        l("情景", "Scenario"),
        l("年份", "Year"),
        l("大班额（个）", "Oversized classes"),
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
                format!("{}{}", labels::year(*y, lang), l("（基年）", " (base)"))
            } else {
                labels::year(*y, lang)
            };
            let cell = |m: Metric| median_range(series::point(run.result, m, *y, CITY));
            writeln!(
                o,
                "<tr>{name}<td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                esc(&year),
                cell(Metric::OversizedClasses),
                cell(Metric::SuperOversizedClasses),
                if i == 0 {
                    "–".to_string()
                } else {
                    cell(Metric::Cleared)
                },
                if i == 0 {
                    "–".to_string()
                } else {
                    super::cleared::pupils_moved_by(run, *y)
                        .map_or("–".to_string(), series::thousands)
                },
                cell(Metric::Shortfall)
            )?;
        }
    }
    writeln!(o, "</tbody></table>")?;

    // Targets.
    if runs.iter().any(|r| !r.result.targets.is_empty()) {
        writeln!(
            o,
            "<h3>{}</h3>",
            l("实现目标的概率", "Probability of meeting each target")
        )?;
        writeln!(
            o,
            "<table class=\"targets\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            l("情景", "Scenario"),
            l("目标", "Target"),
            l("年份", "Year"),
            l(
                "概率（模拟中达标的比例）",
                "Probability (share of draws meeting it)"
            )
        )?;
        for run in runs {
            // Each target at its own year (targets.csv has every year, for the curious).
            for t in &run.result.targets {
                let Some(target) = run
                    .scenario
                    .targets
                    .iter()
                    .find(|s| s.id == t.target && s.year == t.year)
                else {
                    continue;
                };
                let name = lang.pick(&target.title_zh, &target.title_en);
                writeln!(
                    o,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
                    esc(labels::scenario_title(run, lang)),
                    esc(name),
                    t.year,
                    series::percent(t.probability)
                )?;
            }
        }
        writeln!(o, "</tbody></table>")?;
    }

    for chart in CompareChart::ALL {
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
            "由 placeplan 生成。图表字体：Noto Sans CJK SC（SIL 开源字体许可证 1.1）。",
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
    charts: &[PathBuf],
) -> anyhow::Result<()> {
    let lang = opts.lang;
    let l = |zh: &'static str, en: &'static str| lang.pick(zh, en);
    let sc = run.scenario;
    writeln!(
        o,
        "<section class=\"scenario\" id=\"scenario-{}\">\n<h2>{} <span class=\"id\">{}</span></h2>",
        esc(&sc.name),
        esc(labels::scenario_title(run, lang)),
        esc(&sc.name)
    )?;
    let description = sc.description_in(lang == Lang::Zh);
    if !description.is_empty() {
        writeln!(o, "<p>{}</p>", esc(description))?;
    }

    // Assumptions.
    writeln!(
        o,
        "<h3>{}</h3>\n<table class=\"assumptions\"><tbody>",
        l("情景假设", "Assumptions")
    )?;
    let mut row = |k: &str, v: String| {
        writeln!(
            o,
            "<tr><th scope=\"row\">{}</th><td>{}</td></tr>",
            esc(k),
            v
        )
    };
    row(l("数据集", "Data set"), esc(&run.data.name))?;
    row(
        l("年份", "Years"),
        format!("{}–{}", run.result.base_year, run.result.horizon),
    )?;
    row(
        l("建设进度", "Construction pace"),
        esc(labels::pace(sc.pace, lang)),
    )?;
    row(
        l("模拟次数 / 随机种子", "Draws / seed"),
        format!(
            "{} / {}",
            series::thousands(f64::from(run.result.draws)),
            sc.seed
        ),
    )?;
    let sampling = match sc.sampling {
        Sampling::Triangular => l("三角分布", "triangular"),
        Sampling::Pert => l("PERT分布", "PERT"),
    };
    row(
        l("抽样 / 区县间相关", "Sampling / correlation between areas"),
        format!("{} / {:.2}", sampling, sc.correlation),
    )?;
    let mut sizes: Vec<String> = sc
        .classes
        .standard_size
        .iter()
        .map(|(stage, n)| format!("{} {n}", esc(stage)))
        .collect();
    if sizes.is_empty() {
        sizes = run
            .data
            .stages
            .iter()
            .map(|s| format!("{} {}", esc(&s.name), s.class_size))
            .collect();
    }
    row(
        l(
            "标准班额 / 大班额 / 超大班额",
            "Standard class size / oversized / super-oversized",
        ),
        format!(
            "{} / ≥{} / ≥{}",
            sizes.join(", "),
            sc.classes.oversized,
            sc.classes.super_oversized
        ),
    )?;
    row(
        l(
            "每年可分流的超额学生比例",
            "Share of excess pupils that may move per year",
        ),
        format!("{:.0}%", sc.rebalancing * 100.0),
    )?;
    let drivers: Vec<String> = sc
        .drivers
        .iter()
        .map(|d| {
            let area = match &d.area {
                crate::model::AreaSel::All => "*".to_string(),
                crate::model::AreaSel::Area(a) => a.clone(),
            };
            let change = match d.change {
                DriverChange::Multiply(f) => format!("× {f}"),
                DriverChange::Replace(t) => format!("= {} / {} / {}", t.low, t.central, t.high),
            };
            esc(&format!("{} [{area}] {change}", d.driver.as_str()))
        })
        .collect();
    row(
        l("增长假设的调整", "Changes to growth assumptions"),
        if drivers.is_empty() {
            l(
                "无（用数据集的 growth.csv）",
                "none (the data set's growth.csv)",
            )
            .to_string()
        } else {
            drivers.join("<br>")
        },
    )?;
    let mut cancel = Vec::new();
    if sc.cancel.all {
        cancel.push(l("取消全部项目", "all projects cancelled").to_string());
    }
    cancel.extend(
        sc.cancel
            .batches
            .iter()
            .map(|b| format!("batch {}", esc(b))),
    );
    cancel.extend(sc.cancel.projects.iter().map(|p| esc(p)));
    row(
        l("取消的项目", "Cancelled projects"),
        if cancel.is_empty() {
            l("无", "none").to_string()
        } else {
            cancel.join(", ")
        },
    )?;
    let extra: u32 = sc.extra_projects.iter().map(|p| p.classrooms).sum();
    row(
        l("新增项目", "Extra projects"),
        match lang {
            Lang::Zh => format!("{}个（{}间教室）", sc.extra_projects.len(), extra),
            Lang::En => format!("{} ({} classrooms)", sc.extra_projects.len(), extra),
        },
    )?;
    let targets: Vec<String> = sc
        .targets
        .iter()
        .map(|t| esc(lang.pick(&t.title_zh, &t.title_en)))
        .collect();
    row(
        l("目标", "Targets"),
        if targets.is_empty() {
            l("无", "none").to_string()
        } else {
            targets.join("<br>")
        },
    )?;
    writeln!(o, "</tbody></table>")?;

    // Shortfall by area.
    let base = run.result.base_year.0;
    let target = series::target_years(
        sc.targets.iter().map(|t| t.year.0),
        base,
        run.result.horizon.0,
    )[0];
    writeln!(
        o,
        "<h3>{}</h3>\n<table class=\"areas\"><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        l("各区县学位缺口（个学位）", "Shortfall by area (places)"),
        l("区县", "Area"),
        esc(&format!(
            "{}{}",
            labels::year(base, lang),
            l("（基年）", " (base)")
        )),
        esc(&labels::year(target, lang))
    )?;
    let mut areas: Vec<_> = run.data.areas.iter().collect();
    areas.sort_by(|a, b| {
        let v = |id: &str| {
            series::point(run.result, Metric::Shortfall, base, id).map_or(0.0, |p| p.p50)
        };
        v(&b.id).total_cmp(&v(&a.id))
    });
    for area in areas
        .iter()
        .map(|a| (a.name.as_str(), a.id.as_str()))
        .chain([(l("全市", "City"), CITY)])
    {
        let (name, id) = area;
        writeln!(
            o,
            "<tr{}><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            if id == CITY { " class=\"total\"" } else { "" },
            esc(name),
            series::point(run.result, Metric::Shortfall, base, id)
                .map_or("–".to_string(), |p| series::thousands(p.p50)),
            median_range(series::point(run.result, Metric::Shortfall, target, id))
        )?;
    }
    writeln!(o, "</tbody></table>")?;

    for chart in ScenarioChart::ALL {
        if let Some(path) = find_chart(charts, chart.file_stem()) {
            let alt = match chart {
                ScenarioChart::VersusBase => l("与基准情景比较", "Against the base scenario"),
                ScenarioChart::OversizedOverTime => l("大班额变化", "Oversized classes over time"),
                ScenarioChart::ShortfallByArea => l("各区县学位缺口", "Shortfall by area"),
                ScenarioChart::DemandByDriver => l("新增学生来源", "Demand by driver"),
                ScenarioChart::PipelineDelivery => l("建设项目投用进度", "Pipeline delivery"),
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

const CSS: &str = r#"body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif;
  color: #191919; max-width: 1000px; margin: 2em auto; padding: 0 1em; line-height: 1.5; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.3em; border-bottom: 2px solid #191919; padding-bottom: 0.2em; margin-top: 2em; }
h2 .id { font-size: 0.7em; color: #5a5a5a; font-weight: normal; }
h3 { font-size: 1.05em; margin-top: 1.5em; }
.meta, .note, footer { color: #5a5a5a; font-size: 0.9em; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.92em; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
thead th { background: #eee; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.range { color: #5a5a5a; font-size: 0.9em; }
tr.total td { font-weight: bold; border-top: 2px solid #191919; }
figure { margin: 1em 0; }
img.chart { width: 100%; height: auto; border: 1px solid #ddd; }
footer { margin-top: 3em; border-top: 1px solid #bbb; padding-top: 0.5em; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 9.5pt; }
  section.scenario { break-before: page; }
  figure, table, tr { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  img.chart { border: none; }
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_in_names() {
        assert_eq!(
            esc("<b>\"雁峰\" & 'x'</b>"),
            "&lt;b&gt;&quot;雁峰&quot; &amp; &#39;x&#39;&lt;/b&gt;"
        );
    }

    #[test]
    fn finds_svg_before_png() {
        let files = vec![
            PathBuf::from("d/oversized_over_time.svg"),
            PathBuf::from("d/oversized_over_time.png"),
            PathBuf::from("d/shortfall_by_area.png"),
        ];
        assert_eq!(find_chart(&files, "oversized_over_time"), Some(&files[0]));
        assert_eq!(find_chart(&files, "shortfall_by_area"), Some(&files[2]));
        assert_eq!(find_chart(&files, "pipeline_delivery"), None);
    }
}
