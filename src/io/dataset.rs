//! Loading a data set folder (SPEC §3) into a checked [`DataSet`].
//!
//! Every file is read, every row parsed and every cross-file rule checked before anything is
//! returned, so that one run of `placeplan validate` lists all the problems of a data set, each
//! with file, line, column, the value found and what was expected. This module only reads; it
//! computes no projection.

use std::collections::{BTreeMap, BTreeSet};

use hashbrown::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use crate::input::csvsheet::{Cells, Columns, Sheet};
use crate::input::parse::{YEAR, parse_number, parse_whole, parse_year, parse_year_month};
use crate::input::suggest::nearest;
use crate::input::{InputError, InputErrors};
use crate::model::limits::{MAX_CLASSROOMS, MAX_FLOW, MAX_GRADE_PUPILS, check_driver_value};
use crate::model::{
    Area, AreaKind, AreaSel, Births, DataSet, Driver, Enrolment, Flow, FlowKind, Growth, Profile,
    Project, ProjectKind, ProjectStatus, School, SchoolYear, Settings, Stage, ThreePoint,
    YearMonth,
};

pub(crate) const AREAS: Columns = Columns {
    required: &["area_id", "name", "kind", "urban"],
    optional: &["name_en", "lon", "lat"],
};
pub(crate) const SCHOOLS: Columns = Columns {
    required: &[
        "school_id",
        "area_id",
        "name",
        "stage",
        "urban",
        "classrooms",
    ],
    optional: &[],
};
pub(crate) const ENROLMENT: Columns = Columns {
    required: &["school_id", "year", "grade", "pupils"],
    optional: &[],
};
pub(crate) const BIRTHS: Columns = Columns {
    required: &["area_id", "year", "births"],
    optional: &[],
};
pub(crate) const GROWTH: Columns = Columns {
    required: &["area_id", "driver", "low", "central", "high"],
    optional: &["from_year", "to_year"],
};
pub(crate) const PROFILES: Columns = Columns {
    required: &["driver", "grade", "share"],
    optional: &[],
};
pub(crate) const STAGES: Columns = Columns {
    required: &["stage", "first_grade", "last_grade", "class_size"],
    optional: &["cost_per_place"],
};
pub(crate) const SETTINGS: Columns = Columns {
    required: &["setting", "value"],
    optional: &[],
};
pub(crate) const FLOWS: Columns = Columns {
    required: &["area_id", "year", "flow", "pupils"],
    optional: &[],
};
/// The settings of `settings.csv`, each required once.
pub const SETTING_NAMES: [&str; 2] = ["base_date", "entry_age"];
pub(crate) const PROJECTS: Columns = Columns {
    required: &[
        "project_id",
        "name",
        "area_id",
        "stage",
        "kind",
        "school_id",
        "classrooms",
        "status",
        "planned_start",
        "planned_completion",
        "batch",
    ],
    optional: &["cost"],
};

/// Drivers whose grade profile lives in `profiles.csv`.
pub const PROFILE_DRIVERS: [Driver; 2] = [Driver::MigrantInflow, Driver::ReturningInflow];

/// Tolerance on the sum of a profile's shares.
const SHARE_TOLERANCE: f64 = 1e-6;

/// Reads and checks the data set in `dir`. Returns every problem found, in file and line order.
pub fn load(dir: &Path) -> Result<DataSet, InputErrors> {
    let mut errs = Vec::new();
    let read = |name: &str, columns: Columns, optional: bool, errs: &mut Vec<InputError>| {
        read_sheet(dir, name, columns, optional, errs)
    };
    let settings_sheet = read("settings.csv", SETTINGS, false, &mut errs);
    let stages_sheet = read("stages.csv", STAGES, false, &mut errs);
    let areas_sheet = read("areas.csv", AREAS, false, &mut errs);
    let schools_sheet = read("schools.csv", SCHOOLS, false, &mut errs);
    let enrolment_sheet = read("enrolment.csv", ENROLMENT, false, &mut errs);
    let births_sheet = read("births.csv", BIRTHS, false, &mut errs);
    let growth_sheet = read("growth.csv", GROWTH, false, &mut errs);
    let profiles_sheet = read("profiles.csv", PROFILES, false, &mut errs);
    let projects_sheet = read("projects.csv", PROJECTS, false, &mut errs);
    let flows_sheet = read("flows.csv", FLOWS, true, &mut errs);

    for sheet in [&areas_sheet, &schools_sheet].into_iter().flatten() {
        if sheet.complete && sheet.records.is_empty() {
            errs.push(InputError::message(
                &sheet.file,
                0,
                0,
                "no rows: expected at least one row below the header",
            ));
        }
    }
    // Without a readable stage table (reported above) the other files are checked against the
    // national one, so that one missing file does not make every stage name an error.
    let stages = match &stages_sheet {
        Some(sheet) => stages(sheet, &mut errs),
        None => crate::model::default_stages(),
    };
    let areas = Checked::of(areas_sheet.as_ref(), |s| areas(s, &mut errs));
    let schools = Checked::of(schools_sheet.as_ref(), |s| {
        schools(s, &stages, &areas, &mut errs)
    });
    let enrolment = enrolment_sheet
        .as_ref()
        .map(|s| enrolment(s, &stages, &schools, &mut errs))
        .unwrap_or_default();
    let base_year = enrolment.iter().map(|e| e.year).max();
    let first_year = enrolment.iter().map(|e| e.year).min();
    let (base_date, entry_age) = settings_sheet
        .as_ref()
        .map_or((None, None), |s| settings(s, base_year, &mut errs));
    let settings = base_date
        .zip(entry_age)
        .map(|(base_date, entry_age)| Settings {
            base_date,
            entry_age,
        });
    let births = match (&births_sheet, entry_age) {
        (Some(s), Some(age)) => births(s, &areas, base_year, age, &mut errs),
        _ => Vec::new(),
    };
    let growth = growth_sheet
        .as_ref()
        .map(|s| growth(s, &areas, &mut errs))
        .unwrap_or_default();
    let profiles = profiles_sheet
        .as_ref()
        .map(|s| profiles(s, &stages, &mut errs))
        .unwrap_or_default();
    let projects = projects_sheet
        .as_ref()
        .map(|s| projects(s, &stages, &areas, &schools, settings, &mut errs))
        .unwrap_or_default();
    let flows = flows_sheet
        .as_ref()
        .map(|s| flows(s, &areas, first_year, base_year, &mut errs))
        .unwrap_or_default();

    let Some(settings) = settings.filter(|_| errs.is_empty()) else {
        // Stable: the order of discovery is kept within a line.
        errs.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        return Err(InputErrors(errs));
    };
    Ok(DataSet {
        name: dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| dir.display().to_string()),
        dir: dir.to_path_buf(),
        settings,
        stages,
        areas: areas.items,
        schools: schools.items,
        enrolment,
        births,
        growth,
        profiles,
        projects,
        flows,
    })
}

