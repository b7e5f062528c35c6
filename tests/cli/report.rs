//! Charts and `report.html`: rendered from realistic fake results (the run pipeline is tested
//! elsewhere), then opened in headless Chromium to check what a person would see.
//!
//! `assert_report_renders` is the reusable browser check: give it any `report.html`.
//! Set `PLACEPLAN_CHART_DIR=<dir>` to keep the rendered charts for viewing.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use placeplan::charts::{self, ChartOptions, Format, Lang, RunView};
use placeplan::engine::progression::RatioOptions;
use placeplan::engine::results::{Metric, ScenarioResult, SummaryRow, TargetRow};
use placeplan::model::{
    Area, AreaKind, DataSet, Project, ProjectKind, ProjectStatus, SchoolYear, Settings, YearMonth,
    default_stages,
};
use placeplan::scenario::{
    Cancellations, ClassRules, DelayModel, Pace, Sampling, Scenario, ScenarioMeta, Target,
};

/// Areas: id, name, English name, kind, urban, rough centroid (lon, lat).
type AreaSpec = (
    &'static str,
    &'static str,
    &'static str,
    AreaKind,
    bool,
    (f64, f64),
);
const AREAS: [AreaSpec; 12] = [
    (
        "yanfeng",
        "雁峰区",
        "Yanfeng",
        AreaKind::District,
        true,
        (112.61, 26.88),
    ),
    (
        "shigu",
        "石鼓区",
        "Shigu",
        AreaKind::District,
        true,
        (112.60, 26.94),
    ),
    (
        "zhuhui",
        "珠晖区",
        "Zhuhui",
        AreaKind::District,
        true,
        (112.68, 26.90),
    ),
    (
        "zhengxiang",
        "蒸湘区",
        "Zhengxiang",
        AreaKind::District,
        true,
        (112.56, 26.91),
    ),
    (
        "nanyue",
        "南岳区",
        "Nanyue",
        AreaKind::District,
        true,
        (112.73, 27.23),
    ),
    (
        "hengyang-county",
        "衡阳县",
        "Hengyang County",
        AreaKind::County,
        false,
        (112.37, 27.09),
    ),
    (
        "hengnan",
        "衡南县",
        "Hengnan",
        AreaKind::County,
        false,
        (112.68, 26.74),
    ),
    (
        "hengshan",
        "衡山县",
        "Hengshan",
        AreaKind::County,
        false,
        (112.87, 27.23),
    ),
    (
        "hengdong",
        "衡东县",
        "Hengdong",
        AreaKind::County,
        false,
        (112.95, 27.08),
    ),
    (
        "qidong",
        "祁东县",
        "Qidong",
        AreaKind::County,
        false,
        (112.11, 26.80),
    ),
    (
        "leiyang",
        "耒阳市",
        "Leiyang",
        AreaKind::City,
        false,
        (112.86, 26.42),
    ),
    (
        "changning",
        "常宁市",
        "Changning",
        AreaKind::City,
        false,
        (112.40, 26.42),
    ),
];

/// Each area's share of the city's oversized classes and shortfall.
const AREA_WEIGHTS: [f64; 12] = [
    0.07, 0.06, 0.08, 0.10, 0.01, 0.12, 0.11, 0.05, 0.07, 0.09, 0.17, 0.07,
];

fn data_set() -> DataSet {
    let projects = (0..175)
        .map(|i| Project {
            id: format!("P{i:03}"),
            name: format!("项目{i}"),
            area_id: AREAS[i % 12].0.to_string(),
            stage: "primary".into(),
            kind: ProjectKind::Expansion,
            school_id: format!("S{i:03}"),
            classrooms: 12,
            status: ProjectStatus::NotStarted,
            planned_start: YearMonth {
                year: 2019,
                month: 3,
            },
            planned_completion: YearMonth {
                year: 2020,
                month: 8,
            },
            batch: if i < 52 { "due-2019" } else { "start-2019" }.into(),
            cost: None,
        })
        .collect();
    DataSet {
        name: "hengyang-2019".into(),
        dir: PathBuf::from("data/hengyang-2019"),
        settings: Settings {
            base_date: YearMonth {
                year: 2019,
                month: 7,
            },
            entry_age: 6,
        },
        stages: default_stages(),
        areas: AREAS
            .iter()
            .map(|(id, name, en, kind, urban, centroid)| Area {
                id: id.to_string(),
                name: name.to_string(),
                kind: *kind,
                urban: *urban,
                name_en: Some(en.to_string()),
                centroid: Some(*centroid),
            })
            .collect(),
        schools: Vec::new(),
        enrolment: Vec::new(),
        births: Vec::new(),
        growth: Vec::new(),
        profiles: Vec::new(),
        projects,
        flows: Vec::new(),
    }
}

