//! `placeplan project`'s files: the history and entry CSVs in, the projection and ratios CSVs out.
//!
//! Parsing works on decoded text (see [`crate::input::text`]), through the shared CSV records
//! ([`crate::input::csvsheet::Records`]), and never stops at the first problem:
//! it returns every [`Problem`] of a file, each naming the file, line, column, the value found
//! and what was expected. Outputs are encoded in memory and written atomically, text cells made
//! inert for Excel. No estimation or projection happens here; that is [`crate::engine`].

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use crate::engine::backtest;
use crate::engine::forecast::{self, SliceError};
use crate::engine::progression::History;
use crate::input::csvsheet::Records;
use crate::input::parse::{parse_count, parse_grade_rank, parse_school_year};
use crate::input::suggest::nearest;
use crate::io::atomic::write_file;
use crate::io::excel_csv;
use crate::io::tables::inert;

/// One problem of an input file and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub file: PathBuf,
    /// 1-based line; `None` for a problem of the file as a whole (such as a missing row).
    pub line: Option<u64>,
    /// 1-based column number and the column's header name.
    pub column: Option<(usize, String)>,
    /// The value found.
    pub value: Option<String>,
    /// What is wrong or what was expected.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some((col, _)) = &self.column {
                write!(f, ":{col}")?;
            }
        }
        write!(f, ": ")?;
        if let Some((_, name)) = &self.column {
            write!(f, "column `{name}`: ")?;
        }
        if let Some(value) = &self.value {
            write!(f, "found `{value}`: ")?;
        }
        write!(f, "{}", self.message)
    }
}

impl Problem {
    /// A problem of the file as a whole.
    pub fn file(file: &Path, message: impl Into<String>) -> Problem {
        Problem {
            file: file.to_path_buf(),
            line: None,
            column: None,
            value: None,
            message: message.into(),
        }
    }

    /// A problem of one line (no particular column).
    pub fn line(file: &Path, line: u64, message: impl Into<String>) -> Problem {
        Problem {
            line: Some(line),
            ..Problem::file(file, message)
        }
    }
}

/// The history of one unit, as read from the history file.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitHistory {
    pub unit: String,
    /// Index into [`HistoryFile::areas`], when the file has an `area` column.
    pub area: Option<usize>,
    /// Every year and grade from the unit's first to its last; a cell without a row is NaN.
    /// Grades are ranks (see [`parse_grade_rank`]); [`HistoryFile::label`] writes them back.
    pub history: History,
    /// `lines[y][g]`: the line of the row behind `history.counts[y][g]` (0 = no row).
    pub lines: Vec<Vec<u32>>,
    /// How this unit wrote a grade where the file first wrote it otherwise (one school's `TK`
    /// where another's was `PK`), by grade rank; usually empty. See [`HistoryFile::label`].
    pub spellings: Vec<(u8, String)>,
}

impl UnitHistory {
    /// The last actual year.
    pub fn last_year(&self) -> u16 {
        backtest::last_year(&self.history)
    }

    /// The line of the row for `year` and `grade`, if the unit has one.
    pub fn line_of(&self, year: u16, grade: u8) -> Option<u64> {
        let y = usize::from(year.checked_sub(self.history.first_year)?);
        let g = usize::from(grade.checked_sub(self.history.first_grade)?);
        let line = *self.lines.get(y)?.get(g)?;
        (line > 0).then_some(u64::from(line))
    }

    /// Whether the unit has at least one row for `year`.
    fn has_year(&self, year: u16) -> bool {
        year.checked_sub(self.history.first_year)
            .and_then(|y| self.lines.get(usize::from(y)))
            .is_some_and(|row| row.iter().any(|&l| l > 0))
    }

    /// The years a forecast from `origin` reads (see [`forecast::slice`]), or the gap that
    /// stops it, named as the analyst would look for it. A history shorter than the window is
    /// `Ok(Err(available transitions))`: the caller decides whether that skips the unit.
    pub fn slice(
        &self,
        file: &HistoryFile,
        origin: u16,
        transitions: Option<usize>,
        entry_years: usize,
        adaptive: bool,
    ) -> Result<Result<History, usize>, Problem> {
        match forecast::slice(&self.history, origin, transitions, entry_years, adaptive) {
            Ok(h) => Ok(Ok(h)),
            Err(SliceError::TooShort { available }) => Ok(Err(available)),
            Err(SliceError::NoOrigin) => Err(Problem::file(
                &file.path,
                format!("unit `{}` has no rows for year {origin}", self.unit),
            )),
            Err(SliceError::Missing { year, grade }) => {
                let oi = usize::from(origin - self.history.first_year);
                let back = transitions
                    .unwrap_or(oi)
                    .max(entry_years.saturating_sub(1))
                    .min(oi);
                let from = origin - u16::try_from(back).unwrap_or(0);
                let row = &self.history.counts[oi];
                let g0 = row.iter().position(|c| !c.is_nan()).unwrap_or(0);
                let g1 = row.iter().rposition(|c| !c.is_nan()).unwrap_or(0);
                let first = self.history.first_grade;
                let span = format!(
                    "expected every grade {}–{} in every year {from}–{origin}",
                    file.label(&self.spellings, grade_at(first, g0)),
                    file.label(&self.spellings, grade_at(first, g1))
                );
                let unit = &self.unit;
                Err(Problem::file(
                    &file.path,
                    if self.has_year(year) {
                        format!(
                            "unit `{unit}` has no row for year {year}, grade {}: a gap in its \
                             history ({span})",
                            file.label(&self.spellings, grade)
                        )
                    } else {
                        format!(
                            "unit `{unit}` has no rows for year {year}: a gap in its history \
                             ({span})"
                        )
                    },
                ))
            }
        }
    }
}