/// Reads `dir/name`; `None` when it is absent (an error unless `optional`) or undecodable.
fn read_sheet(
    dir: &Path,
    name: &str,
    columns: Columns,
    optional: bool,
    errs: &mut Vec<InputError>,
) -> Option<Sheet> {
    let path = dir.join(name);
    if !path.exists() {
        if !optional {
            errs.push(InputError::message(
                &path,
                0,
                0,
                format!(
                    "file not found: expected a CSV file with the columns {}",
                    columns.required.join(", ")
                ),
            ));
        }
        return None;
    }
    match crate::input::text::read_text(&path) {
        Ok(text) => Some(Sheet::parse(&path, &text, columns, errs)),
        Err(err) => {
            errs.push(InputError::message(&path, 0, 0, format!("{err:#}")));
            None
        }
    }
}

/// The valid rows of a file, plus every id seen (valid row or not), so that a reference to a row
/// with some other mistake is not reported a second time as unknown.
struct Checked<T> {
    items: Vec<T>,
    /// Every distinct id seen, valid row or not, in file order.
    order: Vec<String>,
    ids: HashSet<String>,
    /// References to this file can be checked (it was read and its header was complete).
    checkable: bool,
}

impl<T> Checked<T> {
    fn of(sheet: Option<&Sheet>, f: impl FnOnce(&Sheet) -> (Vec<T>, Vec<String>)) -> Self {
        match sheet {
            Some(s) => {
                let (items, seen) = f(s);
                let mut ids = HashSet::new();
                let order = seen
                    .into_iter()
                    .filter(|id| ids.insert(id.clone()))
                    .collect();
                Checked {
                    items,
                    order,
                    ids,
                    // An empty file is reported once, not again for every reference to it.
                    checkable: s.complete && !s.records.is_empty(),
                }
            }
            None => Checked {
                items: Vec::new(),
                order: Vec::new(),
                ids: HashSet::new(),
                checkable: false,
            },
        }
    }

    /// False only when the id is certainly unknown.
    fn knows(&self, id: &str) -> bool {
        !self.checkable || self.ids.contains(id)
    }
}

/// Records a duplicate key, pointing at the first occurrence.
fn first_seen<K: std::hash::Hash + Eq>(
    seen: &mut HashMap<K, usize>,
    key: K,
    line: usize,
) -> Option<usize> {
    match seen.get(&key) {
        Some(first) => Some(*first),
        None => {
            seen.insert(key, line);
            None
        }
    }
}

/// `settings.csv`: the base date and the school entry age, each stated once. The base date must
/// lie in the base school year (the latest year of `enrolment.csv`): after 1 September of the
/// base year and by 31 August of the next, since the counts describe that school year.
/// Returns the base date and the entry age, each when it is valid.
fn settings(
    sheet: &Sheet,
    base_year: Option<SchoolYear>,
    errs: &mut Vec<InputError>,
) -> (Option<YearMonth>, Option<u8>) {
    let mut base_date: Option<YearMonth> = None;
    let mut entry_age: Option<u8> = None;
    let mut seen = HashMap::new();
    let mut bad = false;
    for rec in &sheet.records {
        let mut c = sheet.cells(rec, errs);
        let Some(name) = c.choice("setting", &SETTING_NAMES, |s| {
            SETTING_NAMES.iter().copied().find(|n| *n == s)
        }) else {
            bad = true;
            continue;
        };
        if let Some(line) = first_seen(&mut seen, name, rec.line) {
            c.fail(
                "setting",
                format!("each setting once (this one repeats line {line})"),
            );
        }
        match name {
            "base_date" => {
                let date = c.parse(
                    "value",
                    "a month YYYY-MM in the base school year (e.g. 2019-07 for counts of 2018/19)",
                    parse_year_month,
                );
                if let (Some(d), Some(b)) = (date, base_year)
                    && d.first_school_year().0 != b.0 + 1
                {
                    c.fail(
                        "value",
                        format!(
                            "a month in the base school year {}/{}: {}-09 to {}-08 (the base year is the latest year of enrolment.csv)",
                            b.0,
                            (b.0 + 1) % 100,
                            b.0,
                            b.0 + 1
                        ),
                    );
                }
                base_date = date.filter(|_| c.ok());
            }
            _ => {
                entry_age = c.parse(
                    "value",
                    "a whole number of years between 3 and 9 (age at grade-1 entry)",
                    |s| {
                        parse_whole(s)
                            .filter(|a| (3..=9).contains(a))
                            .map(|a| a as u8)
                    },
                );
            }
        }
        bad |= !c.ok();
    }
    if sheet.complete && !bad {
        for (name, present) in [
            ("base_date", base_date.is_some()),
            ("entry_age", entry_age.is_some()),
        ] {
            if !present {
                errs.push(InputError::message(
                    &sheet.file,
                    0,
                    0,
                    format!(
                        "no `{name}` row: expected one row per setting ({})",
                        SETTING_NAMES.join(", ")
                    ),
                ));
            }
        }
    }
    (base_date, entry_age)
}

/// `flows.csv`: the historical flows of the drivers, per area and school year of the history
/// after its first (a flow joins between two counts).
fn flows(
    sheet: &Sheet,
    areas: &Checked<Area>,
    first_year: Option<SchoolYear>,
    base_year: Option<SchoolYear>,
    errs: &mut Vec<InputError>,
) -> Vec<Flow> {
    let mut out = Vec::new();
    let mut seen = HashMap::new();
    for rec in &sheet.records {
        let mut c = sheet.cells(rec, errs);
        let area_id = check_area(&mut c, areas);
        let year = c.year("year");
        if let (Some(y), Some(f), Some(b)) = (year, first_year, base_year)
            && !(f.0 < y.0 && y.0 <= b.0)
        {
            c.fail(
                "year",
                format!(
                    "a year of the history after its first: {}–{} (a flow joins between two counts of enrolment.csv)",
                    f.0 + 1,
                    b.0
                ),
            );
        }
        let kind = c.choice("flow", &FlowKind::NAMES, FlowKind::parse);
        let pupils = c.parse("pupils", "a number of pupils ≥ 0", |s| {
            parse_number(s).filter(|v| *v >= 0.0 && v.is_finite())
        });
        if pupils.is_some_and(|p| p > MAX_FLOW) {
            c.fail(
                "pupils",
                "at most 1048576 pupils (2^20, the engine's exact range per grade)",
            );
        }
        if let (Some(a), Some(y), Some(k)) = (&area_id, year, kind)
            && let Some(line) = first_seen(&mut seen, (a.clone(), y, k), rec.line)
        {
            c.fail(
                "flow",
                format!("one row per area, year and flow (this one repeats line {line})"),
            );
        }
        if c.ok()
            && let (Some(area_id), Some(year), Some(kind), Some(pupils)) =
                (area_id, year, kind, pupils)
        {
            out.push(Flow {
                area_id,
                year,
                kind,
                pupils,
            });
        }
    }
    out
}