fn scenario(name: &str, zh: &str, en: &str, pace: Pace) -> Scenario {
    Scenario {
        name: name.into(),
        title_zh: zh.into(),
        title_en: en.into(),
        description: format!("Fake scenario `{name}` for the chart tests."),
        meta: ScenarioMeta {
            description_zh: format!("图表测试用的虚拟情景“{zh}”。"),
            base: (name != "current-pace" && name != "plan").then(|| "current-pace".to_string()),
        },
        data: PathBuf::from("data/hengyang-2019"),
        base_year: None,
        horizon: SchoolYear(2025),
        draws: 1000,
        seed: 2019,
        sampling: Sampling::Pert,
        correlation: 0.5,
        drivers: Vec::new(),
        pace,
        delay_model: DelayModel::ReferenceClass,
        cancel: Cancellations::default(),
        extra_projects: Vec::new(),
        classes: ClassRules::default(),
        rebalancing: 0.3,
        progression: RatioOptions::default(),
        targets: vec![
            Target {
                id: "no-66-by-2020".into(),
                title_zh: "2020年消除66人及以上超大班额".into(),
                title_en: "No 66+ class by 2020".into(),
                year: SchoolYear(2020),
                max_super_oversized_share: Some(0.0),
                max_oversized_share: None,
            },
            Target {
                id: "5pct-56-by-2021".into(),
                title_zh: "2021年56人及以上大班额不超过5%".into(),
                title_en: "At most 5% 56+ classes by 2021".into(),
                year: SchoolYear(2021),
                max_super_oversized_share: None,
                max_oversized_share: Some(0.05),
            },
        ],
    }
}

/// Shape of one fake scenario: oversized classes relative to 2019, shortfall in places,
/// migrant factor, projects expected open per year.
struct Shape {
    oversized: [f64; 7],
    shortfall: [f64; 7],
    migrant: f64,
    births: f64,
    delivered: [f64; 7],
}

fn row(year: u16, area: &str, metric: Metric, central: f64, spread: f64) -> SummaryRow {
    SummaryRow {
        year: SchoolYear(year),
        area_id: area.into(),
        metric,
        central,
        mean: central * (1.0 + spread * 0.1),
        p5: central * (1.0 - spread * 1.3),
        p10: central * (1.0 - spread),
        p50: central,
        p90: central * (1.0 + spread * 1.2),
        p95: central * (1.0 + spread * 1.5),
    }
}

fn result(shape: &Shape) -> ScenarioResult {
    let mut summary = Vec::new();
    let planned = [4.0, 52.0, 120.0, 175.0, 175.0, 175.0, 175.0];
    let mut pupils_mean = 700_000.0;
    for (t, year) in (2019u16..=2025).enumerate() {
        let spread = 0.05 * t as f64;
        let oversized = 2033.0 * shape.oversized[t];
        let classes = 14_000.0 + 200.0 * t as f64;
        let shortfall = shape.shortfall[t];
        let mut push = |area: &str, w: f64| {
            summary.push(row(
                year,
                area,
                Metric::OversizedClasses,
                oversized * w,
                spread,
            ));
            summary.push(row(
                year,
                area,
                Metric::SuperOversizedClasses,
                oversized * w * 0.36,
                spread * 1.4,
            ));
            summary.push(row(year, area, Metric::Shortfall, shortfall * w, spread));
            summary.push(row(
                year,
                area,
                Metric::Places,
                (600_000.0 + 20_000.0 * t as f64) * w,
                0.0,
            ));
            summary.push(row(year, area, Metric::Classes, classes * w, 0.01));
            let mut cleared = row(year, area, Metric::Cleared, (2033.0 - oversized) * w, 0.0);
            cleared.p10 = (2033.0 - oversized * (1.0 + spread * 1.2)) * w;
            cleared.p90 = (2033.0 - oversized * (1.0 - spread)) * w;
            summary.push(cleared);
        };
        push("ALL", 1.0);
        for ((id, ..), w) in AREAS.iter().zip(AREA_WEIGHTS) {
            push(id, w);
        }
        if t > 0 {
            let natural =
                [0.0, 9_500.0, 7_200.0, 4_100.0, 900.0, -2_300.0, -5_200.0][t] * shape.births;
            let parts = [
                row(year, "ALL", Metric::DemandNatural, natural, 0.25),
                row(
                    year,
                    "ALL",
                    Metric::DemandMigrant,
                    6_200.0 * shape.migrant,
                    0.2,
                ),
                row(year, "ALL", Metric::DemandReturning, 2_400.0, 0.3),
            ];
            // The parts' means add up to the change in the pupils' mean, as in a real run.
            pupils_mean += parts.iter().map(|r| r.mean).sum::<f64>();
            summary.extend(parts);
            summary.push(row(year, "ALL", Metric::PupilsMoved, 1_500.0, 0.2));
        }
        let mut pupils = row(year, "ALL", Metric::Pupils, pupils_mean, 0.02);
        pupils.mean = pupils_mean;
        summary.push(pupils);
        summary.push(row(year, "ALL", Metric::ProjectsPlanned, planned[t], 0.0));
        let mut done = row(year, "ALL", Metric::ProjectsCompleted, planned[t], 0.0);
        done.mean = shape.delivered[t];
        done.p10 = shape.delivered[t] * (1.0 - spread);
        done.p90 = (shape.delivered[t] * (1.0 + spread)).min(175.0);
        summary.push(done);
    }
    let p2020 = (1.0 - shape.oversized[1]).clamp(0.0, 1.0);
    let p2021 = (1.1 - shape.oversized[2] * 2.0).clamp(0.0, 1.0);
    ScenarioResult {
        base_year: SchoolYear(2019),
        horizon: SchoolYear(2025),
        draws: 1000,
        summary,
        schools: Vec::new(),
        school_ids: Vec::new(),
        projects: Vec::new(),
        targets: vec![
            TargetRow {
                target: "no-66-by-2020".into(),
                year: SchoolYear(2020),
                probability: p2020,
            },
            TargetRow {
                target: "5pct-56-by-2021".into(),
                year: SchoolYear(2021),
                probability: p2021,
            },
        ],
        area_targets: Vec::new(),
    }
}

