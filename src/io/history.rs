//! `placeplan project`'s files: the history and entry CSVs in, the projection and ratios CSVs out.
//!
//! Parsing works on decoded text (see [`crate::io::text`]) and never stops at the first problem:
//! it returns every [`Problem`] of a file, each naming the file, line, column, the value found
//! and what was expected. Outputs are encoded in memory and written atomically. No estimation
//! or projection happens here; that is [`crate::engine::progression`].

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use crate::engine::progression::History;
use crate::io::atomic::write_file;

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
    pub history: History,
    /// `lines[y][g]`: the line of the row behind `history.counts[y][g]`.
    pub lines: Vec<Vec<u64>>,
}

impl UnitHistory {
    /// The last actual year.
    pub fn last_year(&self) -> u16 {
        let years = u16::try_from(self.history.counts.len()).unwrap_or(u16::MAX);
        self.history
            .first_year
            .saturating_add(years.saturating_sub(1))
    }

    /// The line of the row for `year` and `grade`, if the unit has one.
    pub fn line_of(&self, year: u16, grade: u8) -> Option<u64> {
        let y = usize::from(year.checked_sub(self.history.first_year)?);
        let g = usize::from(grade.checked_sub(self.history.first_grade)?);
        self.lines.get(y)?.get(g).copied()
    }
}

/// A parsed and checked history file: every unit with consecutive years and grades.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryFile {
    pub path: PathBuf,
    /// Units in the order they first appear in the file.
    pub units: Vec<UnitHistory>,
    /// How the file wrote each grade (the first spelling met), e.g. 0 → `K`.
    pub grade_labels: BTreeMap<u8, String>,
    /// 1-based number of the `pupils` column, for messages about a count.
    pub pupils_column: usize,
}

impl HistoryFile {
    /// The grade as the input wrote it (`K` for kindergarten if the input said `K`).
    pub fn label(&self, grade: u8) -> String {
        self.grade_labels
            .get(&grade)
            .cloned()
            .unwrap_or_else(|| grade.to_string())
    }
}

/// One unit's rows: (year, grade) → (pupils, line).
type Cells = BTreeMap<(u16, u8), (f64, u64)>;

const HISTORY_COLUMNS: [&str; 4] = ["unit", "year", "grade", "pupils"];
const ENTRY_COLUMNS: [&str; 3] = ["unit", "year", "pupils"];

/// Parses a history CSV (`unit,year,grade,pupils`, columns in any order).
pub fn parse_history(file: &Path, text: &str) -> Result<HistoryFile, Vec<Problem>> {
    let mut table = Table::parse(file, text, &HISTORY_COLUMNS)?;
    let mut problems = std::mem::take(&mut table.problems);
    let mut grade_labels: BTreeMap<u8, String> = BTreeMap::new();
    // unit → (year, grade) → (pupils, line); units in order of first appearance.
    let mut order: Vec<String> = Vec::new();
    let mut cells: HashMap<String, Cells> = HashMap::new();
    for row in &table.rows {
        let unit = table.unit(row, &mut problems);
        let year = table.year(row, &mut problems);
        let grade = table.field(row, "grade").and_then(|(col, raw)| {
            let parsed = parse_grade(raw);
            if parsed.is_none() {
                problems.push(table.bad(
                    row,
                    col,
                    raw,
                    "expected a grade: an integer from 0 to 254, or K (= 0)",
                ));
            }
            parsed.map(|g| (g, raw))
        });
        let pupils = table.pupils(row, &mut problems);
        let (Some(unit), Some(year), Some((grade, raw_grade)), Some(pupils)) =
            (unit, year, grade, pupils)
        else {
            continue;
        };
        grade_labels
            .entry(grade)
            .or_insert_with(|| raw_grade.to_owned());
        let unit_cells = cells.entry(unit.to_owned()).or_insert_with(|| {
            order.push(unit.to_owned());
            BTreeMap::new()
        });
        if let Some(&(_, first)) = unit_cells.get(&(year, grade)) {
            problems.push(Problem::line(
                file,
                row.line,
                format!(
                    "duplicate row for unit `{unit}`, year {year}, grade {raw_grade} \
                     (first given at line {first}); expected one row per unit, year and grade"
                ),
            ));
        } else {
            unit_cells.insert((year, grade), (pupils, row.line));
        }
    }
    if table.rows.is_empty() && problems.is_empty() {
        problems.push(Problem::file(
            file,
            "no rows: expected a header and at least two years of counts",
        ));
    }
    let label = |g: u8| {
        grade_labels
            .get(&g)
            .cloned()
            .unwrap_or_else(|| g.to_string())
    };
    let mut units = Vec::with_capacity(order.len());
    for unit in order {
        let Some(unit_cells) = cells.get(&unit) else {
            continue;
        };
        match unit_history(file, &unit, unit_cells, &label) {
            Ok(h) => units.push(h),
            Err(mut p) => problems.append(&mut p),
        }
    }
    if problems.is_empty() {
        Ok(HistoryFile {
            path: file.to_path_buf(),
            units,
            grade_labels,
            pupils_column: table.index.get("pupils").map_or(0, |i| i + 1),
        })
    } else {
        Err(in_file_order(problems))
    }
}

