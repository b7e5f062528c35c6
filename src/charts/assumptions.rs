//! A scenario's assumptions as sentences in the report's language: the pace of construction,
//! cancelled and extra projects, changed growth assumptions, class sizes, rebalancing,
//! sampling and targets. Words only, no markup; driver and stage codes are translated (a code
//! this module does not know is shown as it is).

use super::series;
use super::{Lang, RunView, labels};
use crate::model::AreaSel;
use crate::scenario::{DriverChange, Pace, Sampling};

/// A driver's name, and whether its values are rates (shown as per cents).
fn driver(code: &str, lang: Lang) -> (String, bool) {
    let (zh, en, rate) = match code {
        "birth_change" => ("出生人口年变化率", "annual change of births", true),
        "entry_ratio" => (
            "一年级入学人数与六年前出生人数之比",
            "grade-1 entrants per birth six years earlier",
            false,
        ),
        "progression_factor" => (
            "升级率的乘数",
            "multiplier on the progression ratios",
            false,
        ),
        "migrant_inflow" => (
            "随迁子女每年流入城镇学校的人数",
            "migrant children entering town schools per year",
            false,
        ),
        "migrant_from_rural_share" => (
            "随迁子女中来自本区县农村的比例",
            "share of migrant children from the area's own villages",
            true,
        ),
        "rural_to_town_rate" => (
            "农村学生每年转入本区县城镇学校的比例",
            "share of village pupils moving to the area's town schools per year",
            true,
        ),
        "migrant_change" => (
            "随迁子女流入的年变化率",
            "annual change of the migrant inflow",
            true,
        ),
        "returning_inflow" => (
            "每年回流学生人数",
            "students returning from elsewhere per year",
            false,
        ),
        "returning_change" => (
            "回流学生的年变化率",
            "annual change of returning students",
            true,
        ),
        other => (other, other, false),
    };
    (lang.pick(zh, en).to_string(), rate)
}

/// A stage's name: `primary` → 小学 / primary.
fn stage(code: &str, lang: Lang) -> String {
    match (code, lang) {
        ("primary", Lang::Zh) => "小学".into(),
        ("junior", Lang::Zh) => "初中".into(),
        ("senior", Lang::Zh) => "高中".into(),
        (other, _) => other.into(),
    }
}

fn value(v: f64, rate: bool) -> String {
    if rate {
        let pct = v * 100.0;
        if (pct - pct.round()).abs() < 1e-9 {
            format!("{pct:.0}%")
        } else {
            format!("{pct:.1}%")
        }
    } else if v.abs() >= 100.0 {
        series::thousands(v)
    } else {
        format!("{}", (v * 1000.0).round() / 1000.0)
    }
}