/// Six scenarios like SPEC §5's: plan clears ~1,700 of 2,033 oversized classes by 2021,
/// current pace far fewer, no-build adds to them.
fn fake_runs() -> (DataSet, Vec<(Scenario, ScenarioResult)>) {
    let on_plan = [4.0, 52.0, 120.0, 175.0, 175.0, 175.0, 175.0];
    let slow = [4.0, 14.0, 48.0, 96.0, 138.0, 162.0, 172.0];
    let fast = [4.0, 70.0, 150.0, 175.0, 175.0, 175.0, 175.0];
    let specs: Vec<(Scenario, Shape)> = vec![
        (
            scenario("plan", "按计划建设", "Plan on schedule", Pace::Plan),
            Shape {
                oversized: [1.0, 0.42, 0.15, 0.13, 0.12, 0.11, 0.10],
                shortfall: [
                    70_000.0, 38_000.0, 16_000.0, 12_000.0, 9_000.0, 7_000.0, 6_000.0,
                ],
                migrant: 1.0,
                births: 1.0,
                delivered: on_plan,
            },
        ),
        (
            scenario(
                "current-pace",
                "按现行进度",
                "Current pace",
                Pace::CurrentPace,
            ),
            Shape {
                oversized: [1.0, 0.86, 0.62, 0.41, 0.29, 0.22, 0.18],
                shortfall: [
                    70_000.0, 82_000.0, 64_000.0, 41_000.0, 27_000.0, 19_000.0, 15_000.0,
                ],
                migrant: 1.0,
                births: 1.0,
                delivered: slow,
            },
        ),
        (
            scenario(
                "accelerated",
                "加快建设",
                "Accelerated",
                Pace::Accelerated(1.0 / 3.0),
            ),
            Shape {
                oversized: [1.0, 0.33, 0.09, 0.07, 0.06, 0.06, 0.05],
                shortfall: [
                    70_000.0, 29_000.0, 9_000.0, 7_000.0, 5_000.0, 4_000.0, 3_500.0,
                ],
                migrant: 1.0,
                births: 1.0,
                delivered: fast,
            },
        ),
        (
            scenario("migrant-surge", "随迁子女激增", "Migrant surge", Pace::Plan),
            Shape {
                oversized: [1.0, 0.55, 0.27, 0.24, 0.22, 0.21, 0.20],
                shortfall: [
                    70_000.0, 47_000.0, 26_000.0, 21_000.0, 18_000.0, 16_000.0, 15_000.0,
                ],
                migrant: 1.8,
                births: 1.0,
                delivered: on_plan,
            },
        ),
        (
            scenario("birth-decline", "出生人口下降", "Birth decline", Pace::Plan),
            Shape {
                oversized: [1.0, 0.40, 0.13, 0.10, 0.07, 0.05, 0.03],
                shortfall: [
                    70_000.0, 36_000.0, 13_000.0, 8_000.0, 4_000.0, 2_000.0, 1_000.0,
                ],
                migrant: 1.0,
                births: 0.7,
                delivered: on_plan,
            },
        ),
        (
            scenario("no-build", "不再建设", "No construction", Pace::Plan),
            Shape {
                oversized: [1.0, 1.12, 1.26, 1.35, 1.39, 1.37, 1.32],
                shortfall: [
                    70_000.0, 112_000.0, 151_000.0, 168_000.0, 176_000.0, 174_000.0, 169_000.0,
                ],
                migrant: 1.0,
                births: 1.0,
                delivered: [4.0; 7],
            },
        ),
    ];
    let runs = specs
        .into_iter()
        .map(|(s, shape)| (s, result(&shape)))
        .collect();
    (data_set(), runs)
}