/// Problems of lines in line order, then problems of the file as a whole.
fn in_file_order(mut problems: Vec<Problem>) -> Vec<Problem> {
    problems.sort_by_key(|p| p.line.unwrap_or(u64::MAX));
    problems
}

/// Checks that a unit's rows cover every grade of its range in every year of its range.
fn unit_history(
    file: &Path,
    unit: &str,
    cells: &Cells,
    label: &dyn Fn(u8) -> String,
) -> Result<UnitHistory, Vec<Problem>> {
    let years = cells.keys().map(|&(y, _)| y);
    let grades = cells.keys().map(|&(_, g)| g);
    let (Some(y0), Some(y1), Some(g0), Some(g1)) = (
        years.clone().min(),
        years.max(),
        grades.clone().min(),
        grades.max(),
    ) else {
        return Err(vec![Problem::file(
            file,
            format!("unit `{unit}` has no rows"),
        )]);
    };
    let span = format!(
        "expected every grade {}–{} in every year {y0}–{y1}",
        label(g0),
        label(g1)
    );
    let mut problems = Vec::new();
    let mut counts = Vec::with_capacity(usize::from(y1 - y0) + 1);
    let mut lines = Vec::with_capacity(counts.capacity());
    for y in y0..=y1 {
        let row: Vec<Option<&(f64, u64)>> = (g0..=g1).map(|g| cells.get(&(y, g))).collect();
        if row.iter().all(Option::is_none) {
            problems.push(Problem::file(
                file,
                format!("unit `{unit}` has no rows for year {y}: a gap in its history ({span})"),
            ));
            continue;
        }
        for (g, cell) in (g0..=g1).zip(&row) {
            if cell.is_none() {
                problems.push(Problem::file(
                    file,
                    format!(
                        "unit `{unit}` has no row for year {y}, grade {}: a gap in its history ({span})",
                        label(g)
                    ),
                ));
            }
        }
        counts.push(row.iter().map(|c| c.map_or(0.0, |c| c.0)).collect());
        lines.push(row.iter().map(|c| c.map_or(0, |c| c.1)).collect());
    }
    if problems.is_empty() {
        Ok(UnitHistory {
            unit: unit.to_owned(),
            history: History {
                first_year: y0,
                first_grade: g0,
                counts,
            },
            lines,
        })
    } else {
        Err(problems)
    }
}