fn stages(sheet: &Sheet, errs: &mut Vec<InputError>) -> Vec<Stage> {
    let mut out: Vec<Stage> = Vec::new();
    // The line of each stage in `out`.
    let mut lines: Vec<usize> = Vec::new();
    let mut seen = HashMap::new();
    for rec in &sheet.records {
        let mut c = sheet.cells(rec, errs);
        let name = c.text("stage");
        let first = c.grade("first_grade");
        let last = c.grade("last_grade");
        let size = c.whole("class_size");
        let cost = c.parse_opt("cost_per_place", "a cost in yuan > 0", |s| {
            parse_number(s).filter(|v| *v > 0.0 && v.is_finite())
        });
        if let Some(name) = &name
            && let Some(line) = first_seen(&mut seen, name.clone(), rec.line)
        {
            c.fail(
                "stage",
                format!("a stage name not used before (line {line})"),
            );
        }
        if let (Some(f), Some(l)) = (first, last)
            && l < f
        {
            c.fail("last_grade", format!("a grade ≥ first_grade ({})", f.0));
        }
        if size == Some(0) {
            c.fail("class_size", "a whole number ≥ 1");
        }
        let max = crate::engine::classes::MAX_GRADES;
        if let (Some(f), Some(l)) = (first, last)
            && usize::from(l.0.saturating_sub(f.0)) >= max
        {
            c.fail(
                "last_grade",
                format!(
                    "at most {max} grades in a stage (the engine's limit): a grade ≤ {}",
                    usize::from(f.0) + max - 1
                ),
            );
        }
        if size.is_some_and(|n| n > 1000) {
            c.fail("class_size", "a class size between 1 and 1000");
        }
        if let (Some(f), Some(l)) = (first, last)
            && let Some(other) = out
                .iter()
                .find(|s| f.0 <= s.last_grade && s.first_grade <= l.0)
        {
            c.fail(
                "first_grade",
                format!(
                    "grades not already in stage {} ({}–{})",
                    other.name, other.first_grade, other.last_grade
                ),
            );
        }
        if c.ok()
            && let (Some(name), Some(f), Some(l), Some(size)) = (name, first, last, size)
        {
            out.push(Stage {
                name,
                first_grade: f.0,
                last_grade: l.0,
                class_size: size,
                cost_per_place: cost.flatten(),
            });
            lines.push(rec.line);
        }
    }
    // The grades of the stages follow on without a gap: pupils leaving one stage enter the next.
    // A gap is reported at the first grade of the stage after it.
    let mut sorted: Vec<(&Stage, usize)> = out.iter().zip(lines).collect();
    sorted.sort_by_key(|(s, _)| s.first_grade);
    for w in sorted.windows(2) {
        let ((before, _), (after, line)) = (w[0], w[1]);
        if after.first_grade != before.last_grade + 1 {
            errs.push(InputError::message(
                &sheet.file,
                line,
                sheet.column("first_grade"),
                format!(
                    "stage `{}` ends at grade {} but `{}` starts at grade {}: expected stages of consecutive grades",
                    before.name, before.last_grade, after.name, after.first_grade
                ),
            ));
        }
    }
    if sheet.complete && out.is_empty() && sheet.records.is_empty() {
        errs.push(InputError::message(
            &sheet.file,
            0,
            0,
            "no rows: expected one row per stage (e.g. primary 1–6, junior 7–9)",
        ));
    }
    out
}

fn stage_names(stages: &[Stage]) -> Vec<&str> {
    stages.iter().map(|s| s.name.as_str()).collect()
}

/// Checks a stage name cell against the stage table.
fn check_stage(c: &mut Cells<'_>, stages: &[Stage]) -> Option<String> {
    let name = c.text("stage")?;
    if stages.iter().any(|s| s.name == name) {
        return Some(name);
    }
    let names = stage_names(stages);
    let hint = nearest(&name, names.iter().copied()).map(|n| format!("did you mean {n:?}?"));
    c.fail_hint("stage", format!("a stage: {}", names.join(", ")), hint);
    None
}

fn check_area<T>(c: &mut Cells<'_>, areas: &Checked<T>) -> Option<String> {
    let id = c.text("area_id")?;
    if areas.knows(&id) {
        Some(id)
    } else {
        c.fail("area_id", "an area_id of areas.csv");
        None
    }
}

fn areas(sheet: &Sheet, errs: &mut Vec<InputError>) -> (Vec<Area>, Vec<String>) {
    let mut out = Vec::new();
    let mut ids = Vec::new();
    let mut seen = HashMap::new();
    for rec in &sheet.records {
        let mut c = sheet.cells(rec, errs);
        let id = c.text("area_id");
        if let Some(id) = &id {
            if id == "*" || id == "ALL" {
                c.fail(
                    "area_id",
                    "an id other than `*` (every area) and `ALL` (the city total)",
                );
            } else {
                ids.push(id.clone());
                if let Some(line) = first_seen(&mut seen, id.clone(), rec.line) {
                    c.fail("area_id", format!("an id not used before (line {line})"));
                }
            }
        }
        let name = c.text("name");
        let kind = c.choice("kind", &AreaKind::NAMES, AreaKind::parse);
        let urban = c.boolean("urban");
        let name_en = c.parse_opt("name_en", "a name", |s| Some(s.to_owned()));
        let degrees = |lo: f64, hi: f64| {
            move |s: &str| s.parse::<f64>().ok().filter(|v| (lo..=hi).contains(v))
        };
        let lon = c.parse_opt(
            "lon",
            "a longitude in degrees, -180 to 180",
            degrees(-180.0, 180.0),
        );
        let lat = c.parse_opt(
            "lat",
            "a latitude in degrees, -90 to 90",
            degrees(-90.0, 90.0),
        );
        let centroid = match (lon.flatten(), lat.flatten()) {
            (Some(x), Some(y)) => Some((x, y)),
            (None, None) => None,
            (Some(_), None) => {
                c.fail("lat", "a latitude, since the row has a longitude");
                None
            }
            (None, Some(_)) => {
                c.fail("lon", "a longitude, since the row has a latitude");
                None
            }
        };
        if c.ok()
            && let (Some(id), Some(name), Some(kind), Some(urban)) = (id, name, kind, urban)
        {
            out.push(Area {
                id,
                name,
                kind,
                urban,
                name_en: name_en.flatten(),
                centroid,
            });
        }
    }
    (out, ids)
}