/// What the charts read, for each fake run.
fn views<'a>(data: &'a DataSet, runs: &'a [(Scenario, ScenarioResult)]) -> Vec<RunView<'a>> {
    runs.iter()
        .map(|(scenario, result)| RunView {
            scenario,
            data,
            result,
            boundaries: None,
            pipeline: None,
            priority: None,
        })
        .collect()
}

/// The comparison (headline chart, comparison report) ranks scenarios by their share of
/// oversized classes in the last share-target year, lowest first, ties by name. Here that year
/// is 2021, where the fake scenarios keep 9 % (accelerated), 13 % (birth decline), 15 % (plan
/// and its twin), 27 %, 62 % and 126 % of the 2019 oversized classes, out of the same classes.
#[test]
fn comparison_ranks_scenarios_by_share_of_oversized_classes() {
    let (data, mut runs) = fake_runs();
    let (mut twin, result) = runs[0].clone();
    twin.name = "a-plan-twin".into();
    runs.push((twin, result));
    let views = views(&data, &runs);
    let names: Vec<&str> = charts::ranking(&views)
        .iter()
        .map(|&i| views[i].scenario.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "accelerated",
            "birth-decline",
            "a-plan-twin",
            "plan",
            "migrant-surge",
            "current-pace",
            "no-build"
        ]
    );
}

/// Renders every chart and the report for `lang` into `dir`; returns the report's path and
/// every chart written.
fn render_all(
    dir: &Path,
    lang: Lang,
    scenarios: usize,
    formats: &[Format],
) -> (PathBuf, Vec<PathBuf>) {
    let (data, mut runs) = fake_runs();
    runs.truncate(scenarios);
    let views = views(&data, &runs);
    let opts = ChartOptions {
        lang,
        formats: formats.to_vec(),
        generated: "2019-07-01".into(),
    };
    let mut scenario_charts = Vec::new();
    for view in &views {
        let base = view
            .scenario
            .meta
            .base
            .as_ref()
            .and_then(|b| views.iter().find(|v| &v.scenario.name == b));
        let files = charts::scenario_charts(view, base, &opts).expect("scenario charts");
        scenario_charts.push(files);
    }
    let compare = charts::compare_charts(&views, &opts).expect("compare charts");
    let report = charts::report(&views, &opts, &scenario_charts, &compare).expect("report");
    let report = write_drawn(dir, std::slice::from_ref(&report)).remove(0);
    let mut all: Vec<PathBuf> = Vec::new();
    for (view, files) in views.iter().zip(&scenario_charts) {
        all.extend(write_drawn(&dir.join(&view.scenario.name), files));
    }
    all.extend(write_drawn(&dir.join("compare"), &compare));
    (report, all)
}

/// Writes drawn charts or a report into `dir`, as a run leaves them; returns their paths.
fn write_drawn(dir: &Path, files: &[charts::Rendered]) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).expect("chart folder");
    files
        .iter()
        .map(|f| {
            let path = dir.join(&f.name);
            std::fs::write(&path, &f.bytes).expect("chart written");
            path
        })
        .collect()
}

fn out_dir(lang: Lang) -> (Option<tempfile::TempDir>, PathBuf) {
    let name = match lang {
        Lang::Zh => "zh",
        Lang::En => "en",
    };
    match std::env::var_os("PLACEPLAN_CHART_DIR") {
        Some(d) => (None, PathBuf::from(d).join(name)),
        None => {
            let tmp = tempfile::tempdir().expect("temp dir");
            let path = tmp.path().join(name);
            (Some(tmp), path)
        }
    }
}

/// PNG width and height from the IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let be = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    (be(16), be(20))
}

/// Units per em of the bundled chart font, read from its `head` table.
fn font_units_per_em() -> f64 {
    let font: &[u8] = include_bytes!("../../assets/fonts/NotoSansCJKsc-Regular-GB2312.ttf");
    let u16_at = |i: usize| u16::from_be_bytes([font[i], font[i + 1]]);
    let u32_at = |i: usize| u32::from_be_bytes([font[i], font[i + 1], font[i + 2], font[i + 3]]);
    let head = (0..usize::from(u16_at(4)))
        .map(|i| 12 + 16 * i)
        .find(|r| &font[*r..*r + 4] == b"head")
        .map(|r| u32_at(r + 8) as usize)
        .expect("font has a head table");
    f64::from(u16_at(head + 18))
}