/// Future entry-grade counts per unit and year, as read from an entry file.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryFile {
    pub path: PathBuf,
    /// (unit, year) → pupils.
    pub counts: HashMap<(String, u16), f64>,
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
/// `units` (the history's units).
pub fn parse_entry(file: &Path, text: &str, units: &[&str]) -> Result<EntryFile, Vec<Problem>> {
    let mut table = Table::parse(file, text, &ENTRY_COLUMNS)?;
    let mut problems = std::mem::take(&mut table.problems);
    let mut counts = HashMap::new();
    let mut first_line: HashMap<(String, u16), u64> = HashMap::new();
    for row in &table.rows {
        let unit = table.unit(row, &mut problems);
        if let (Some(u), Some((col, raw))) = (unit, table.field(row, "unit"))
            && !units.contains(&u)
        {
            problems.push(table.bad(
                row,
                col,
                raw,
                &format!("expected a unit of the history file ({})", list(units)),
            ));
            continue;
        }
        let year = table.year(row, &mut problems);
        let pupils = table.pupils(row, &mut problems);
        let (Some(unit), Some(year), Some(pupils)) = (unit, year, pupils) else {
            continue;
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
        } else {
            first_line.insert(key.clone(), row.line);
            counts.insert(key, pupils);
        }
    }
    if problems.is_empty() {
        Ok(EntryFile {
            path: file.to_path_buf(),
            counts,
        })
    } else {
        Err(in_file_order(problems))
    }
}

/// One record of a table: its line and its fields.
struct Row {
    line: u64,
    fields: Vec<String>,
}

/// A CSV file whose header has been checked against the expected columns.
struct Table<'a> {
    file: &'a Path,
    /// Column name → 0-based position in each record.
    index: HashMap<&'static str, usize>,
    rows: Vec<Row>,
    /// Records that could not be read (wrong field count, bad quoting); the other rows are
    /// still checked so that every problem is reported at once.
    problems: Vec<Problem>,
}

impl<'a> Table<'a> {
    /// Reads the header and records; an unknown, missing or repeated column is a problem.
    fn parse(
        file: &'a Path,
        text: &str,
        expected: &[&'static str],
    ) -> Result<Table<'a>, Vec<Problem>> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let mut problems = Vec::new();
        let headers = reader
            .headers()
            .map_err(|e| {
                vec![Problem::line(
                    file,
                    1,
                    format!("cannot read the header: {e}"),
                )]
            })?
            .clone();
        let mut index = HashMap::new();
        for (i, name) in headers.iter().enumerate() {
            let column = Some((i + 1, name.to_owned()));
            match expected.iter().find(|&&e| e == name) {
                Some(&e) if index.contains_key(e) => problems.push(Problem {
                    column,
                    ..Problem::line(file, 1, "this column is given twice")
                }),
                Some(&e) => {
                    index.insert(e, i);
                }
                None => {
                    let mut message = format!(
                        "unknown column; expected the columns {}",
                        expected.join(", ")
                    );
                    if let Some(near) = expected
                        .iter()
                        .filter(|e| !headers.iter().any(|h| h == **e))
                        .min_by_key(|e| strsim::levenshtein(e, &name.to_lowercase()))
                        .filter(|e| strsim::levenshtein(e, &name.to_lowercase()) <= 3)
                    {
                        message.push_str(&format!(" (did you mean `{near}`?)"));
                    }
                    problems.push(Problem {
                        column,
                        ..Problem::line(file, 1, message)
                    });
                }
            }
        }
        for e in expected {
            if !index.contains_key(e) {
                problems.push(Problem::line(
                    file,
                    1,
                    format!(
                        "missing column `{e}`; the header must name the columns {}",
                        expected.join(", ")
                    ),
                ));
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let mut rows = Vec::new();
        for record in reader.records() {
            match record {
                Ok(r) => {
                    let line = r.position().map_or(0, |p| p.line());
                    if r.len() != headers.len() {
                        problems.push(Problem::line(
                            file,
                            line,
                            format!(
                                "found {} fields, expected {} (one per header column)",
                                r.len(),
                                headers.len()
                            ),
                        ));
                        continue;
                    }
                    rows.push(Row {
                        line,
                        fields: r.iter().map(str::to_owned).collect(),
                    });
                }
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    problems.push(Problem::line(file, line, format!("not a CSV record: {e}")));
                }
            }
        }
        Ok(Table {
            file,
            index,
            rows,
            problems,
        })
    }

    /// The 1-based column number and raw value of column `name` in `row`.
    fn field<'r>(&self, row: &'r Row, name: &str) -> Option<(usize, &'r str)> {
        let &i = self.index.get(name)?;
        Some((i + 1, row.fields.get(i)?.as_str()))
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
        let year = raw.parse::<u16>().ok();
        if year.is_none() {
            problems.push(self.bad(row, col, raw, "expected a school year such as 2019"));
        }
        year
    }