/// A parsed history file: every unit's cells, checked value by value. Whether the cells a
/// forecast needs are all there depends on its window: see [`UnitHistory::slice`].
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryFile {
    pub path: PathBuf,
    /// Units in the order they first appear in the file.
    pub units: Vec<UnitHistory>,
    /// Area names in the order they first appear (empty without an `area` column).
    pub areas: Vec<String>,
    /// How the file wrote each grade rank (the first spelling met), e.g. 1 → `K`.
    pub grade_labels: BTreeMap<u8, String>,
    /// 1-based number of the `pupils` column, for messages about a count.
    pub pupils_column: usize,
}

impl HistoryFile {
    /// A grade as the input wrote it: as the unit whose `spellings` ([`UnitHistory::spellings`])
    /// these are wrote it, else as the file first did (`K` for kindergarten if it said `K`),
    /// else `PK`, `K` or the grade number.
    pub fn label(&self, spellings: &[(u8, String)], grade: u8) -> String {
        label(&self.grade_labels, spellings, grade)
    }
}

/// A grade as a unit with `spellings` wrote it in a file whose first spellings are `labels`
/// (see [`HistoryFile::label`]).
fn label(labels: &BTreeMap<u8, String>, spellings: &[(u8, String)], grade: u8) -> String {
    spellings
        .iter()
        .find(|(g, _)| *g == grade)
        .map(|(_, s)| s)
        .or_else(|| labels.get(&grade))
        .cloned()
        .unwrap_or_else(|| default_label(grade))
}

/// The label of a grade rank no row spelled: `PK`, `K`, then the grade number.
fn default_label(rank: u8) -> String {
    match rank {
        0 => "PK".to_owned(),
        1 => "K".to_owned(),
        r => (r - 1).to_string(),
    }
}

/// One row of a unit, as kept while reading (16 bytes: a 20,000-unit file stays small).
#[derive(Debug, Clone, Copy)]
struct Cell {
    pupils: f64,
    line: u32,
    year: u16,
    grade: u8,
}

const HISTORY_COLUMNS: [&str; 4] = ["unit", "year", "grade", "pupils"];
const HISTORY_OPTIONAL: [&str; 1] = ["area"];
const ENTRY_COLUMNS: [&str; 3] = ["unit", "year", "pupils"];

/// Parses a history CSV (`unit,year,grade,pupils` and an optional `area`, columns in any
/// order). Records are read one at a time and kept as compact cells, so the memory used is a
/// small multiple of the file's size.
pub fn parse_history(file: &Path, text: &str) -> Result<HistoryFile, Vec<Problem>> {
    let (history, problems) = parse_history_partial(file, text)?;
    if problems.is_empty() {
        Ok(history)
    } else {
        Err(problems)
    }
}