/// Every label of an outlined SVG chart with its size in points when the chart is printed
/// 16 cm wide: the em of its glyphs (`scale(k -k)` × units per em) against the SVG's width.
fn text_sizes_at_16cm(svg: &str) -> Vec<(String, f64)> {
    let width: f64 = svg
        .split("width=\"")
        .nth(1)
        .and_then(|w| w.split('"').next())
        .and_then(|w| w.parse().ok())
        .expect("SVG width");
    let upem = font_units_per_em();
    let pt_per_unit = 16.0 / 2.54 * 72.0 / width;
    svg.split("<g fill=")
        .skip(1)
        .filter_map(|g| {
            let k: f64 = g.split(" scale(").nth(1)?.split(' ').next()?.parse().ok()?;
            let text = g.split("<title>").nth(1)?.split("</title>").next()?;
            Some((text.to_string(), k * upem * pt_per_unit))
        })
        .collect()
}

/// Memo size: at 16 cm wide every text of every chart is at least 9 pt and the title is
/// larger than the rest.
fn assert_memo_readable(chart: &Path, svg: &str) {
    let sizes = text_sizes_at_16cm(svg);
    assert!(
        sizes.len() > 10,
        "{}: too few labels found",
        chart.display()
    );
    for (text, pt) in &sizes {
        assert!(
            *pt >= 9.0,
            "{}: `{text}` is {pt:.1} pt at 16 cm wide (at least 9 pt needed)",
            chart.display()
        );
    }
    let (title, largest) = sizes
        .iter()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .expect("labels");
    let first = &sizes[0];
    assert_eq!(
        first.1,
        *largest,
        "{}: the title `{}` is not the largest text (`{title}` is)",
        chart.display(),
        first.0
    );
    assert!(
        sizes.iter().filter(|s| s.1 >= *largest - 1e-9).count() <= 3,
        "{}: the title's size is used elsewhere",
        chart.display()
    );
}

/// Renders `scenarios` of the fake runs in `lang` and `formats` and checks the files and the
/// report (which embeds the SVG of each chart when there is one, else the PNG).
fn check_charts_and_report(lang: Lang, scenarios: usize, formats: &[Format]) {
    let (_keep, dir) = out_dir(lang);
    let (report, charts) = render_all(&dir, lang, scenarios, formats);
    // 7 charts per scenario (the fake areas have centroids, so a map too; the area chart; no
    // delay chart or ranking, since the fake runs carry no fitted pipeline and no ranking) + 3
    // comparison charts, in each format.
    let images = scenarios * 7 + 3;
    assert_eq!(charts.len(), images * formats.len());
    for format in formats {
        let headline = dir.join(format!("compare/{}.{format}", charts::HEADLINE));
        assert!(headline.is_file(), "{} missing", headline.display());
    }
    for chart in &charts {
        let bytes = std::fs::read(chart).expect("chart file");
        match chart.extension().and_then(|e| e.to_str()) {
            Some("png") => {
                let (w, h) = png_size(&bytes);
                assert!(w >= 2000 && h >= 1000, "{}: {w}×{h}", chart.display());
            }
            Some("svg") => {
                let text = String::from_utf8(bytes).expect("SVG is UTF-8");
                assert!(
                    text.starts_with("<svg") && text.trim_end().ends_with("</svg>"),
                    "{}",
                    chart.display()
                );
                // Text is drawn as glyph outlines: no dependence on the viewer's fonts.
                assert!(!text.contains("<text"), "{} has <text>", chart.display());
                assert_memo_readable(chart, &text);
                assert!(
                    text.contains("<use xlink:href=\"#g"),
                    "{} has no glyphs",
                    chart.display()
                );
            }
            other => panic!("unexpected chart file {other:?}"),
        }
    }
    let html = std::fs::read_to_string(&report).expect("report");
    let embedded = if formats.contains(&Format::Svg) {
        "data:image/svg+xml;base64,"
    } else {
        "data:image/png;base64,"
    };
    for needle in ["@page", "size: A4", embedded, "data:font/ttf;base64,"] {
        assert!(html.contains(needle), "report lacks {needle}");
    }
    assert!(
        !html.contains("src=\"http"),
        "report must not fetch anything"
    );
    let key = match lang {
        Lang::Zh => ["按现行进度", "实现目标的概率", "雁峰区", "2,033"],
        Lang::En => [
            "Current pace",
            "Probability of meeting each target",
            "Yanfeng",
            "2,033",
        ],
    };
    for needle in key {
        assert!(html.contains(needle), "report lacks {needle}");
    }
    if lang == Lang::Zh {
        assert_no_english(&html);
    }
    assert_report_renders(&report, Some(images));
    // Two charts a page (16 cm wide, as in a memo), the opening pages and a page of tables
    // per scenario at most: a half-empty page per scenario would break the bound.
    assert_report_prints(
        &report,
        images.div_ceil(2)..=images.div_ceil(2) + scenarios + 4,
    );
}