    fn pupils(&self, row: &Row, problems: &mut Vec<Problem>) -> Option<f64> {
        let (col, raw) = self.field(row, "pupils")?;
        let pupils = raw
            .parse::<f64>()
            .ok()
            .filter(|p| p.is_finite() && *p >= 0.0);
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

/// `K`/`k` is kindergarten, grade 0; otherwise an integer.
fn parse_grade(raw: &str) -> Option<u8> {
    if raw.eq_ignore_ascii_case("k") {
        return Some(0);
    }
    raw.parse::<u8>().ok().filter(|&g| g < u8::MAX)
}

/// The projection and ratios of one unit, ready to write.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitProjection {
    pub unit: String,
    /// The first projected year (the year after the last actual year).
    pub first_year: u16,
    /// The entry grade (the lowest grade of the unit's history).
    pub first_grade: u8,
    /// `rows[k][g]`: pupils of grade `first_grade + g` in year `first_year + k`.
    pub rows: Vec<Vec<f64>>,
    /// `ratios[g]`: grade `first_grade + g` → `+ 1`, unrounded.
    pub ratios: Vec<f64>,
}

/// Excel opens CSV as the local code page unless the file starts with a UTF-8 BOM; unit names
/// are often Chinese, so outputs carry one (the readers of placeplan accept it).
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Encodes the projection table `unit,year,grade,pupils`. Numbers are written with Rust's `{}`
/// for f64: the shortest text that reads back as the same value.
pub fn projection_csv(labels: &HistoryFile, units: &[UnitProjection]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(BOM.to_vec());
    w.write_record(["unit", "year", "grade", "pupils"])?;
    for u in units {
        for (k, row) in u.rows.iter().enumerate() {
            let year = usize::from(u.first_year) + k;
            for (g, pupils) in row.iter().enumerate() {
                let grade = labels.label(grade_at(u.first_grade, g));
                w.write_record([&u.unit, &year.to_string(), &grade, &pupils.to_string()])?;
            }
        }
    }
    Ok(w.into_inner()?)
}

/// Encodes the ratios table `unit,from_grade,to_grade,ratio` (full precision, unrounded).
pub fn ratios_csv(labels: &HistoryFile, units: &[UnitProjection]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(BOM.to_vec());
    w.write_record(["unit", "from_grade", "to_grade", "ratio"])?;
    for u in units {
        for (g, ratio) in u.ratios.iter().enumerate() {
            let from = labels.label(grade_at(u.first_grade, g));
            let to = labels.label(grade_at(u.first_grade, g + 1));
            w.write_record([&u.unit, &from, &to, &ratio.to_string()])?;
        }
    }
    Ok(w.into_inner()?)
}

/// Writes the projection (and the ratios, when asked) atomically; both are encoded before
/// either is written.
pub fn write_outputs(
    labels: &HistoryFile,
    units: &[UnitProjection],
    out: &Path,
    ratios_out: Option<&Path>,
) -> anyhow::Result<()> {
    let projection = projection_csv(labels, units)?;
    let ratios = ratios_out
        .map(|p| ratios_csv(labels, units).map(|bytes| (p, bytes)))
        .transpose()?;
    write_file(out, &projection)?;
    if let Some((path, bytes)) = ratios {
        write_file(path, &bytes)?;
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

    #[test]
    fn columns_in_any_order_and_k_is_grade_zero() {
        let h =
            parse("pupils,grade,year,unit\n100,K,2021,A\n90,1,2021,A\n110,K,2022,A\n95,1,2022,A\n")
                .unwrap();
        assert_eq!(h.units.len(), 1);
        let u = &h.units[0];
        assert_eq!(u.history.first_grade, 0);
        assert_eq!(u.history.first_year, 2021);
        assert_eq!(u.history.counts, vec![vec![100.0, 90.0], vec![110.0, 95.0]]);
        assert_eq!(h.label(0), "K");
        assert_eq!(u.line_of(2022, 1), Some(5));
        assert_eq!(u.last_year(), 2022);
    }

    #[test]
    fn unknown_and_missing_columns_are_named() {
        let m = messages("unit,year,grade,pupil\nA,2021,1,5\n");
        assert_eq!(
            m,
            vec![
                "h.csv:1:4: column `pupil`: unknown column; expected the columns unit, year, grade, pupils (did you mean `pupils`?)",
                "h.csv:1: missing column `pupils`; the header must name the columns unit, year, grade, pupils",
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
                "h.csv:2:2: column `year`: found `20x1`: expected a school year such as 2019",
                "h.csv:3:3: column `grade`: found `one`: expected a grade: an integer from 0 to 254, or K (= 0)",
                "h.csv:4:4: column `pupils`: found `-3`: expected a number of pupils ≥ 0",
                "h.csv:5:4: column `pupils`: found `abc`: expected a number of pupils ≥ 0",
            ]
        );
    }

    #[test]
    fn duplicates_and_gaps_are_reported() {
        let m = messages(
            "unit,year,grade,pupils\nA,2019,1,5\nA,2019,2,5\nA,2019,1,6\nA,2021,1,5\nA,2021,2,5\nA,2022,1,5\n",
        );
        assert_eq!(
            m,
            vec![
                "h.csv:4: duplicate row for unit `A`, year 2019, grade 1 (first given at line 2); expected one row per unit, year and grade",
                "h.csv: unit `A` has no rows for year 2020: a gap in its history (expected every grade 1–2 in every year 2019–2022)",
                "h.csv: unit `A` has no row for year 2022, grade 2: a gap in its history (expected every grade 1–2 in every year 2019–2022)",
            ]
        );
    }

    #[test]
    fn entry_rows_must_name_known_units_and_cover_the_horizon() {
        let p = Path::new("e.csv");
        let err = parse_entry(p, "unit,year,pupils\nB,2024,5\n", &["A"]).unwrap_err();
        assert_eq!(
            err[0].to_string(),
            "e.csv:2:1: column `unit`: found `B`: expected a unit of the history file (A)"
        );
        let e = parse_entry(p, "year,unit,pupils\n2024,A,5\n", &["A"]).unwrap();
        assert_eq!(e.series("A", 2024, 1), Ok(vec![5.0]));
        let gap = e.series("A", 2024, 2).unwrap_err();
        assert_eq!(
            gap[0].to_string(),
            "e.csv: no entry row for unit `A`, year 2025: the file does not cover the projection \
             horizon (expected a row for every year 2024–2025)"
        );
    }

    #[test]
    fn numbers_are_written_with_full_precision_and_grades_as_given() {
        let h = parse("unit,year,grade,pupils\nA,2021,K,1\nA,2021,1,1\nA,2022,K,1\nA,2022,1,1\n")
            .unwrap();
        let u = UnitProjection {
            unit: "A".into(),
            first_year: 2023,
            first_grade: 0,
            rows: vec![vec![125.0, 0.1 + 0.2]],
            ratios: vec![0.9678362573099415],
        };
        let csv = String::from_utf8(projection_csv(&h, std::slice::from_ref(&u)).unwrap()).unwrap();
        assert_eq!(
            csv,
            "\u{feff}unit,year,grade,pupils\nA,2023,K,125\nA,2023,1,0.30000000000000004\n"
        );
        let r = String::from_utf8(ratios_csv(&h, &[u]).unwrap()).unwrap();
        assert_eq!(
            r,
            "\u{feff}unit,from_grade,to_grade,ratio\nA,K,1,0.9678362573099415\n"
        );
    }
}
