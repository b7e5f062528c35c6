//! A scenario beside its base scenario (the file's `base`, e.g. `birth-decline` against
//! `current-pace`): the share of classes with 56+ pupils in each, over each one's horizon, with
//! the probability of meeting the targets. Without a base scenario in the run, the scenario
//! alone. Only draws.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::headline::draw_oversized_share;
use super::series::{self, CITY};
use super::{ChartOptions, Lang, RunView, labels};

/// The title: the two scenarios' shares at the last year they share (or the scenario's own
/// share at its horizon when it stands alone).
fn title(run: &RunView, base: Option<&RunView>, lang: Lang) -> String {
    let own = series::oversized_share(run.result, CITY);
    let name = labels::scenario_title(run, lang);
    let Some(base) = base else {
        let last = own.last();
        return match (lang, last) {
            (Lang::Zh, Some(p)) => format!(
                "{name}：{}年大班额占比{}（中位数）",
                p.year,
                series::share(p.p50)
            ),
            (Lang::En, Some(p)) => format!(
                "{name}: {} of classes oversized in {} (median)",
                series::share(p.p50),
                p.year
            ),
            (Lang::Zh, None) => format!("{name}：大班额占比"),
            (Lang::En, None) => format!("{name}: share of classes oversized"),
        };
    };
    let other = series::oversized_share(base.result, CITY);
    let common = own
        .iter()
        .rev()
        .find_map(|p| other.iter().find(|q| q.year == p.year).map(|q| (p, q)));
    let base_name = labels::scenario_title(base, lang);
    match (lang, common) {
        (Lang::Zh, Some((p, q))) => format!(
            "{name}与{base_name}：{}年大班额占比{}对{}",
            p.year,
            series::share(p.p50),
            series::share(q.p50)
        ),
        (Lang::En, Some((p, q))) => format!(
            "{name} against {base_name}: {} against {} of classes oversized in {}",
            series::share(p.p50),
            series::share(q.p50),
            p.year
        ),
        (Lang::Zh, None) => format!("{name}与{base_name}"),
        (Lang::En, None) => format!("{name} against {base_name}"),
    }
}

/// Draws `run` beside `base` (its base scenario, when the run has it).
pub fn draw_versus_base<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &RunView,
    base: Option<&RunView>,
    opts: &ChartOptions,
) -> anyhow::Result<()> {
    let runs: Vec<RunView> = base.into_iter().copied().chain([*run]).collect();
    draw_oversized_share(root, &runs, opts, Some(title(run, base, opts.lang)))
}