fn schools(
    sheet: &Sheet,
    stages: &[Stage],
    areas: &Checked<Area>,
    errs: &mut Vec<InputError>,
) -> (Vec<School>, Vec<String>) {
    let mut out = Vec::new();
    let mut ids = Vec::new();
    let mut seen = HashMap::new();
    for rec in &sheet.records {
        let mut c = sheet.cells(rec, errs);
        let id = c.text("school_id");
        if let Some(id) = &id {
            ids.push(id.clone());
            if let Some(line) = first_seen(&mut seen, id.clone(), rec.line) {
                c.fail("school_id", format!("an id not used before (line {line})"));
            }
        }
        let area_id = check_area(&mut c, areas);
        let name = c.text("name");
        let stage = check_stage(&mut c, stages);
        let urban = c.boolean("urban");
        let classrooms = c.whole("classrooms");
        if classrooms.is_some_and(|n| n > MAX_CLASSROOMS) {
            c.fail(
                "classrooms",
                format!("at most {MAX_CLASSROOMS} classrooms in a school"),
            );
        }
        if c.ok()
            && let (Some(id), Some(area_id), Some(name), Some(stage), Some(urban), Some(classrooms)) =
                (id, area_id, name, stage, urban, classrooms)
        {
            out.push(School {
                id,
                area_id,
                name,
                stage,
                urban,
                classrooms,
            });
        }
    }
    (out, ids)
}

/// One school's rows of one year in `enrolment.csv`: the year's first line, and each grade's.
struct YearRows {
    line: usize,
    grades: Vec<(crate::model::Grade, usize)>,
}

fn enrolment(
    sheet: &Sheet,
    stages: &[Stage],
    schools: &Checked<School>,
    errs: &mut Vec<InputError>,
) -> Vec<Enrolment> {
    let stage_of: HashMap<&str, &Stage> = schools
        .items
        .iter()
        .filter_map(|s| Some((s.id.as_str(), stages.iter().find(|st| st.name == s.stage)?)))
        .collect();
    let mut out = Vec::with_capacity(sheet.records.len());
    // Keyed by the id as it stands in the sheet, so that a row costs no copy of it (a nation's
    // file has millions of rows).
    let id_column = sheet.column("school_id").checked_sub(1);
    // Each school id (as it stands in the sheet) gets a number, looked up once per run of its
    // rows (a file lists a school's rows together): the duplicate check is keyed by numbers,
    // and most rows look up no string at all.
    let mut number_of: HashMap<&str, u32> = HashMap::new();
    let mut current: Option<(&str, u32, bool, Option<&Stage>)> = None;
    // Per school number: its id (one copy, shared by its rows) and, per year, the year's first
    // line (for the contiguity check) and each grade's line (for the duplicate check: a few
    // grades a year, so a list, where one map of every row would grow to the size of the file).
    let mut years: Vec<(Arc<str>, BTreeMap<SchoolYear, YearRows>)> = Vec::new();
    for rec in &sheet.records {
        let id_cell = id_column.map_or("", |p| sheet.field(rec, p));
        let mut c = sheet.cells(rec, errs);
        let school_id = c.text_in_sheet("school_id");
        let school = school_id.map(|id| match current {
            Some(school) if school.0 == id_cell => school,
            _ => {
                let next = number_of.len() as u32;
                let number = *number_of.entry(id_cell).or_insert(next);
                if number == next {
                    years.push((id_cell.into(), BTreeMap::new()));
                }
                let school = (
                    id_cell,
                    number,
                    schools.knows(id),
                    stage_of.get(id).copied(),
                );
                current = Some(school);
                school
            }
        });
        if let Some((_, _, false, _)) = school {
            c.fail("school_id", "a school_id of schools.csv");
        }
        let year = c.year("year");
        let grade = c.grade("grade");
        let pupils = c.whole("pupils");
        if pupils.is_some_and(|n| n > MAX_GRADE_PUPILS) {
            c.fail(
                "pupils",
                format!(
                    "at most {MAX_GRADE_PUPILS} pupils (2^20) in one school and grade (the engine's exact range)"
                ),
            );
        }
        if let (Some(id), Some((_, _, _, Some(stage))), Some(g)) = (&school_id, school, grade)
            && !(stage.first_grade..=stage.last_grade).contains(&g.0)
        {
            c.fail(
                "grade",
                format!(
                    "a grade of stage {} ({}–{}), the stage of school {id}",
                    stage.name, stage.first_grade, stage.last_grade
                ),
            );
        }
        if let (Some((_, number, _, _)), Some(y), Some(g)) = (school, year, grade) {
            let rows = years[number as usize].1.entry(y).or_insert(YearRows {
                line: rec.line,
                grades: Vec::new(),
            });
            match rows.grades.iter().find(|(k, _)| *k == g) {
                Some(&(_, line)) => c.fail(
                    "school_id",
                    format!("one row per school, year and grade (this one repeats line {line})"),
                ),
                None => rows.grades.push((g, rec.line)),
            }
        }
        if c.ok()
            && let (Some((_, number, _, _)), Some(year), Some(grade), Some(pupils)) =
                (school, year, grade, pupils)
        {
            out.push(Enrolment {
                school_id: Arc::clone(&years[number as usize].0),
                year,
                grade,
                pupils,
            });
        }
    }
    let year_col = sheet.column("year");
    let mut by_school: Vec<(&str, &BTreeMap<SchoolYear, YearRows>)> =
        years.iter().map(|(id, y)| (&**id, y)).collect();
    by_school.sort_unstable_by_key(|(id, _)| *id);
    for (school, by_year) in by_school {
        let list: Vec<(&SchoolYear, usize)> = by_year.iter().map(|(y, r)| (y, r.line)).collect();
        for pair in list.windows(2) {
            let ((prev, _), (next, line)) = (pair[0], pair[1]);
            if next.0 > prev.0 + 1 {
                let missing: Vec<String> = (prev.0 + 1..next.0).map(|y| y.to_string()).collect();
                errs.push(InputError::value(
                    &sheet.file,
                    line,
                    year_col,
                    "year",
                    &next.to_string(),
                    format!(
                        "consecutive years for school {school} (missing {})",
                        missing.join(", ")
                    ),
                ));
            }
        }
    }
    if sheet.complete && !sheet.records.is_empty() {
        let distinct: BTreeSet<SchoolYear> =
            years.iter().flat_map(|(_, y)| y.keys().copied()).collect();
        if distinct.len() < 2 {
            errs.push(InputError::message(
                &sheet.file,
                0,
                0,
                "a single year of history: expected at least two years, to estimate grade progression",
            ));
        }
    } else if sheet.complete {
        errs.push(InputError::message(
            &sheet.file,
            0,
            0,
            "no rows: expected the enrolment history of every school",
        ));
    }
    out
}