/// In a Chinese report a reader sees no English word: only codes (the tool, the data set,
/// statistical terms) are in Latin letters.
fn assert_no_english(html: &str) {
    const CODES: [&str; 12] = [
        "placeplan",
        "hengyang",
        "P",
        "PERT",
        "Noto",
        "Sans",
        "CJK",
        "SC",
        "SIL",
        "growth",
        "csv",
        "ALL",
    ];
    let body = html.split("</style>").nth(1).expect("style ends");
    let mut text = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let words: Vec<&str> = text
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty() && !CODES.contains(w))
        .collect();
    assert!(words.is_empty(), "English in the Chinese report: {words:?}");
}

#[test]
fn charts_and_report_render_in_chinese() {
    check_charts_and_report(Lang::Zh, 6, &[Format::Png, Format::Svg]);
}

#[test]
fn charts_and_report_render_in_english() {
    // Fewer scenarios: the Chinese run checks a full run, this one the English words.
    check_charts_and_report(Lang::En, 3, &[Format::Png, Format::Svg]);
}

/// A Chromium on PATH (or `$CHROMIUM`), if any.
fn find_chromium() -> Option<PathBuf> {
    if let Some(c) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(c));
    }
    let path = std::env::var_os("PATH")?;
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .flat_map(|name| std::env::split_paths(&path).map(move |d| d.join(name)))
    .find(|p| p.is_file())
}

fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// Runs headless Chromium on `page` with `extra` arguments and a window of `window` pixels
/// (`w,h`); returns what it printed on stdout. Fails after 180 s.
fn run_chromium(
    chromium: &Path,
    tmp: &Path,
    window: &str,
    extra: &[String],
    page: &Path,
) -> String {
    let profile = tmp.join("profile");
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--virtual-time-budget=20000",
        ])
        .arg(format!("--window-size={window}"))
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let stdout = child.stdout.take().expect("chromium stdout");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut { stdout }, &mut s).map(|_| s)
    });
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait for chromium").is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(180) {
            let _ = child.kill();
            panic!("chromium did not finish within 180 s on {}", page.display());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    reader
        .join()
        .expect("reader thread")
        .expect("chromium output")
}

/// Script added to a copy of the report laid out as printed (print styles on, the width of
/// A4 less its margins): it lists every element that sticks out of the page.
const OVERFLOW_PROBE: &str = r#"<script>
window.addEventListener('load', () => document.fonts.ready.then(() => {
  const w = document.documentElement.clientWidth;
  const over = [...document.querySelectorAll('h1, h2, h3, p, li, table, figure, img')]
    .filter(e => e.getBoundingClientRect().right > w + 1)
    .map(e => e.tagName + ': ' + (e.alt || e.textContent || '').trim().slice(0, 60));
  const pre = document.createElement('pre');
  pre.id = 'placeplan-overflow';
  pre.textContent = JSON.stringify({ width: w, over });
  document.body.appendChild(pre);
}));
</script>"#;