/// As [`parse_history`], but a problem of a value leaves out only its unit: the other units
/// come back beside the problems, so that their gaps can be reported in the same run. A unit
/// with a bad or duplicate row is left out whole, so its missing cell is never reported again
/// as a gap. A problem of the header is the `Err`.
pub fn parse_history_partial(
    file: &Path,
    text: &str,
) -> Result<(HistoryFile, Vec<Problem>), Vec<Problem>> {
    let mut tainted: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut grade_labels: BTreeMap<u8, String> = BTreeMap::new();
    // Per unit: the grades it has spelled (a bit per rank), and its spellings that differ from
    // the file's first.
    let mut spelled: Vec<[u64; 4]> = Vec::new();
    let mut spellings: Vec<Vec<(u8, String)>> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut names: Vec<String> = Vec::new();
    let mut cells: Vec<Vec<Cell>> = Vec::new();
    let mut unit_area: Vec<Option<(usize, u64)>> = Vec::new();
    let mut area_index: HashMap<String, usize> = HashMap::new();
    let mut areas: Vec<String> = Vec::new();
    let mut rows = 0usize;
    let (table, mut problems) = Table::read(
        file,
        text,
        &HISTORY_COLUMNS,
        &HISTORY_OPTIONAL,
        |table, row, problems| {
            rows += 1;
            let unit = table.unit(row, problems);
            let year = table.year(row, problems);
            let grade = table.field(row, "grade").and_then(|(col, raw)| {
                let parsed = parse_grade_rank(raw);
                if parsed.is_none() {
                    problems.push(table.bad(
                        row,
                        col,
                        raw,
                        "expected a grade: an integer from 0 to 253, K or KG (= 0), PK or TK \
                         (the year before K)",
                    ));
                }
                parsed.map(|g| (g, raw))
            });
            let pupils = table.pupils(row, problems);
            let area = table.field(row, "area");
            let (Some(unit), Some(year), Some((grade, raw_grade)), Some(pupils)) =
                (unit, year, grade, pupils)
            else {
                if let Some(unit) = unit {
                    tainted.insert(unit.to_owned());
                }
                return;
            };
            let u = match index.get(unit) {
                Some(&u) => u,
                None => {
                    index.insert(unit.to_owned(), names.len());
                    names.push(unit.to_owned());
                    cells.push(Vec::new());
                    unit_area.push(None);
                    spelled.push([0; 4]);
                    spellings.push(Vec::new());
                    names.len() - 1
                }
            };
            let (word, bit) = (usize::from(grade / 64), 1u64 << (grade % 64));
            if spelled[u][word] & bit == 0 {
                spelled[u][word] |= bit;
                match grade_labels.get(&grade) {
                    None => {
                        grade_labels.insert(grade, raw_grade.to_owned());
                    }
                    Some(first) if first != raw_grade => {
                        spellings[u].push((grade, raw_grade.to_owned()));
                    }
                    Some(_) => {}
                }
            }
            if let Some((col, raw)) = area {
                let a = match area_index.get(raw) {
                    Some(&a) => a,
                    None => {
                        area_index.insert(raw.to_owned(), areas.len());
                        areas.push(raw.to_owned());
                        areas.len() - 1
                    }
                };
                match unit_area[u] {
                    None => unit_area[u] = Some((a, row.line)),
                    Some((first, line)) if first != a => problems.push(table.bad(
                        row,
                        col,
                        raw,
                        &format!(
                            "unit `{unit}` is in area `{}` at line {line}; expected one area \
                             per unit",
                            areas[first]
                        ),
                    )),
                    Some(_) => {}
                }
            }
            cells[u].push(Cell {
                pupils,
                line: u32::try_from(row.line).unwrap_or(u32::MAX),
                year,
                grade,
            });
        },
    )?;
    if rows == 0 && problems.is_empty() {
        problems.push(Problem::file(
            file,
            "no rows: expected a header and at least two years of counts",
        ));
    }
    let mut units = Vec::with_capacity(names.len());
    for (((unit, mut unit_cells), area), spelling) in
        names.into_iter().zip(cells).zip(unit_area).zip(spellings)
    {
        unit_cells.sort_unstable_by_key(|c| (c.year, c.grade, c.line));
        let mut duplicate = false;
        for pair in unit_cells.windows(2) {
            if (pair[0].year, pair[0].grade) == (pair[1].year, pair[1].grade) {
                duplicate = true;
                let label = label(&grade_labels, &spelling, pair[1].grade);
                problems.push(Problem::line(
                    file,
                    u64::from(pair[1].line),
                    format!(
                        "duplicate row for unit `{unit}`, year {}, grade {label} (first given at \
                         line {}); expected one row per unit, year and grade",
                        pair[1].year, pair[0].line
                    ),
                ));
            }
        }
        if duplicate || tainted.contains(&unit) {
            continue;
        }
        units.push(grid(unit, area.map(|a| a.0), &unit_cells, spelling));
    }
    let history = HistoryFile {
        path: file.to_path_buf(),
        units,
        areas,
        grade_labels,
        pupils_column: table.column("pupils"),
    };
    Ok((history, in_file_order(problems)))
}

/// Problems of lines in line order, then problems of the file as a whole.
fn in_file_order(mut problems: Vec<Problem>) -> Vec<Problem> {
    problems.sort_by_key(|p| p.line.unwrap_or(u64::MAX));
    problems
}

/// Lays a unit's cells (sorted, no duplicates, never empty) on a year × grade grid, with its own
/// `spellings` of grades.
fn grid(
    unit: String,
    area: Option<usize>,
    cells: &[Cell],
    mut spellings: Vec<(u8, String)>,
) -> UnitHistory {
    spellings.sort_unstable_by_key(|(g, _)| *g);
    let y0 = cells.first().map_or(0, |c| c.year);
    let y1 = cells.last().map_or(0, |c| c.year);
    let g0 = cells.iter().map(|c| c.grade).min().unwrap_or(0);
    let g1 = cells.iter().map(|c| c.grade).max().unwrap_or(0);
    let (years, grades) = (usize::from(y1 - y0) + 1, usize::from(g1 - g0) + 1);
    let mut counts = vec![vec![f64::NAN; grades]; years];
    let mut lines = vec![vec![0u32; grades]; years];
    for c in cells {
        let (y, g) = (usize::from(c.year - y0), usize::from(c.grade - g0));
        counts[y][g] = c.pupils;
        lines[y][g] = c.line;
    }
    UnitHistory {
        unit,
        area,
        history: History {
            first_year: y0,
            first_grade: g0,
            counts,
        },
        lines,
        spellings,
    }
}