fn births(
    sheet: &Sheet,
    areas: &Checked<Area>,
    base_year: Option<SchoolYear>,
    entry_age: u8,
    errs: &mut Vec<InputError>,
) -> Vec<Births> {
    let mut out = Vec::new();
    let mut seen = HashMap::new();
    let mut years: BTreeMap<String, BTreeSet<u16>> = BTreeMap::new();
    for rec in &sheet.records {
        let mut c = sheet.cells(rec, errs);
        let area_id = check_area(&mut c, areas);
        let year = c.year("year").map(|y| y.0);
        let births = c.parse("births", "a number ≥ 0", |s| {
            parse_number(s).filter(|v| *v >= 0.0)
        });
        if births.is_some_and(|b| b > MAX_FLOW) {
            c.fail(
                "births",
                "at most 1048576 (2^20, the engine's exact range per grade)",
            );
        }
        if let (Some(a), Some(y)) = (&area_id, year) {
            if let Some(line) = first_seen(&mut seen, (a.clone(), y), rec.line) {
                c.fail(
                    "year",
                    format!("one row per area and year (this one repeats line {line})"),
                );
            }
            years.entry(a.clone()).or_default().insert(y);
        }
        if c.ok()
            && let (Some(area_id), Some(year), Some(births)) = (area_id, year, births)
        {
            out.push(Births {
                area_id,
                year,
                births,
            });
        }
    }
    // Entry in year t comes from births in t − entry age: the base year's cohort on must be
    // observed, and the observed years must not have holes.
    if let Some(base) = base_year
        && areas.checkable
        && sheet.complete
    {
        let first = base.0.saturating_sub(u16::from(entry_age));
        for area in &areas.order {
            let observed = years.get(area);
            let last = observed
                .and_then(|y| y.last().copied())
                .unwrap_or(first)
                .max(first);
            let missing: Vec<String> = (first..=last)
                .filter(|y| !observed.is_some_and(|o| o.contains(y)))
                .map(|y| y.to_string())
                .collect();
            if !missing.is_empty() {
                errs.push(InputError::value(
                    &sheet.file,
                    0,
                    0,
                    "area_id",
                    area,
                    format!(
                        "births for every year {first}–{last} (base year {base} − entry age {entry_age} to the last observed year); missing {}",
                        missing.join(", ")
                    ),
                ));
            }
        }
    }
    out
}

fn growth(sheet: &Sheet, areas: &Checked<Area>, errs: &mut Vec<InputError>) -> Vec<Growth> {
    let mut out: Vec<Growth> = Vec::new();
    let mut lines: Vec<usize> = Vec::new();
    // (area or `*`, driver) of every row whose two keys are valid, whatever its values:
    // a row with a bad number is reported once, not again as a missing driver.
    let mut covered: Vec<(AreaSel, Driver)> = Vec::new();
    for rec in &sheet.records {
        let mut c = sheet.cells(rec, errs);
        let area = c.text("area_id").and_then(|a| {
            if a == "*" {
                Some(AreaSel::All)
            } else if areas.knows(&a) {
                Some(AreaSel::Area(a))
            } else {
                c.fail("area_id", "an area_id of areas.csv or `*` (every area)");
                None
            }
        });
        let driver = c.choice("driver", &Driver::NAMES, Driver::parse);
        // A misspelt driver is reported once, not again as missing: it counts as the driver
        // it is nearest to.
        let meant =
            driver.or_else(|| nearest(c.raw("driver"), Driver::NAMES).and_then(Driver::parse));
        if let (Some(a), Some(d)) = (&area, meant) {
            covered.push((a.clone(), d));
        }
        let mut point = [None; 3];
        for (slot, col) in point.iter_mut().zip(["low", "central", "high"]) {
            *slot = c.number(col);
            if let (Some(v), Some(d)) = (*slot, driver)
                && let Err(what) = check_driver_value(d, v)
            {
                c.fail(col, what);
                *slot = None;
            }
        }
        if let [Some(low), Some(central), Some(high)] = point {
            if central < low {
                c.fail("central", format!("a value ≥ low ({low})"));
            }
            if high < central {
                c.fail("high", format!("a value ≥ central ({central})"));
            }
        }
        let from_year = c.parse_opt("from_year", YEAR, parse_year);
        let to_year = c.parse_opt("to_year", YEAR, parse_year);
        if let (Some(Some(f)), Some(Some(t))) = (from_year, to_year)
            && t < f
        {
            c.fail("to_year", format!("a year ≥ from_year ({f})"));
        }
        if c.ok()
            && let (
                Some(area),
                Some(driver),
                [Some(low), Some(central), Some(high)],
                Some(f),
                Some(t),
            ) = (area, driver, point, from_year, to_year)
        {
            let row = Growth {
                area,
                driver,
                value: ThreePoint { low, central, high },
                from_year: f.map(SchoolYear),
                to_year: t.map(SchoolYear),
            };
            let span = |g: &Growth| {
                (
                    g.from_year.map_or(0, |y| y.0),
                    g.to_year.map_or(u16::MAX, |y| y.0),
                )
            };
            let (f0, t0) = span(&row);
            if let Some(i) = out.iter().position(|g| {
                let (f1, t1) = span(g);
                g.area == row.area && g.driver == row.driver && f0 <= t1 && f1 <= t0
            }) {
                c.fail(
                    "driver",
                    format!(
                        "one row per area, driver and period (the years overlap line {})",
                        lines[i]
                    ),
                );
                continue;
            }
            out.push(row);
            lines.push(rec.line);
        }
    }
    if areas.checkable && sheet.complete {
        for driver in Driver::ALL {
            let missing: Vec<&String> = areas
                .order
                .iter()
                .filter(|area| !covered.iter().any(|(a, d)| *d == driver && a.matches(area)))
                .collect();
            if !missing.is_empty() && missing.len() == areas.order.len() {
                errs.push(InputError::message(
                    &sheet.file,
                    0,
                    0,
                    format!(
                        "no {} row: expected one for `*` (every area) or one for each area",
                        driver.as_str()
                    ),
                ));
                continue;
            }
            for area in missing {
                errs.push(InputError::value(
                    &sheet.file,
                    0,
                    0,
                    "area_id",
                    area,
                    format!(
                        "a {} row for this area or for `*` (every area)",
                        driver.as_str()
                    ),
                ));
            }
        }
    }
    out
}

