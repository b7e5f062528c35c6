//! Step 4's pipeline risk: when each project completes, by scenario pace.
//!
//! `current-pace` delays are calibrated from the data set itself: the statuses at the base date
//! say how many projects have completed and started, and the planned dates say how many should
//! have. Completion delay and start delay are exponential (memoryless, so a project that is late
//! at the base date stays as late as a new one), each with the mean that makes the expected count
//! at the base date equal the observed count. For Hengyang 2019: 4 of 52 `due-2019` projects
//! completed and 67 of 123 `start-2019` projects started at mid-year.

use crate::model::{Project, ProjectStatus, YearMonth};
use crate::scenario::Pace;

/// Exponential delay means, in months, calibrated to the base-date progress.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DelayCalibration {
    /// Mean delay of completion after the planned (or base) date, months.
    pub completion_mean: f64,
    /// Mean delay of a start after the planned (or base) date, months.
    pub start_mean: f64,
    /// Projects completed at the base date, and the number the fitted delays expect.
    pub completed: usize,
    /// Projects started (under construction or completed) at the base date.
    pub started: usize,
    /// Projects whose planned completion / start was before the base date.
    pub due_by_base: usize,
    pub start_due_by_base: usize,
}

/// Fits the mean `mu` of an exponential delay so that Σ P(delay < m_i) = `observed`,
/// where `m_i` are the months between each planned date and the base date (≤ 0 = not yet due).
/// Returns 0 when even no delay at all cannot explain so many (the pipeline is on schedule).
fn fit_mean(months_overdue: &[f64], observed: usize) -> f64 {
    let expected = |mu: f64| -> f64 {
        months_overdue
            .iter()
            .filter(|&&m| m > 0.0)
            .map(|&m| 1.0 - (-m / mu).exp())
            .sum()
    };
    let observed = observed as f64;
    let due = months_overdue.iter().filter(|&&m| m > 0.0).count() as f64;
    if observed >= due {
        return 0.0;
    }
    // expected(mu) falls from `due` (mu → 0) to 0 (mu → ∞): bisect on log mu.
    let (mut lo, mut hi) = (1e-3f64.ln(), 1e4f64.ln());
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if expected(mid.exp()) > observed {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (0.5 * (lo + hi)).exp()
}

/// Calibrates the current-pace delays from the projects' statuses at `base_date`
/// (the first month not yet reported: July for figures reported at mid-year).
pub fn calibrate(projects: &[Project], base_date: YearMonth) -> DelayCalibration {
    let base = f64::from(base_date.index());
    let overdue_completion: Vec<f64> = projects
        .iter()
        .map(|p| base - f64::from(p.planned_completion.index()))
        .collect();
    let overdue_start: Vec<f64> = projects
        .iter()
        .map(|p| base - f64::from(p.planned_start.index()))
        .collect();
    let completed = projects
        .iter()
        .filter(|p| p.status == ProjectStatus::Completed)
        .count();
    let started = projects
        .iter()
        .filter(|p| p.status != ProjectStatus::NotStarted)
        .count();
    DelayCalibration {
        completion_mean: fit_mean(&overdue_completion, completed),
        start_mean: fit_mean(&overdue_start, started),
        completed,
        started,
        due_by_base: overdue_completion.iter().filter(|&&m| m > 0.0).count(),
        start_due_by_base: overdue_start.iter().filter(|&&m| m > 0.0).count(),
    }
}

/// The completion month (as a fractional month index) of a project for given standard
/// exponential variates `e_start`, `e_completion` (mean 1), under a pace.
/// The central case passes ln 2 for both: the median delay.
pub fn completion(
    project: &Project,
    pace: Pace,
    calibration: &DelayCalibration,
    base_date: YearMonth,
    e_start: f64,
    e_completion: f64,
) -> f64 {
    let planned = f64::from(project.planned_completion.index());
    let scale = match pace {
        Pace::Plan => return planned,
        Pace::CurrentPace => 1.0,
        Pace::Accelerated(scale) => scale,
    };
    let base = f64::from(base_date.index());
    let slip = e_completion * calibration.completion_mean * scale;
    match project.status {
        ProjectStatus::Completed => planned.min(base - 1.0),
        ProjectStatus::UnderConstruction => planned.max(base) + slip,
        ProjectStatus::NotStarted => {
            let duration = planned - f64::from(project.planned_start.index());
            let start = f64::from(project.planned_start.index()).max(base)
                + e_start * calibration.start_mean * scale;
            start + duration + slip
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ProjectKind;

    fn project(status: ProjectStatus, start: (u16, u8), done: (u16, u8)) -> Project {
        Project {
            id: "P".into(),
            name: "p".into(),
            area_id: "A".into(),
            stage: "primary".into(),
            kind: ProjectKind::Expansion,
            school_id: "S".into(),
            classrooms: 12,
            status,
            planned_start: YearMonth {
                year: start.0,
                month: start.1,
            },
            planned_completion: YearMonth {
                year: done.0,
                month: done.1,
            },
            batch: "due-2019".into(),
        }
    }

    #[test]
    fn calibrated_delays_reproduce_the_observed_completions() {
        // 10 projects all 4 months overdue, 2 completed: 10·(1 − e^(−4/μ)) = 2 → μ = 4/ln(1.25).
        let mut ps: Vec<Project> = (0..10)
            .map(|_| project(ProjectStatus::UnderConstruction, (2018, 1), (2019, 3)))
            .collect();
        ps[0].status = ProjectStatus::Completed;
        ps[1].status = ProjectStatus::Completed;
        let c = calibrate(
            &ps,
            YearMonth {
                year: 2019,
                month: 7,
            },
        );
        let expected = 4.0 / 1.25f64.ln();
        assert!(
            (c.completion_mean - expected).abs() < 1e-6,
            "{}",
            c.completion_mean
        );
        // Every planned start passed and all started: no start delay.
        assert_eq!(c.start_mean, 0.0);
    }

    #[test]
    fn plan_pace_keeps_planned_dates_and_late_projects_finish_after_base() {
        let p = project(ProjectStatus::UnderConstruction, (2018, 1), (2019, 3));
        let cal = DelayCalibration {
            completion_mean: 10.0,
            start_mean: 5.0,
            completed: 0,
            started: 0,
            due_by_base: 0,
            start_due_by_base: 0,
        };
        let base = YearMonth {
            year: 2019,
            month: 7,
        };
        let planned = f64::from(p.planned_completion.index());
        assert_eq!(completion(&p, Pace::Plan, &cal, base, 1.0, 1.0), planned);
        let late = completion(&p, Pace::CurrentPace, &cal, base, 1.0, 1.0);
        assert_eq!(late, f64::from(base.index()) + 10.0);
        let fast = completion(&p, Pace::Accelerated(1.0 / 3.0), &cal, base, 1.0, 1.0);
        assert!(fast < late && fast >= f64::from(base.index()));
    }
}