/// Future entry-grade counts per unit and year, as read from an entry file.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryFile {
    pub path: PathBuf,
    /// (unit, year) → pupils.
    pub counts: HashMap<(String, u16), f64>,
    /// Rows for years the history already observes: not used, and said so.
    pub observed: Vec<Problem>,
}

impl EntryFile {
    /// The entry counts of `unit` for `years` consecutive years from `first_year`, or a problem
    /// for every year the file does not cover.
    pub fn series(
        &self,
        unit: &str,
        first_year: u16,
        years: u16,
    ) -> Result<Vec<f64>, Vec<Problem>> {
        let last = first_year.saturating_add(years.saturating_sub(1));
        let mut out = Vec::with_capacity(usize::from(years));
        let mut problems = Vec::new();
        for y in first_year..=last {
            match self.counts.get(&(unit.to_owned(), y)) {
                Some(&p) => out.push(p),
                None => problems.push(Problem::file(
                    &self.path,
                    format!(
                        "no entry row for unit `{unit}`, year {y}: the file does not cover the \
                         projection horizon (expected a row for every year {first_year}–{last})"
                    ),
                )),
            }
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(problems)
        }
    }
}

/// Parses an entry CSV (`unit,year,pupils`, columns in any order). Every unit must be one of
/// `units` (the history's units with their last actual year); a row for a year the history
/// already observes is not used and is listed in [`EntryFile::observed`].
pub fn parse_entry(
    file: &Path,
    text: &str,
    units: &[(&str, u16)],
) -> Result<EntryFile, Vec<Problem>> {
    let mut counts = HashMap::new();
    let mut observed = Vec::new();
    let mut first_line: HashMap<(String, u16), u64> = HashMap::new();
    let names: Vec<&str> = units.iter().map(|u| u.0).collect();
    let (_, problems) = Table::read(file, text, &ENTRY_COLUMNS, &[], |table, row, problems| {
        let unit = table.unit(row, problems);
        let known = unit.and_then(|u| units.iter().find(|k| k.0 == u));
        if let (Some(_), None, Some((col, raw))) = (unit, known, table.field(row, "unit")) {
            problems.push(table.bad(
                row,
                col,
                raw,
                &format!("expected a unit of the history file ({})", list(&names)),
            ));
            return;
        }
        let year = table.year(row, problems);
        let pupils = table.pupils(row, problems);
        let (Some(unit), Some(&(_, last)), Some(year), Some(pupils)) = (unit, known, year, pupils)
        else {
            return;
        };
        let key = (unit.to_owned(), year);
        if let Some(first) = first_line.get(&key) {
            problems.push(Problem::line(
                file,
                row.line,
                format!(
                    "duplicate row for unit `{unit}`, year {year} (first given at line {first}); \
                     expected one row per unit and year"
                ),
            ));
        } else if year <= last {
            let field = table.field(row, "year");
            observed.push(Problem {
                column: field.map(|(c, _)| (c, "year".to_owned())),
                // As the file wrote it (`2023-24`, not the 2023 it is read as).
                value: Some(field.map_or_else(|| year.to_string(), |(_, raw)| raw.to_owned())),
                ..Problem::line(
                    file,
                    row.line,
                    format!(
                        "unit `{unit}` has actual counts up to {last}: this row is not used (the \
                         entry file gives years after the history's last)"
                    ),
                )
            });
            first_line.insert(key, row.line);
        } else {
            first_line.insert(key.clone(), row.line);
            counts.insert(key, pupils);
        }
    })?;
    if problems.is_empty() {
        Ok(EntryFile {
            path: file.to_path_buf(),
            counts,
            observed,
        })
    } else {
        Err(in_file_order(problems))
    }
}

/// One record of a table: its line and its fields (reused from record to record).
struct Row {
    line: u64,
    record: csv::StringRecord,
}

/// A CSV file whose header has been checked against the expected columns.
struct Table<'a> {
    file: &'a Path,
    /// Column name → 0-based position in each record.
    index: HashMap<&'static str, usize>,
}