/// Prints `report` to PDF on A4 in headless Chromium and checks it: the page count is within
/// `pages`, and laid out at the printed width nothing sticks out of the page. Skipped (false)
/// without Chromium, unless `CI` is set.
pub fn assert_report_prints(report: &Path, pages: std::ops::RangeInclusive<usize>) -> bool {
    let Some(chromium) = find_chromium() else {
        assert!(!under_ci(), "Chromium is required under CI");
        return false;
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    let pdf = tmp.path().join("report.pdf");
    run_chromium(
        &chromium,
        tmp.path(),
        "1280,2000",
        &[
            format!("--print-to-pdf={}", pdf.display()),
            "--no-pdf-header-footer".to_string(),
        ],
        report,
    );
    let bytes = std::fs::read(&pdf).expect("printed PDF");
    let count = bytes
        .windows(12)
        .filter(|w| w.starts_with(b"/Type /Page") && w[11] != b's')
        .count();
    assert!(
        pages.contains(&count),
        "{} prints on {count} pages, expected {pages:?}",
        report.display()
    );

    // The printed layout on screen: A4 is 210 mm, less 2 × 12 mm of margin = 703 CSS px.
    let html = std::fs::read_to_string(report).expect("report.html");
    let printed = html.replace("@media print", "@media all");
    let probed = match printed.rfind("</body>") {
        Some(i) => format!("{}{OVERFLOW_PROBE}{}", &printed[..i], &printed[i..]),
        None => panic!("{} has no </body>", report.display()),
    };
    let page = tmp.path().join("printed.html");
    std::fs::write(&page, probed).expect("write printed copy");
    let dom = run_chromium(
        &chromium,
        tmp.path(),
        "703,1000",
        &["--dump-dom".to_string()],
        &page,
    );
    let probe = dom
        .split("<pre id=\"placeplan-overflow\">")
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .expect("the printed layout did not finish loading")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    let r: serde_json::Value = serde_json::from_str(&probe).expect("probe JSON");
    assert_eq!(
        r["over"].as_array().map(Vec::len),
        Some(0),
        "{}: wider than an A4 page: {r}",
        report.display()
    );
    true
}

/// Script added to a copy of the report: once the page and its fonts have loaded, it writes
/// what a reader would see into an element that `--dump-dom` prints.
const PROBE: &str = r#"<script>
window.addEventListener('load', () => document.fonts.ready.then(() => {
  const imgs = [...document.images];
  const r = {
    title: document.title,
    h1: (document.querySelector('h1') || {}).textContent || '',
    images: imgs.length,
    broken: imgs.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.alt),
    narrow: imgs.filter(i => i.naturalWidth > 0 && i.naturalWidth < 1000).map(i => i.alt),
    shown: imgs.filter(i => i.getBoundingClientRect().width > 300).length,
    font: document.fonts.check('16px "Noto Sans CJK SC"', '大班额'),
    fontLoaded: [...document.fonts].some(f => f.family.includes('Noto Sans CJK SC') && f.status === 'loaded'),
  };
  const pre = document.createElement('pre');
  pre.id = 'placeplan-probe';
  pre.textContent = JSON.stringify(r);
  document.body.appendChild(pre);
}));
</script>"#;

/// Opens `report` in headless Chromium and checks what a person would see: the page loads,
/// the charts are there (`expected_images` of them, or at least one if `None`), none is broken or below 1000 px of natural width (SVG
/// charts are 1200 units wide, PNG 2400 px), each is shown at a readable width, and the
/// embedded CJK font is in use.
///
/// Without Chromium the check is skipped with a notice, unless `CI` is set: then it fails.
/// Returns whether the check ran.
pub fn assert_report_renders(report: &Path, expected_images: Option<usize>) -> bool {
    let Some(chromium) = find_chromium() else {
        assert!(
            !under_ci(),
            "Chromium is required under CI (run .ci/install-chromium.sh) to check {}",
            report.display()
        );
        // Straight to stderr, past the test harness's capture, so the skip is seen.
        let _ = writeln!(
            std::io::stderr(),
            "NOTICE: Chromium not found; skipping the browser check of {} (install it with .ci/install-chromium.sh)",
            report.display()
        );
        return false;
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    let html = std::fs::read_to_string(report).expect("report.html");
    let probed = match html.rfind("</body>") {
        Some(i) => format!("{}{PROBE}{}", &html[..i], &html[i..]),
        None => panic!("{} has no </body>", report.display()),
    };
    let page = tmp.path().join("report.html");
    std::fs::write(&page, probed).expect("write probed copy");
    let dom = run_chromium(
        &chromium,
        tmp.path(),
        "1280,2000",
        &["--dump-dom".to_string()],
        &page,
    );
    let probe = dom
        .split("<pre id=\"placeplan-probe\">")
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .unwrap_or_else(|| {
            panic!(
                "the page did not finish loading in Chromium: {}",
                report.display()
            )
        })
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    let r: serde_json::Value = serde_json::from_str(&probe).expect("probe JSON");
    assert!(
        !r["title"].as_str().unwrap_or("").is_empty(),
        "no title: {r}"
    );
    assert!(
        !r["h1"].as_str().unwrap_or("").is_empty(),
        "no heading: {r}"
    );
    let images = r["images"].as_u64().unwrap_or(0);
    match expected_images {
        Some(n) => assert_eq!(images, n as u64, "chart count: {r}"),
        None => assert!(images > 0, "no chart in the report: {r}"),
    }
    assert_eq!(
        r["broken"].as_array().map(Vec::len),
        Some(0),
        "broken images: {r}"
    );
    assert_eq!(
        r["narrow"].as_array().map(Vec::len),
        Some(0),
        "low-resolution images: {r}"
    );
    assert_eq!(
        r["shown"].as_u64(),
        Some(images),
        "images not shown full width: {r}"
    );
    assert_eq!(
        r["fontLoaded"],
        serde_json::Value::Bool(true),
        "embedded font not used: {r}"
    );
    true
}

/// The whole pipeline: `placeplan run` on the tiny fixture, then every report it wrote.
#[test]
fn run_writes_a_report_that_renders() {
    let out = tempfile::tempdir().expect("temp dir");
    assert_cmd::Command::cargo_bin("placeplan")
        .expect("placeplan binary")
        .args(["run", "--out"])
        .arg(out.path())
        .args([
            "--draws",
            "50",
            "scenarios/plan.toml",
            "scenarios/current-pace.toml",
        ])
        .assert()
        .success();
    let mut reports = Vec::new();
    let mut dirs = vec![out.path().to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read output").flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.file_name().is_some_and(|n| n == "report.html") {
                reports.push(path);
            }
        }
    }
    assert!(
        !reports.is_empty(),
        "no report.html under {}",
        out.path().display()
    );
    for report in reports {
        assert_report_renders(&report, None);
        assert_report_prints(&report, 1..=40);
    }
}