/// The scenario's assumptions, one sentence each.
pub fn sentences(run: &RunView, lang: Lang) -> Vec<String> {
    let sc = run.scenario;
    let mut out = Vec::new();
    let (base, horizon) = (run.result.base_year.0, run.result.horizon.0);
    out.push(match lang {
        Lang::Zh => format!(
            "以数据集{}为基础，基年{base}年（{base}/{}学年），模拟至{horizon}年。",
            run.data.name,
            (base + 1) % 100
        ),
        Lang::En => format!(
            "Data set {}, base year {base} (school year {base}/{:02}), simulated to {horizon}.",
            run.data.name,
            (base + 1) % 100
        ),
    });
    let pace = match (sc.pace, lang) {
        (Pace::Plan, Lang::Zh) => "建设项目按计划日期完工。".to_string(),
        (Pace::Plan, Lang::En) => "Projects complete on their planned dates.".to_string(),
        (Pace::CurrentPace, Lang::Zh) => "建设项目按基准日的实际进度推算延误。".to_string(),
        (Pace::CurrentPace, Lang::En) => {
            "Projects are delayed as the progress at the base date suggests.".to_string()
        }
        (Pace::Accelerated(f), Lang::Zh) => format!(
            "加快建设：每个项目的延误为当前进度所示的{}倍。",
            value(f, false)
        ),
        (Pace::Accelerated(f), Lang::En) => format!(
            "Construction is accelerated: every delay is {} times what the current pace suggests.",
            value(f, false)
        ),
    };
    let mut cancelled = Vec::new();
    if sc.cancel.all {
        cancelled.push(lang.pick("全部项目", "every project").to_string());
    }
    cancelled.extend(sc.cancel.batches.iter().map(|b| match lang {
        Lang::Zh => format!("批次{b}"),
        Lang::En => format!("batch {b}"),
    }));
    cancelled.extend(sc.cancel.projects.iter().cloned());
    if sc.cancel.all {
        out.push(
            lang.pick(
                "取消数据集中的全部项目：各校保持基年的教室数。",
                "Every project of the data set is cancelled: schools keep their base-year classrooms.",
            )
            .to_string(),
        );
    } else {
        out.push(pace);
        if !cancelled.is_empty() {
            out.push(match lang {
                Lang::Zh => format!("取消：{}。", cancelled.join("、")),
                Lang::En => format!("Cancelled: {}.", cancelled.join(", ")),
            });
        }
    }
    if !sc.extra_projects.is_empty() {
        let rooms: u32 = sc.extra_projects.iter().map(|p| p.classrooms).sum();
        out.push(match lang {
            Lang::Zh => format!("新增{}个项目，共{}间教室。", sc.extra_projects.len(), rooms),
            Lang::En => format!(
                "{} extra projects add {rooms} classrooms.",
                sc.extra_projects.len()
            ),
        });
    }
    for d in &sc.drivers {
        let (name, rate) = driver(d.driver.as_str(), lang);
        let area = match &d.area {
            AreaSel::All => lang.pick("所有区县", "every area").to_string(),
            AreaSel::Area(id) => run
                .data
                .areas
                .iter()
                .find(|a| &a.id == id)
                .map_or(id.clone(), |a| labels::area_name(a, lang).to_string()),
        };
        out.push(match (&d.change, lang) {
            (DriverChange::Multiply(f), Lang::Zh) => {
                format!("{area}的{name}为数据集假设的{}倍。", value(*f, false))
            }
            (DriverChange::Multiply(f), Lang::En) => format!(
                "In {area}, the {name} is {} times the data set's assumption.",
                value(*f, false)
            ),
            (DriverChange::Replace(t), Lang::Zh) => format!(
                "{area}的{name}取{}（低{}，高{}）。",
                value(t.central, rate),
                value(t.low, rate),
                value(t.high, rate)
            ),
            (DriverChange::Replace(t), Lang::En) => format!(
                "In {area}, the {name} is {} (low {}, high {}).",
                value(t.central, rate),
                value(t.low, rate),
                value(t.high, rate)
            ),
        });
    }
    if sc.drivers.is_empty() {
        out.push(
            lang.pick(
                "增长假设采用数据集的假设表（growth.csv）。",
                "Growth assumptions are the data set's (growth.csv).",
            )
            .to_string(),
        );
    }
    let mut sizes: Vec<(String, u32)> = run
        .data
        .stages
        .iter()
        .map(|s| {
            let n = sc
                .classes
                .standard_size
                .get(&s.name)
                .copied()
                .unwrap_or(s.class_size);
            (stage(&s.name, lang), n)
        })
        .collect();
    sizes.dedup();
    let sizes: Vec<String> = sizes
        .iter()
        .map(|(s, n)| match lang {
            Lang::Zh => format!("{s}{n}人"),
            Lang::En => format!("{s} {n}"),
        })
        .collect();
    out.push(match lang {
        Lang::Zh => format!(
            "标准班额为{}；{}人及以上为大班额，{}人及以上为超大班额。",
            sizes.join("、"),
            sc.classes.oversized,
            sc.classes.super_oversized
        ),
        Lang::En => format!(
            "Standard class sizes: {}; a class of {}+ pupils is oversized, {}+ super-oversized.",
            sizes.join(", "),
            sc.classes.oversized,
            sc.classes.super_oversized
        ),
    });
    out.push(if sc.rebalancing > 0.0 {
        match lang {
            Lang::Zh => format!(
                "每年最多将超出学位学生的{:.0}%分流到同区县、同学段有空余学位的学校。",
                sc.rebalancing * 100.0
            ),
            Lang::En => format!(
                "Each year up to {:.0}% of the pupils above a school's places move to a school of the same area and stage with spare places.",
                sc.rebalancing * 100.0
            ),
        }
    } else {
        lang.pick(
            "不分流学生：学生留在原学校。",
            "No rebalancing: pupils stay at their schools.",
        )
        .to_string()
    });
    let sampling = match (sc.sampling, lang) {
        (Sampling::Triangular, Lang::Zh) => "三角分布",
        (Sampling::Triangular, Lang::En) => "triangular",
        (Sampling::Pert, Lang::Zh) => "PERT分布",
        (Sampling::Pert, Lang::En) => "Beta-PERT",
    };
    out.push(match lang {
        Lang::Zh => format!(
            "不确定的假设按{sampling}抽样，区县间相关系数{:.1}；模拟{}次，随机种子{}。",
            sc.correlation,
            series::thousands(f64::from(run.result.draws)),
            sc.seed
        ),
        Lang::En => format!(
            "Uncertain assumptions are sampled {sampling}, correlation between areas {:.1}; {} draws, seed {}.",
            sc.correlation,
            series::thousands(f64::from(run.result.draws)),
            sc.seed
        ),
    });
    for t in &sc.targets {
        out.push(match lang {
            Lang::Zh => format!("目标：{}。", t.title_zh),
            Lang::En => format!("Target: {}.", t.title_en),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_as_per_cents_and_counts_with_separators() {
        assert_eq!(value(-0.15, true), "-15%");
        assert_eq!(value(0.025, true), "2.5%");
        assert_eq!(value(12_500.0, false), "12,500");
        assert_eq!(value(1.5, false), "1.5");
        assert_eq!(driver("birth_change", Lang::Zh).0, "出生人口年变化率");
        assert_eq!(driver("new_driver", Lang::En).0, "new_driver");
        assert_eq!(stage("junior", Lang::Zh), "初中");
    }
}
