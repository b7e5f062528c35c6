//! What the base date says about the pipeline's pace: the prior (a reference class of public
//! works) and the posterior (after the data set's own evidence) of the programme's median delay,
//! as a share of a project's planned duration, in bands. Only draws what the engine fitted.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::draw::{self, Bar, BarGroup, Frame, Key, LegendEntry};
use super::{ChartOptions, Lang, RunView, labels};
use crate::engine::pipeline::Pipeline;

/// Upper bounds of the bands of the median delay ratio (the last band is open).
const BANDS: [f64; 6] = [0.05, 0.1, 0.2, 0.4, 0.8, f64::INFINITY];

/// Probability (per cent) of each band under a discrete density of the ratio.
fn banded(density: &[(f64, f64)]) -> [f64; 6] {
    let mut out = [0.0; 6];
    for &(ratio, p) in density {
        let band = BANDS.iter().position(|&b| ratio < b).unwrap_or(5);
        out[band] += 100.0 * p;
    }
    out
}

fn band_label(i: usize, lang: Lang) -> String {
    let pct = |x: f64| format!("{:.0}%", 100.0 * x);
    match (i, lang) {
        (0, Lang::Zh) => format!("低于{}", pct(BANDS[0])),
        (0, Lang::En) => format!("under {}", pct(BANDS[0])),
        (5, Lang::Zh) => format!("{}以上", pct(BANDS[4])),
        (5, Lang::En) => format!("{} or more", pct(BANDS[4])),
        _ => format!("{}–{}", pct(BANDS[i - 1]), pct(BANDS[i])),
    }
}

pub fn draw_delays<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &RunView,
    pipeline: &Pipeline,
    opts: &ChartOptions,
) -> anyhow::Result<()> {
    super::font::ensure_registered()?;
    let lang = opts.lang;
    let s = draw::scale(root);
    let prior = banded(&pipeline.prior_density());
    let posterior = banded(&pipeline.posterior_density());
    let groups: Vec<BarGroup> = (0..BANDS.len())
        .map(|i| BarGroup {
            label: band_label(i, lang),
            bars: [prior[i], posterior[i]]
                .iter()
                .map(|&v| {
                    Some(Bar {
                        value: v,
                        whisker: None,
                        label: format!("{v:.0}%"),
                    })
                })
                .collect(),
        })
        .collect();
    let e = pipeline.evidence;
    let (p, months) = (pipeline.posterior, pipeline.typical_duration);
    let name = labels::scenario_title(run, lang);
    let title = match lang {
        Lang::Zh => format!(
            "{name}：项目延误中位数约为计划工期的{:.0}%（90%区间{:.0}%–{:.0}%）",
            100.0 * p.p50,
            100.0 * p.p05,
            100.0 * p.p95
        ),
        Lang::En => format!(
            "{name}: projects are late by a median {:.0}% of their planned duration (90% interval {:.0}–{:.0}%)",
            100.0 * p.p50,
            100.0 * p.p05,
            100.0 * p.p95
        ),
    };
    let subtitle = match lang {
        Lang::Zh => format!(
            "先验：公共工程参考类（英国财政部乐观偏差指南所引2002年研究，工期超支中位数7%）；证据：基准日计划已竣工的{}个项目中{}个竣工，计划已开工的{}个中{}个开工；对{:.0}个月工期的项目约延误{:.1}个月",
            e.due,
            e.completed,
            e.start_due,
            e.started,
            months,
            p.p50 * months
        ),
        Lang::En => format!(
            "Prior: a reference class of public works (HM Treasury optimism bias guidance, Mott MacDonald 2002: median works-duration overrun 7%); evidence at the base date: {} of {} projects due had completed, {} of {} due to start had started; {:.1} months for a {:.0}-month project",
            e.completed,
            e.due,
            e.started,
            e.start_due,
            p.p50 * months,
            months
        ),
    };
    let legend = vec![
        LegendEntry {
            key: Key::Bar(draw::BAR_FILLS[draw::bar_fill_index(0, 2)]),
            label: lang.pick("先验", "prior").to_string(),
        },
        LegendEntry {
            key: Key::Bar(draw::BAR_FILLS[draw::bar_fill_index(1, 2)]),
            label: lang
                .pick(
                    "依据基准日进度的后验",
                    "posterior, after the base date's evidence",
                )
                .to_string(),
        },
    ];
    let frame = Frame {
        title,
        subtitle,
        legend,
        table: None,
        source: labels::source(std::slice::from_ref(run), opts),
    };
    let plot = draw::draw_frame(root, &frame)?;
    draw::hbar_plot(
        &plot,
        &groups,
        lang.pick(
            "项目延误中位数落在该区间的概率（%）；区间为延误占计划工期的比例",
            "probability that the median delay (share of planned duration) is in the band, %",
        ),
        lang,
        s,
    )
}