fn profiles(sheet: &Sheet, stages: &[Stage], errs: &mut Vec<InputError>) -> Vec<Profile> {
    let names: Vec<&'static str> = PROFILE_DRIVERS.iter().map(|d| d.as_str()).collect();
    let top_grade = stages.iter().map(|s| s.last_grade).max().unwrap_or(0);
    let low_grade = stages.iter().map(|s| s.first_grade).min().unwrap_or(0);
    let mut out = Vec::new();
    let mut seen = HashMap::new();
    // Drivers with a bad row: their sum is not checked (the bad row is already reported).
    let mut unsure: HashSet<Driver> = HashSet::new();
    for rec in &sheet.records {
        let mut c = sheet.cells(rec, errs);
        let driver = c.choice("driver", &names, |s| {
            Driver::parse(s).filter(|d| PROFILE_DRIVERS.contains(d))
        });
        let grade = c.grade("grade");
        if let Some(g) = grade
            && !(low_grade..=top_grade).contains(&g.0)
        {
            c.fail(
                "grade",
                format!("a grade of the stages ({low_grade}–{top_grade})"),
            );
        }
        let share = c.parse("share", "a share between 0 and 1", |s| {
            parse_number(s).filter(|v| (0.0..=1.0).contains(v))
        });
        if let (Some(d), Some(g)) = (driver, grade)
            && let Some(line) = first_seen(&mut seen, (d, g), rec.line)
        {
            c.fail(
                "grade",
                format!("one row per driver and grade (this one repeats line {line})"),
            );
        }
        if !c.ok()
            && let Some(d) = driver
        {
            unsure.insert(d);
        }
        if c.ok()
            && let (Some(driver), Some(grade), Some(share)) = (driver, grade, share)
        {
            out.push(Profile {
                driver,
                grade,
                share,
            });
        }
    }
    if sheet.complete {
        for driver in PROFILE_DRIVERS.into_iter().filter(|d| !unsure.contains(d)) {
            let sum: f64 = out
                .iter()
                .filter(|p| p.driver == driver)
                .map(|p| p.share)
                .sum();
            if (sum - 1.0).abs() > SHARE_TOLERANCE {
                errs.push(InputError::value(
                    &sheet.file,
                    0,
                    0,
                    "driver",
                    driver.as_str(),
                    format!("shares that sum to 1, found a sum of {sum}"),
                ));
            }
        }
    }
    out
}