impl<'a> Table<'a> {
    /// Checks the header (an unknown, missing or repeated column is a problem), then calls
    /// `visit` on every record with a problem list; a record that cannot be read (wrong field
    /// count, bad quoting) is a problem and the other records are still visited, so that every
    /// problem is reported at once. Line numbers count `\n`, so CRLF files (Excel's) number
    /// their lines as an editor does.
    fn read(
        file: &'a Path,
        text: &str,
        expected: &[&'static str],
        optional: &[&'static str],
        mut visit: impl FnMut(&Table, &Row, &mut Vec<Problem>),
    ) -> Result<(Table<'a>, Vec<Problem>), Vec<Problem>> {
        let mut records = Records::new(text);
        let mut problems = Vec::new();
        // An empty file has an empty header: every column is missing.
        let (headers, header_line) = match records.next_record() {
            None => (csv::StringRecord::new(), 1),
            Some(Ok(line)) => (records.record.clone(), line as u64),
            Some(Err((line, e))) => {
                return Err(vec![Problem::line(
                    file,
                    line as u64,
                    format!("cannot read the header: {e}"),
                )]);
            }
        };
        let mut index = HashMap::new();
        let known: Vec<&'static str> = expected.iter().chain(optional).copied().collect();
        let mut columns = expected.join(", ");
        if !optional.is_empty() {
            columns.push_str(&format!(" (optional: {})", optional.join(", ")));
        }
        for (i, name) in headers.iter().enumerate() {
            let column = Some((i + 1, name.to_owned()));
            match known.iter().find(|&&e| e == name) {
                Some(&e) if index.contains_key(e) => problems.push(Problem {
                    column,
                    ..Problem::line(file, header_line, "this column is given twice")
                }),
                Some(&e) => {
                    index.insert(e, i);
                }
                None => {
                    let mut message = format!("unknown column; expected the columns {columns}");
                    let absent = known
                        .iter()
                        .copied()
                        .filter(|e| !headers.iter().any(|h| h == *e));
                    if let Some(near) = nearest(name, absent) {
                        message.push_str(&format!(" (did you mean `{near}`?)"));
                    }
                    problems.push(Problem {
                        column,
                        ..Problem::line(file, header_line, message)
                    });
                }
            }
        }
        for e in expected {
            if !index.contains_key(e) {
                problems.push(Problem::line(
                    file,
                    header_line,
                    format!("missing column `{e}`; the header must name the columns {columns}"),
                ));
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let table = Table { file, index };
        let mut row = Row {
            line: 0,
            record: csv::StringRecord::new(),
        };
        while let Some(next) = records.next_record() {
            match next {
                Ok(line) => {
                    row.line = line as u64;
                    std::mem::swap(&mut row.record, &mut records.record);
                    if row.record.len() != headers.len() {
                        problems.push(Problem::line(
                            file,
                            row.line,
                            format!(
                                "found {} fields, expected {} (one per header column)",
                                row.record.len(),
                                headers.len()
                            ),
                        ));
                        continue;
                    }
                    visit(&table, &row, &mut problems);
                }
                Err((line, e)) => {
                    problems.push(Problem::line(
                        file,
                        line as u64,
                        format!("not a CSV record: {e}"),
                    ));
                }
            }
        }
        Ok((table, problems))
    }

    /// The 1-based number of column `name` (0 if absent).
    fn column(&self, name: &str) -> usize {
        self.index.get(name).map_or(0, |i| i + 1)
    }

    /// The 1-based column number and raw value of column `name` in `row`.
    fn field<'r>(&self, row: &'r Row, name: &str) -> Option<(usize, &'r str)> {
        let &i = self.index.get(name)?;
        Some((i + 1, row.record.get(i)?))
    }

    fn bad(&self, row: &Row, col: usize, raw: &str, expected: &str) -> Problem {
        let name = self
            .index
            .iter()
            .find(|&(_, &i)| i + 1 == col)
            .map_or_else(|| col.to_string(), |(n, _)| (*n).to_owned());
        Problem {
            file: self.file.to_path_buf(),
            line: Some(row.line),
            column: Some((col, name)),
            value: Some(raw.to_owned()),
            message: expected.to_owned(),
        }
    }

    fn unit<'r>(&self, row: &'r Row, problems: &mut Vec<Problem>) -> Option<&'r str> {
        let (col, raw) = self.field(row, "unit")?;
        if raw.is_empty() {
            problems.push(self.bad(row, col, raw, "expected a unit name"));
            return None;
        }
        Some(raw)
    }

    fn year(&self, row: &Row, problems: &mut Vec<Problem>) -> Option<u16> {
        let (col, raw) = self.field(row, "year")?;
        let year = parse_school_year(raw);
        if year.is_none() {
            problems.push(self.bad(
                row,
                col,
                raw,
                "expected a school year such as 2019 or 2019-20 (read as 2019)",
            ));
        }
        year
    }

    fn pupils(&self, row: &Row, problems: &mut Vec<Problem>) -> Option<f64> {
        let (col, raw) = self.field(row, "pupils")?;
        let pupils = parse_count(raw);
        if pupils.is_none() {
            problems.push(self.bad(row, col, raw, "expected a number of pupils ≥ 0"));
        }
        // -0 reads as 0, so outputs never show "-0".
        pupils.map(|p| p + 0.0)
    }
}

/// Names for a message: all of them when few, else the first few and the count.
fn list(names: &[&str]) -> String {
    const SHOWN: usize = 5;
    if names.len() <= SHOWN {
        names.join(", ")
    } else {
        format!(
            "{}, … {} units in all",
            names[..SHOWN].join(", "),
            names.len()
        )
    }
}

/// The projection and ratios of one unit, ready to write.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitProjection {
    pub unit: String,
    /// The first projected year (the year after the last actual year).
    pub first_year: u16,
    /// The entry grade (the lowest grade of the unit's last year).
    pub first_grade: u8,
    /// `rows[k][g]`: pupils of grade `first_grade + g` in year `first_year + k`.
    pub rows: Vec<Vec<f64>>,
    /// `ratios[g]`: grade `first_grade + g` → `+ 1`, unrounded.
    pub ratios: Vec<f64>,
    /// `band[k]`: P10 and P90 of the unit's total in year `first_year + k`, when the errors of
    /// earlier origins could size it.
    pub band: Vec<Option<(f64, f64)>>,
    /// The unit's own spellings of grades ([`UnitHistory::spellings`]).
    pub spellings: Vec<(u8, String)>,
}