/// A province-sized data set: the shortfall chart keeps the 20 largest areas and says so.
#[test]
fn shortfall_chart_shows_the_largest_areas_only() {
    let (mut data, runs) = fake_runs();
    for i in 0..18 {
        data.areas.push(Area {
            id: format!("extra-{i}"),
            name: format!("Extra area {i}"),
            kind: AreaKind::County,
            urban: false,
            name_en: None,
            centroid: None,
        });
    }
    let (scenario, result) = &runs[0];
    let view = RunView {
        scenario,
        data: &data,
        result,
        boundaries: None,
        pipeline: None,
        priority: None,
    };
    let opts = ChartOptions {
        lang: Lang::En,
        formats: vec![Format::Svg],
        generated: "2019-07-01".into(),
    };
    let dir = tempfile::tempdir().expect("temp dir");
    write_drawn(
        dir.path(),
        &charts::scenario_charts(&view, None, &opts).expect("charts"),
    );
    let svg = std::fs::read_to_string(dir.path().join("shortfall_by_area.svg")).expect("svg");
    // Every label is kept as a <title> beside its outlines (a long one wrapped over lines).
    let titles: Vec<&str> = svg
        .split("<title>")
        .skip(1)
        .filter_map(|t| t.split("</title>").next())
        .collect();
    assert!(
        titles
            .join(" ")
            .contains("the 20 largest of 30 areas shown"),
        "subtitle"
    );
    let shown = data
        .areas
        .iter()
        .filter(|a| {
            let label = a.name_en.as_deref().unwrap_or(&a.name);
            svg.contains(&format!("<title>{label}</title>"))
        })
        .count();
    assert_eq!(shown, 20);
    assert!(
        svg.contains("<title>Leiyang</title>"),
        "the largest area is shown, by its English name"
    );
}

/// With `areas.geojson` the map is a choropleth of the areas' own boundaries (here squares
/// around the fake centroids), each labelled with its name and shortfall share.
#[test]
fn boundaries_make_the_map_a_choropleth() {
    let (data, runs) = fake_runs();
    let shapes: placeplan::geo::Boundaries = data
        .areas
        .iter()
        .filter_map(|a| {
            let (x, y) = a.centroid?;
            let d = 0.06;
            Some(placeplan::geo::AreaShape {
                area_id: a.id.clone(),
                rings: vec![vec![
                    (x - d, y - d),
                    (x + d, y - d),
                    (x + d, y + d),
                    (x - d, y + d),
                    (x - d, y - d),
                ]],
            })
        })
        .collect();
    let (scenario, result) = &runs[1];
    let view = RunView {
        scenario,
        data: &data,
        result,
        boundaries: Some(&shapes),
        pipeline: None,
        priority: None,
    };
    let (_keep, dir) = out_dir(Lang::En);
    let opts = ChartOptions {
        lang: Lang::En,
        formats: vec![Format::Svg, Format::Png],
        generated: "2019-07-01".into(),
    };
    let dir = dir.join("choropleth");
    write_drawn(
        &dir,
        &charts::scenario_charts(&view, None, &opts).expect("charts"),
    );
    let svg = std::fs::read_to_string(dir.join("shortfall_map.svg")).expect("map");
    assert!(
        svg.contains("areas.geojson"),
        "subtitle names the boundaries"
    );
    assert!(svg.contains("<title>Leiyang 2.1%</title>"), "area labelled");
    assert_memo_readable(&dir.join("shortfall_map.svg"), &svg);
}