fn projects(
    sheet: &Sheet,
    stages: &[Stage],
    areas: &Checked<Area>,
    schools: &Checked<School>,
    settings: Option<Settings>,
    errs: &mut Vec<InputError>,
) -> Vec<Project> {
    let by_id: HashMap<&str, &School> = schools.items.iter().map(|s| (s.id.as_str(), s)).collect();
    let mut out = Vec::new();
    let mut seen = HashMap::new();
    let mut new_schools = HashMap::new();
    for rec in &sheet.records {
        let mut c = sheet.cells(rec, errs);
        let id = c.text("project_id");
        if let Some(id) = &id
            && let Some(line) = first_seen(&mut seen, id.clone(), rec.line)
        {
            c.fail("project_id", format!("an id not used before (line {line})"));
        }
        let name = c.text("name");
        let area_id = check_area(&mut c, areas);
        let stage = check_stage(&mut c, stages);
        let kind = c.choice("kind", &ProjectKind::NAMES, ProjectKind::parse);
        let school_id = c.text("school_id");
        let classrooms = c.parse("classrooms", "a whole number between 1 and 10000", |s| {
            parse_whole(s).filter(|n| (1..=MAX_CLASSROOMS).contains(n))
        });
        let status = c.choice("status", &ProjectStatus::NAMES, ProjectStatus::parse);
        let start = c.year_month("planned_start");
        let completion = c.year_month("planned_completion");
        if let (Some(s), Some(e)) = (start, completion)
            && e < s
        {
            c.fail(
                "planned_completion",
                format!("a date not before planned_start ({s})"),
            );
        }
        // A status describes the base date: a project completed then has completed by then.
        if let (Some(ProjectStatus::Completed), Some(e), Some(settings)) =
            (status, completion, settings)
            && e > settings.base_date
        {
            c.fail(
                "planned_completion",
                format!(
                    "for a completed project, its completion month: by the base date {} (settings.csv)",
                    settings.base_date
                ),
            );
        }
        let batch = c.raw("batch").to_owned();
        let cost = c.parse_opt("cost", "a cost in 万元 (10,000 yuan) > 0", |s| {
            parse_number(s).filter(|v| *v > 0.0 && v.is_finite())
        });
        if let (Some(kind), Some(sid)) = (kind, &school_id) {
            match kind {
                ProjectKind::Expansion => {
                    if !schools.knows(sid) {
                        c.fail(
                            "school_id",
                            "a school_id of schools.csv (an expansion adds classrooms to an existing school)",
                        );
                    } else if let Some(school) = by_id.get(sid.as_str()) {
                        if area_id.as_ref().is_some_and(|a| *a != school.area_id) {
                            c.fail(
                                "area_id",
                                format!("{}, the area of school {sid}", school.area_id),
                            );
                        }
                        if stage.as_ref().is_some_and(|s| *s != school.stage) {
                            c.fail(
                                "stage",
                                format!("{}, the stage of school {sid}", school.stage),
                            );
                        }
                    }
                }
                ProjectKind::NewSchool => {
                    if schools.ids.contains(sid) {
                        c.fail(
                            "school_id",
                            "an id not in schools.csv (a new school does not exist yet)",
                        );
                    } else if let Some(line) = first_seen(&mut new_schools, sid.clone(), rec.line) {
                        c.fail(
                            "school_id",
                            format!("a new school id not used before (line {line})"),
                        );
                    }
                }
            }
        }
        if c.ok()
            && let (
                Some(id),
                Some(name),
                Some(area_id),
                Some(stage),
                Some(kind),
                Some(school_id),
                Some(classrooms),
                Some(status),
                Some(planned_start),
                Some(planned_completion),
            ) = (
                id, name, area_id, stage, kind, school_id, classrooms, status, start, completion,
            )
        {
            out.push(Project {
                id,
                name,
                area_id,
                stage,
                kind,
                school_id,
                classrooms,
                status,
                planned_start,
                planned_completion,
                batch,
                cost: cost.flatten(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    /// A minimal valid data set: two areas, one primary and one junior school.
    pub(crate) fn write_valid(dir: &Path) {
        let files: [(&str, &str); 9] = [
            (
                "settings.csv",
                "setting,value\nbase_date,2020-03\nentry_age,6\n",
            ),
            (
                "stages.csv",
                "stage,first_grade,last_grade,class_size\nprimary,1,6,45\njunior,7,9,50\n",
            ),
            (
                "areas.csv",
                "area_id,name,kind,urban\nA,雁峰区,district,true\nB,衡阳县,county,false\n",
            ),
            (
                "schools.csv",
                "school_id,area_id,name,stage,urban,classrooms\nP1,A,一小,primary,true,12\nJ1,B,一中,junior,false,6\n",
            ),
            (
                "enrolment.csv",
                "school_id,year,grade,pupils\nP1,2018,1,50\nP1,2019,1,55\nJ1,2018,7,40\nJ1,2019,7,42\n",
            ),
            (
                "births.csv",
                "area_id,year,births\nA,2013,100\nA,2014,100\nA,2015,100\nA,2016,100\nA,2017,100\nA,2018,100\nA,2019,100\nB,2013,50\nB,2014,50\nB,2015,50\nB,2016,50\nB,2017,50\nB,2018,50\nB,2019,50\n",
            ),
            (
                "growth.csv",
                "area_id,driver,low,central,high,from_year,to_year\n*,birth_change,-0.05,-0.03,0,,\n*,entry_ratio,0.9,1,1.1,,\n*,progression_factor,0.98,1,1.02,,\n*,migrant_inflow,0,10,20,,\n*,migrant_change,-0.1,0,0.05,,\n*,rural_to_town_rate,0.02,0.03,0.04,,\n*,returning_change,-0.1,0,0.05,,\n*,returning_inflow,0,5,10,2020,2021\n",
            ),
            (
                "profiles.csv",
                "driver,grade,share\nmigrant_inflow,1,0.5\nmigrant_inflow,2,0.5\nreturning_inflow,7,1\n",
            ),
            (
                "projects.csv",
                "project_id,name,area_id,stage,kind,school_id,classrooms,status,planned_start,planned_completion,batch\nX1,扩建,A,primary,expansion,P1,6,under_construction,2019-03,2020-08,due-2019\nN1,新校,B,junior,new_school,J2,24,not_started,2019-09,2021-08,start-2019\n",
            ),
        ];
        for (name, body) in files {
            fs::write(dir.join(name), body).unwrap();
        }
    }

    fn problems(dir: &Path) -> Vec<String> {
        match load(dir) {
            Ok(_) => Vec::new(),
            Err(e) => e.iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn a_valid_data_set_loads() {
        let tmp = tempfile::tempdir().unwrap();
        write_valid(tmp.path());
        let ds = load(tmp.path()).unwrap();
        assert_eq!(ds.areas.len(), 2);
        assert_eq!(ds.stages, crate::model::default_stages());
        assert_eq!(ds.base_year(), Some(SchoolYear(2019)));
        assert_eq!(
            ds.settings,
            Settings {
                base_date: YearMonth {
                    year: 2020,
                    month: 3
                },
                entry_age: 6
            }
        );
        assert!(ds.flows.is_empty(), "no flows.csv: no recorded flows");
        assert_eq!(ds.growth.len(), 8);
        assert_eq!(ds.growth[0].from_year, None);
        assert_eq!(ds.growth[7].to_year, Some(SchoolYear(2021)));
        assert_eq!(ds.projects[1].kind, ProjectKind::NewSchool);
        assert_eq!(ds.schools[0].name, "一小");
    }

    #[test]
    fn stages_are_the_data_sets_own() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        write_valid(d);
        fs::write(
            d.join("stages.csv"),
            "stage,first_grade,last_grade,class_size\nprimary,1,6,40\njunior,7,9,45\n",
        )
        .unwrap();
        let ds = load(d).unwrap();
        assert_eq!(ds.stage("primary").unwrap().class_size, 40);
        // A gap between stages is the reader's to report, with the file.
        fs::write(
            d.join("stages.csv"),
            "stage,first_grade,last_grade,class_size\nprimary,1,5,45\njunior,7,9,50\n",
        )
        .unwrap();
        let p = problems(d);
        assert!(
            p.contains(&format!(
                "{}:3:2: stage `primary` ends at grade 5 but `junior` starts at grade 7: expected stages of consecutive grades",
                d.join("stages.csv").display()
            )),
            "{p:#?}"
        );
        fs::remove_file(d.join("stages.csv")).unwrap();
        let p = problems(d);
        assert!(
            p[0].ends_with(
                "stages.csv: file not found: expected a CSV file with the columns stage, first_grade, last_grade, class_size"
            ),
            "{p:#?}"
        );
    }

    #[test]
    fn settings_state_the_base_date_and_entry_age() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        write_valid(d);
        let f = d.join("settings.csv").display().to_string();
        // The counts of enrolment.csv end in 2019 (2019/20): a base date in 2019-09…2020-08.
        fs::write(
            d.join("settings.csv"),
            "setting,value\nbase_date,2019-07\nentry_age,16\nentry_ages,6\n",
        )
        .unwrap();
        assert_eq!(
            problems(d),
            vec![
                format!(
                    "{f}:2:2: value = \"2019-07\": expected a month in the base school year 2019/20: 2019-09 to 2020-08 (the base year is the latest year of enrolment.csv)"
                ),
                format!(
                    "{f}:3:2: value = \"16\": expected a whole number of years between 3 and 9 (age at grade-1 entry)"
                ),
                format!(
                    "{f}:4:1: setting = \"entry_ages\": expected one of base_date, entry_age; did you mean \"entry_age\"?"
                ),
            ]
        );
        fs::write(d.join("settings.csv"), "setting,value\nentry_age,7\n").unwrap();
        // The entry age is the data set's: at 7, the base year's entrants were born in 2012.
        let b = d.join("births.csv").display().to_string();
        assert_eq!(
            problems(d),
            vec![
                format!(
                    "{b}: area_id = \"A\": expected births for every year 2012–2019 (base year 2019 − entry age 7 to the last observed year); missing 2012"
                ),
                format!(
                    "{b}: area_id = \"B\": expected births for every year 2012–2019 (base year 2019 − entry age 7 to the last observed year); missing 2012"
                ),
                format!(
                    "{f}: no `base_date` row: expected one row per setting (base_date, entry_age)"
                ),
            ]
        );
    }

    #[test]
    fn flows_are_checked_and_read() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        write_valid(d);
        let f = d.join("flows.csv").display().to_string();
        fs::write(
            d.join("flows.csv"),
            "area_id,year,flow,pupils\nA,2019,migrant_inflow,12\nA,2018,migrant_inflow,3\nB,2019,rural_to_towns,4\nA,2019,returning_inflow,-2\nA,2019,migrant_inflow,1\n",
        )
        .unwrap();
        assert_eq!(
            problems(d),
            vec![
                format!(
                    "{f}:3:2: year = \"2018\": expected a year of the history after its first: 2019–2019 (a flow joins between two counts of enrolment.csv)"
                ),
                format!(
                    "{f}:4:3: flow = \"rural_to_towns\": expected one of migrant_inflow, returning_inflow, rural_to_town; did you mean \"rural_to_town\"?"
                ),
                format!("{f}:5:4: pupils = \"-2\": expected a number of pupils ≥ 0"),
                format!(
                    "{f}:6:3: flow = \"migrant_inflow\": expected one row per area, year and flow (this one repeats line 2)"
                ),
            ]
        );
        fs::write(
            d.join("flows.csv"),
            "area_id,year,flow,pupils\nA,2019,migrant_inflow,12\nB,2019,rural_to_town,4\n",
        )
        .unwrap();
        let ds = load(d).unwrap();
        assert_eq!(ds.flows.len(), 2);
        assert_eq!(ds.flows[1].kind, FlowKind::RuralToTown);
        assert_eq!(ds.flows[0].pupils, 12.0);
    }

    #[test]
    fn cross_file_problems_are_all_reported() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        write_valid(d);
        fs::write(
            d.join("enrolment.csv"),
            "school_id,year,grade,pupils\nP1,2017,1,50\nP1,2019,1,55\nP1,2019,1,56\nJ1,2018,3,40\nJ1,2019,7,42\nQ9,2019,1,1\n",
        )
        .unwrap();
        fs::write(
            d.join("growth.csv"),
            "area_id,driver,low,central,high\n*,birth_change,-0.05,-0.03,0\n*,entry_ratio,0.9,1.2,1.1\n*,progression_factor,0.98,1,1.02\nA,migrant_inflow,-1,10,20\n*,rural_to_town_rate,0.2,0.3,0.4\n*,returning_inflow,0,5,10\n*,migrant_change,0,0,0\n*,returning_change,0,0,0\n",
        )
        .unwrap();
        let p = problems(d);
        let file = |f: &str| d.join(f).display().to_string();
        let expected = [
            format!(
                "{}:4:1: school_id = \"P1\": expected one row per school, year and grade (this one repeats line 3)",
                file("enrolment.csv")
            ),
            format!(
                "{}:5:3: grade = \"3\": expected a grade of stage junior (7–9), the stage of school J1",
                file("enrolment.csv")
            ),
            format!(
                "{}:7:1: school_id = \"Q9\": expected a school_id of schools.csv",
                file("enrolment.csv")
            ),
            format!(
                "{}:3:2: year = \"2019\": expected consecutive years for school P1 (missing 2018)",
                file("enrolment.csv")
            ),
            format!(
                "{}:3:5: high = \"1.1\": expected a value ≥ central (1.2)",
                file("growth.csv")
            ),
            format!(
                "{}:5:3: low = \"-1\": expected a number of pupils per year ≥ 0",
                file("growth.csv")
            ),
            format!(
                "{}: area_id = \"B\": expected a migrant_inflow row for this area or for `*` (every area)",
                file("growth.csv")
            ),
        ];
        for e in &expected {
            assert!(p.contains(e), "missing {e}\nin {p:#?}");
        }
    }

    #[test]
    fn a_data_set_without_schools_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        write_valid(d);
        fs::write(
            d.join("schools.csv"),
            "school_id,area_id,name,stage,urban,classrooms\n",
        )
        .unwrap();
        let p = problems(d);
        assert!(
            p.contains(&format!(
                "{}: no rows: expected at least one row below the header",
                d.join("schools.csv").display()
            )),
            "{p:#?}"
        );
    }

    #[test]
    fn missing_files_and_bad_profiles() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        write_valid(d);
        fs::remove_file(d.join("births.csv")).unwrap();
        fs::write(
            d.join("profiles.csv"),
            "driver,grade,share\nmigrant_inflow,1,0.5\nmigrant_inflow,2,0.4\nreturning_inflow,7,1\n",
        )
        .unwrap();
        let p = problems(d);
        assert_eq!(
            p,
            vec![
                format!(
                    "{}: file not found: expected a CSV file with the columns area_id, year, births",
                    d.join("births.csv").display()
                ),
                format!(
                    "{}: driver = \"migrant_inflow\": expected shares that sum to 1, found a sum of 0.9",
                    d.join("profiles.csv").display()
                ),
            ]
        );
    }

    #[test]
    fn births_must_cover_the_entry_years() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        write_valid(d);
        fs::write(
            d.join("births.csv"),
            "area_id,year,births\nA,2013,100\nA,2015,100\nB,2012,1\n",
        )
        .unwrap();
        let p = problems(d);
        let f = d.join("births.csv").display().to_string();
        assert_eq!(
            p,
            vec![
                format!(
                    "{f}: area_id = \"A\": expected births for every year 2013–2015 (base year 2019 − entry age 6 to the last observed year); missing 2014"
                ),
                format!(
                    "{f}: area_id = \"B\": expected births for every year 2013–2013 (base year 2019 − entry age 6 to the last observed year); missing 2013"
                ),
            ]
        );
    }

    #[test]
    fn project_rules() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        write_valid(d);
        fs::write(
            d.join("projects.csv"),
            "project_id,name,area_id,stage,kind,school_id,classrooms,status,planned_start,planned_completion,batch\n\
             X1,a,A,primary,expansion,P9,6,completed,2019-03,2020-08,due-2019\n\
             X2,b,B,junior,new_school,J1,6,done,2019-03,2018-08,due-2019\n\
             X2,c,A,junior,expansion,P1,0,not_started,2019-3,2020-08,\n",
        )
        .unwrap();
        let f = d.join("projects.csv").display().to_string();
        let p = problems(d);
        assert_eq!(
            p,
            vec![
                format!(
                    "{f}:2:6: school_id = \"P9\": expected a school_id of schools.csv (an expansion adds classrooms to an existing school)"
                ),
                format!(
                    "{f}:2:10: planned_completion = \"2020-08\": expected for a completed project, its completion month: by the base date 2020-03 (settings.csv)"
                ),
                format!(
                    "{f}:3:6: school_id = \"J1\": expected an id not in schools.csv (a new school does not exist yet)"
                ),
                format!(
                    "{f}:3:8: status = \"done\": expected one of completed, under_construction, not_started"
                ),
                format!(
                    "{f}:3:10: planned_completion = \"2018-08\": expected a date not before planned_start (2019-03)"
                ),
                format!("{f}:4:1: project_id = \"X2\": expected an id not used before (line 3)"),
                format!("{f}:4:4: stage = \"junior\": expected primary, the stage of school P1"),
                format!("{f}:4:7: classrooms = \"0\": expected a whole number between 1 and 10000"),
                format!(
                    "{f}:4:9: planned_start = \"2019-3\": expected a date YYYY-MM such as 2020-08"
                ),
            ]
        );
    }
}