/// Encodes the projection table `unit,year,grade,pupils`. Numbers are written with Rust's `{}`
/// for f64: the shortest text that reads back as the same value.
pub fn projection_csv(labels: &HistoryFile, units: &[UnitProjection]) -> anyhow::Result<Vec<u8>> {
    let mut w = excel_csv::writer(&csv::WriterBuilder::new());
    w.write_record(["unit", "year", "grade", "pupils"])?;
    for u in units {
        let unit = inert(&u.unit);
        for (k, row) in u.rows.iter().enumerate() {
            let year = usize::from(u.first_year) + k;
            for (g, pupils) in row.iter().enumerate() {
                let grade = labels.label(&u.spellings, grade_at(u.first_grade, g));
                w.write_record([&unit, &year.to_string(), &grade, &pupils.to_string()])?;
            }
        }
    }
    Ok(w.into_inner()?)
}

/// Encodes the ratios table `unit,from_grade,to_grade,ratio` (full precision, unrounded).
pub fn ratios_csv(labels: &HistoryFile, units: &[UnitProjection]) -> anyhow::Result<Vec<u8>> {
    let mut w = excel_csv::writer(&csv::WriterBuilder::new());
    w.write_record(["unit", "from_grade", "to_grade", "ratio"])?;
    for u in units {
        let unit = inert(&u.unit);
        for (g, ratio) in u.ratios.iter().enumerate() {
            let from = labels.label(&u.spellings, grade_at(u.first_grade, g));
            let to = labels.label(&u.spellings, grade_at(u.first_grade, g + 1));
            w.write_record([&unit, &from, &to, &ratio.to_string()])?;
        }
    }
    Ok(w.into_inner()?)
}

/// Encodes the totals table `unit,year,pupils,p10,p90` (P10 and P90 empty where no band).
pub fn totals_csv(units: &[UnitProjection]) -> anyhow::Result<Vec<u8>> {
    let mut w = excel_csv::writer(&csv::WriterBuilder::new());
    w.write_record(["unit", "year", "pupils", "p10", "p90"])?;
    for u in units {
        let unit = inert(&u.unit);
        for (k, row) in u.rows.iter().enumerate() {
            let year = usize::from(u.first_year) + k;
            let total: f64 = row.iter().sum();
            let (lo, hi) = match u.band.get(k).copied().flatten() {
                Some((lo, hi)) => (lo.to_string(), hi.to_string()),
                None => (String::new(), String::new()),
            };
            w.write_record([&unit, &year.to_string(), &total.to_string(), &lo, &hi])?;
        }
    }
    Ok(w.into_inner()?)
}

/// Writes the projection and, when asked, the ratios and the totals, atomically; every file is
/// encoded before any is written.
pub fn write_outputs(
    labels: &HistoryFile,
    units: &[UnitProjection],
    out: &Path,
    ratios_out: Option<&Path>,
    totals_out: Option<&Path>,
) -> anyhow::Result<()> {
    let projection = projection_csv(labels, units)?;
    let ratios = ratios_out
        .map(|p| ratios_csv(labels, units).map(|bytes| (p, bytes)))
        .transpose()?;
    let totals = totals_out
        .map(|p| totals_csv(units).map(|bytes| (p, bytes)))
        .transpose()?;
    write_file(out, &projection)?;
    for (path, bytes) in ratios.iter().chain(&totals) {
        write_file(path, bytes)?;
    }
    Ok(())
}

