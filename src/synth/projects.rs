//! The plan batches of a generation: `due-2019` and `start-2019` projects, apportioned to areas and
//! stages by their shortfall, sited as new schools or expansions of the most crowded, with planned
//! dates and mid-2019 statuses. Draws from its own seeded RNG.

use std::collections::{HashMap, HashSet};

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::draft::Draft;
use super::hengyang::Targets;
use crate::model::{Project, ProjectKind, ProjectStatus, School, YearMonth};

/// Projects of the plan batches: `due-2019` to complete in 2019 (`due_completed` of them done at
/// mid-year), `start-2019` to start in 2019 (`started` under way). Sited where town-centre
/// schools are short of places; expansions at the most crowded schools.
pub(super) fn projects(d: &Draft, t: &Targets, rng: &mut ChaCha8Rng) -> Vec<Project> {
    // Shortfall by (area, stage) among town schools, and the most crowded schools.
    let mut need: Vec<(String, String, f64)> = Vec::new();
    // Index of each (area, stage) in `need`, and its town schools in order (a nation has
    // thousands of areas: no scan of them per school).
    let mut need_at: HashMap<(&str, &str), usize> = HashMap::new();
    let mut town_schools: Vec<Vec<usize>> = Vec::new();
    for (i, s) in d.schools.iter().enumerate() {
        if !s.urban {
            continue;
        }
        let size = d
            .stages
            .iter()
            .find(|st| st.name == s.stage)
            .map_or(45, |st| st.class_size);
        let total: u32 = d.base[i].iter().sum();
        let short = f64::from(total.saturating_sub(s.classrooms * size)) + 0.02 * f64::from(total);
        match need_at.get(&(s.area_id.as_str(), s.stage.as_str())) {
            Some(&n) => {
                need[n].2 += short;
                town_schools[n].push(i);
            }
            None => {
                need_at.insert((&s.area_id, &s.stage), need.len());
                need.push((s.area_id.clone(), s.stage.clone(), short));
                town_schools.push(vec![i]);
            }
        }
    }
    let area_names: HashMap<&str, &str> = d
        .areas
        .iter()
        .rev()
        .map(|a| (a.id.as_str(), a.name.as_str()))
        .collect();
    // Schools a project already names, and projects per batch so far.
    let mut named: HashSet<String> = HashSet::new();
    let mut in_batch: HashMap<&str, usize> = HashMap::new();
    let total_need: f64 = need.iter().map(|n| n.2).sum();
    let mut projects = Vec::new();
    let count = t.due + t.start;
    // Which slot belongs to which batch: shuffled, so both batches spread over the areas.
    let mut batches: Vec<bool> = (0..count).map(|k| k < t.due).collect();
    for k in (1..count).rev() {
        batches.swap(k, rng.random_range(0..=k));
    }
    // Largest-remainder apportionment of projects to (area, stage) by need.
    let quotas: Vec<f64> = need
        .iter()
        .map(|n| n.2 / total_need * count as f64)
        .collect();
    let mut alloc: Vec<usize> = quotas.iter().map(|q| q.floor() as usize).collect();
    let mut order: Vec<usize> = (0..need.len()).collect();
    order.sort_by(|&a, &b| {
        (quotas[b] - quotas[b].floor())
            .total_cmp(&(quotas[a] - quotas[a].floor()))
            .then(a.cmp(&b))
    });
    let mut k = 0;
    while alloc.iter().sum::<usize>() < count {
        alloc[order[k % order.len()]] += 1;
        k += 1;
    }
    let mut slots: Vec<(usize, usize)> = Vec::new();
    for (n, &c) in alloc.iter().enumerate() {
        for j in 0..c {
            slots.push((n, j));
        }
    }
    // Interleave so both batches spread over the areas.
    slots.sort_by_key(|&(n, j)| (j, n));
    for (seq, &(n, j)) in slots.iter().enumerate() {
        let (area_id, stage, _) = &need[n];
        let due = batches[seq];
        let area_name = area_names.get(area_id.as_str()).copied().unwrap_or("");
        let build_new = rng.random::<f64>() < if due { 0.6 } else { 0.5 };
        let primary = stage == "primary";
        let new_school = |rng: &mut ChaCha8Rng| {
            let id = format!(
                "{}-{}N{:03}",
                area_id,
                if primary { "P" } else { "J" },
                j + 1
            );
            let rooms = if primary {
                6 * rng.random_range(6..=9u32)
            } else {
                3 * rng.random_range(10..=14u32)
            };
            let label = if primary { "小学" } else { "中学" };
            let name = format!("{area_name}新建第{}{label}", j + 1);
            (id, name, ProjectKind::NewSchool, rooms)
        };
        let (school_id, name, kind, rooms) = if build_new {
            new_school(rng)
        } else {
            // The most crowded town school of the area and stage not yet expanded.
            let size = if primary { 45 } else { 50 };
            let target = town_schools[n]
                .iter()
                .map(|&i| (i, &d.schools[i]))
                .filter(|(_, s)| !named.contains(&s.id))
                .max_by(|(a, sa), (b, sb)| {
                    let crowd = |i: usize, s: &School| {
                        f64::from(d.base[i].iter().sum::<u32>())
                            / f64::from((s.classrooms * size).max(1))
                    };
                    crowd(*a, sa).total_cmp(&crowd(*b, sb)).then(b.cmp(a))
                });
            match target {
                Some((_, s)) => {
                    let rooms = if primary {
                        6 * rng.random_range(1..=3u32)
                    } else {
                        3 * rng.random_range(2..=5u32)
                    };
                    (
                        s.id.clone(),
                        format!("{}扩建", s.name),
                        ProjectKind::Expansion,
                        rooms,
                    )
                }
                // Every town school here is already being expanded: build a new one instead.
                None => new_school(rng),
            }
        };
        let batch = if due { "due-2019" } else { "start-2019" };
        let seq_in_batch = in_batch.entry(batch).or_default();
        *seq_in_batch += 1;
        let id = format!("{}-{:03}", if due { "D" } else { "S" }, *seq_in_batch);
        let (start, done) = if due {
            // Planned to finish in 2019; a third before mid-year, most for the new school year.
            let month = match rng.random_range(0..100u32) {
                0..=39 => rng.random_range(1..=6u8),
                40..=84 => 8,
                _ => rng.random_range(9..=12u8),
            };
            let done = YearMonth { year: 2019, month };
            (
                YearMonth::from_index(done.index() - rng.random_range(12..=24)),
                done,
            )
        } else {
            let month = if rng.random::<f64>() < 0.8 {
                rng.random_range(1..=6u8)
            } else {
                rng.random_range(7..=12u8)
            };
            let start = YearMonth { year: 2019, month };
            (
                start,
                YearMonth::from_index(start.index() + rng.random_range(18..=30)),
            )
        };
        named.insert(school_id.clone());
        projects.push(Project {
            id,
            name,
            area_id: area_id.clone(),
            stage: stage.clone(),
            kind,
            school_id,
            classrooms: rooms,
            status: ProjectStatus::NotStarted,
            planned_start: start,
            planned_completion: done,
            batch: batch.into(),
            cost: None,
        });
    }
    // Statuses at mid-2019: the due projects planned earliest are the ones completed; the
    // start projects planned earliest are the ones started.
    rank_statuses(
        &mut projects,
        "due-2019",
        |p| p.planned_completion,
        t.due_completed,
        (ProjectStatus::Completed, ProjectStatus::UnderConstruction),
    );
    rank_statuses(
        &mut projects,
        "start-2019",
        |p| p.planned_start,
        t.started,
        (ProjectStatus::UnderConstruction, ProjectStatus::NotStarted),
    );
    projects
}

/// Sets the statuses of one batch: its first `first` projects by `date` (ties in list order)
/// get `early`, the others `late`.
fn rank_statuses(
    projects: &mut [Project],
    batch: &str,
    date: fn(&Project) -> YearMonth,
    first: usize,
    (early, late): (ProjectStatus, ProjectStatus),
) {
    let mut order: Vec<usize> = (0..projects.len())
        .filter(|&i| projects[i].batch == batch)
        .collect();
    order.sort_by_key(|&i| (date(&projects[i]), i));
    for (rank, &i) in order.iter().enumerate() {
        projects[i].status = if rank < first { early } else { late };
    }
}