fn grade_at(first_grade: u8, offset: usize) -> u8 {
    u8::try_from(usize::from(first_grade) + offset).unwrap_or(u8::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<HistoryFile, Vec<Problem>> {
        parse_history(Path::new("h.csv"), text)
    }

    fn messages(text: &str) -> Vec<String> {
        parse(text)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn gap(text: &str, transitions: Option<usize>) -> String {
        let h = parse(text).unwrap();
        let u = &h.units[0];
        u.slice(&h, u.last_year(), transitions, 1, false)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn columns_in_any_order_and_k_is_the_rank_after_pk() {
        let h =
            parse("pupils,grade,year,unit\n100,K,2021,A\n90,1,2021,A\n110,K,2022,A\n95,1,2022,A\n")
                .unwrap();
        assert_eq!(h.units.len(), 1);
        let u = &h.units[0];
        assert_eq!(u.history.first_grade, 1);
        assert_eq!(u.history.first_year, 2021);
        assert_eq!(u.history.counts, vec![vec![100.0, 90.0], vec![110.0, 95.0]]);
        assert_eq!(h.label(&u.spellings, 1), "K");
        assert_eq!(h.label(&u.spellings, 0), "PK");
        assert_eq!(h.label(&u.spellings, 3), "2");
        assert_eq!(u.line_of(2022, 2), Some(5));
        assert_eq!(u.last_year(), 2022);
        assert_eq!(u.area, None);
    }

    #[test]
    fn each_unit_keeps_its_own_spelling_of_a_grade() {
        // A spells the year before K `PK` and kindergarten `K`; B writes `TK` and `KG`, and C
        // writes `K` first and `KG` a year later: every unit's outputs use its own first spelling.
        let h = parse(
            "unit,year,grade,pupils\n\
             A,2021,PK,10\nA,2021,K,11\nA,2022,PK,10\nA,2022,K,11\n\
             B,2021,TK,20\nB,2021,KG,21\nB,2022,TK,20\nB,2022,KG,21\n\
             C,2021,K,30\nC,2021,1,31\nC,2022,KG,30\nC,2022,1,31\n",
        )
        .unwrap();
        let projection = |u: &UnitHistory| UnitProjection {
            unit: u.unit.clone(),
            first_year: 2023,
            first_grade: u.history.first_grade,
            rows: vec![vec![1.0, 2.0]],
            ratios: vec![1.0],
            band: vec![None],
            spellings: u.spellings.clone(),
        };
        let units: Vec<UnitProjection> = h.units.iter().map(projection).collect();
        let csv = String::from_utf8(projection_csv(&h, &units).unwrap()).unwrap();
        assert_eq!(
            csv,
            "\u{feff}unit,year,grade,pupils\n\
             A,2023,PK,1\nA,2023,K,2\n\
             B,2023,TK,1\nB,2023,KG,2\n\
             C,2023,K,1\nC,2023,1,2\n"
        );
        let r = String::from_utf8(ratios_csv(&h, &units[1..2]).unwrap()).unwrap();
        assert!(r.ends_with("\nB,TK,KG,1\n"), "{r}");
        assert_eq!(h.units[2].spellings, vec![]);
    }

    #[test]
    fn a_cell_stays_small_for_millions_of_rows() {
        // 3.9 million rows (20,000 units × 15 years × 13 grades) keep 62 MB of cells while
        // read; the README gives the measured peak of `project` on such a file.
        assert_eq!(std::mem::size_of::<Cell>(), 16);
    }

    #[test]
    fn unknown_and_missing_columns_are_named() {
        let m = messages("unit,year,grade,pupil\nA,2021,1,5\n");
        assert_eq!(
            m,
            vec![
                "h.csv:1:4: column `pupil`: unknown column; expected the columns unit, year, grade, pupils (optional: area) (did you mean `pupils`?)",
                "h.csv:1: missing column `pupils`; the header must name the columns unit, year, grade, pupils (optional: area)",
            ]
        );
    }

    #[test]
    fn every_bad_value_is_reported_with_line_column_and_value() {
        let m = messages(
            "unit,year,grade,pupils\nA,20x1,1,5\nA,2021,one,5\nA,2021,2,-3\nA,2021,3,abc\n",
        );
        assert_eq!(
            m,
            vec![
                "h.csv:2:2: column `year`: found `20x1`: expected a school year such as 2019 or 2019-20 (read as 2019)",
                "h.csv:3:3: column `grade`: found `one`: expected a grade: an integer from 0 to 253, K or KG (= 0), PK or TK (the year before K)",
                "h.csv:4:4: column `pupils`: found `-3`: expected a number of pupils ≥ 0",
                "h.csv:5:4: column `pupils`: found `abc`: expected a number of pupils ≥ 0",
            ]
        );
    }

    #[test]
    fn crlf_lines_are_numbered_as_an_editor_does() {
        let m = messages("unit,year,grade,pupils\r\nA,2021,1,5\r\nA,2021,2,x\r\n");
        assert_eq!(
            m,
            vec!["h.csv:3:4: column `pupils`: found `x`: expected a number of pupils ≥ 0"]
        );
        // Old Mac files end lines with a lone `\r`; a blank line still counts.
        let m = messages("unit,year,grade,pupils\rA,2021,1,5\r\rA,2021,2,x\r");
        assert_eq!(
            m,
            vec!["h.csv:4:4: column `pupils`: found `x`: expected a number of pupils ≥ 0"]
        );
    }

    #[test]
    fn duplicates_are_reported_with_both_lines() {
        let m = messages("unit,year,grade,pupils\nA,2019,1,5\nA,2019,2,5\nA,2019,1,6\n");
        assert_eq!(
            m,
            vec![
                "h.csv:4: duplicate row for unit `A`, year 2019, grade 1 (first given at line 2); expected one row per unit, year and grade",
            ]
        );
    }

    #[test]
    fn gaps_are_named_where_a_forecast_reads_them() {
        let text = "unit,year,grade,pupils\nA,2019,1,5\nA,2019,2,5\nA,2021,1,5\nA,2021,2,5\nA,2022,1,5\nA,2022,2,5\n";
        assert_eq!(
            gap(text, None),
            "h.csv: unit `A` has no rows for year 2020: a gap in its history (expected every grade 1–2 in every year 2019–2022)"
        );
        // One transition reads 2021 and 2022 only: no gap.
        let h = parse(text).unwrap();
        let u = &h.units[0];
        assert!(u.slice(&h, 2022, Some(1), 1, false).unwrap().is_ok());
        let missing_grade =
            "unit,year,grade,pupils\nA,2019,1,5\nA,2019,2,5\nA,2019,3,5\nA,2020,1,5\nA,2020,3,5\n";
        assert_eq!(
            gap(missing_grade, None),
            "h.csv: unit `A` has no row for year 2020, grade 2: a gap in its history (expected every grade 1–3 in every year 2019–2020)"
        );
    }

    #[test]
    fn an_area_per_unit() {
        let h = parse("unit,area,year,grade,pupils\nA,N,2021,1,5\nB,S,2021,1,5\nC,N,2021,1,5\n")
            .unwrap();
        assert_eq!(h.areas, ["N", "S"]);
        let areas: Vec<Option<usize>> = h.units.iter().map(|u| u.area).collect();
        assert_eq!(areas, [Some(0), Some(1), Some(0)]);
        let m = messages("unit,area,year,grade,pupils\nA,N,2021,1,5\nA,S,2022,1,5\n");
        assert_eq!(
            m,
            vec![
                "h.csv:3:2: column `area`: found `S`: unit `A` is in area `N` at line 2; expected one area per unit"
            ]
        );
    }

    #[test]
    fn entry_rows_must_name_known_units_and_cover_the_horizon() {
        let p = Path::new("e.csv");
        let err = parse_entry(p, "unit,year,pupils\nB,2024,5\n", &[("A", 2023)]).unwrap_err();
        assert_eq!(
            err[0].to_string(),
            "e.csv:2:1: column `unit`: found `B`: expected a unit of the history file (A)"
        );
        let e = parse_entry(p, "year,unit,pupils\n2024,A,5\n2023,A,9\n", &[("A", 2023)]).unwrap();
        assert_eq!(e.series("A", 2024, 1), Ok(vec![5.0]));
        assert_eq!(
            e.observed[0].to_string(),
            "e.csv:3:1: column `year`: found `2023`: unit `A` has actual counts up to 2023: this row is not used (the entry file gives years after the history's last)"
        );
        let gap = e.series("A", 2024, 2).unwrap_err();
        assert_eq!(
            gap[0].to_string(),
            "e.csv: no entry row for unit `A`, year 2025: the file does not cover the projection \
             horizon (expected a row for every year 2024–2025)"
        );
    }

    #[test]
    fn numbers_are_written_with_full_precision_grades_as_given_and_units_inert() {
        let h = parse("unit,year,grade,pupils\nA,2021,K,1\nA,2021,1,1\nA,2022,K,1\nA,2022,1,1\n")
            .unwrap();
        let u = UnitProjection {
            unit: "=1+1".into(),
            first_year: 2023,
            first_grade: 1,
            rows: vec![vec![125.0, 0.1 + 0.2]],
            ratios: vec![0.9678362573099415],
            band: vec![Some((100.0, 150.5))],
            spellings: Vec::new(),
        };
        let csv = String::from_utf8(projection_csv(&h, std::slice::from_ref(&u)).unwrap()).unwrap();
        assert_eq!(
            csv,
            "\u{feff}unit,year,grade,pupils\n'=1+1,2023,K,125\n'=1+1,2023,1,0.30000000000000004\n"
        );
        let r = String::from_utf8(ratios_csv(&h, std::slice::from_ref(&u)).unwrap()).unwrap();
        assert_eq!(
            r,
            "\u{feff}unit,from_grade,to_grade,ratio\n'=1+1,K,1,0.9678362573099415\n"
        );
        let t = String::from_utf8(totals_csv(&[u]).unwrap()).unwrap();
        assert_eq!(
            t,
            "\u{feff}unit,year,pupils,p10,p90\n'=1+1,2023,125.3,100,150.5\n"
        );
    }
}
