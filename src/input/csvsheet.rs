//! A CSV file of a data set read into text cells that remember their line and column, with
//! typed accessors that record every bad cell as an [`InputError`] instead of stopping.
//!
//! Knows the header rules of SPEC §3 (header required, columns in any order, unknown columns an
//! error, missing required columns an error) but nothing about what the columns mean.

use std::path::{Path, PathBuf};

use super::error::InputError;
use super::parse::{
    WHOLE, YEAR, parse_bool, parse_grade, parse_number, parse_whole, parse_year, parse_year_month,
};
use super::suggest::nearest;
use crate::model::{Grade, SchoolYear, YearMonth};

/// The columns a file may have.
#[derive(Debug, Clone, Copy)]
pub struct Columns {
    pub required: &'static [&'static str],
    pub optional: &'static [&'static str],
}

impl Columns {
    pub fn all(&self) -> impl Iterator<Item = &'static str> {
        self.required.iter().chain(self.optional.iter()).copied()
    }
}

/// One data row: its 1-based physical line. Its trimmed fields live in its [`Sheet`]
/// (read them with [`Sheet::field`] or [`Sheet::cells`]).
#[derive(Debug, Clone)]
pub struct Record {
    pub line: usize,
    /// Position of the row's first field in the sheet's `bounds`.
    first: usize,
}

/// A CSV file whose header was understood.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub file: PathBuf,
    /// Column name and 0-based position in the header, for each known column found: a few
    /// entries, looked up by name for every cell read (a list compares fewer bytes than a hash).
    index: Vec<(&'static str, usize)>,
    pub records: Vec<Record>,
    /// Every kept row's trimmed fields, one after another: a nation's file has millions of
    /// cells, and one buffer costs no allocation per cell.
    cells: String,
    /// Field `k` (counting over all kept rows) is `cells[bounds[k]..bounds[k + 1]]`.
    bounds: Vec<usize>,
    /// The header had every required column, and every row could be split into fields:
    /// references to this file's ids can be checked without spurious errors.
    pub complete: bool,
}

impl Sheet {
    /// Parses CSV `text` (already decoded) of `file`. Header problems and rows with the wrong
    /// number of fields are recorded in `errs`; such rows are left out.
    pub fn parse(file: &Path, text: &str, columns: Columns, errs: &mut Vec<InputError>) -> Sheet {
        let mut sheet = Sheet {
            file: file.to_path_buf(),
            index: Vec::new(),
            records: Vec::new(),
            cells: String::with_capacity(text.len()),
            bounds: vec![0],
            complete: true,
        };
        let mut header: Option<usize> = None;
        // A quote never closed swallows the rest of the file into one field: say so, at the
        // quote, and read only the rows before it.
        let unclosed = unclosed_quote(text);
        if let Some((line, field)) = unclosed {
            errs.push(InputError::message(
                file,
                line,
                field,
                "unterminated quote: this field's opening `\"` is never closed, so the rest of the file would be one value: expected a closing `\"`",
            ));
            sheet.complete = false;
        }
        let mut rows = Records::new(text);
        while let Some(next) = rows.next_record() {
            let line = match next {
                Ok(line) => line,
                Err((line, err)) => {
                    errs.push(InputError::message(
                        file,
                        line,
                        0,
                        format!("cannot read CSV: {err}"),
                    ));
                    sheet.complete = false;
                    break;
                }
            };
            let record = &rows.record;
            if unclosed.is_some_and(|(l, _)| line >= l) {
                break;
            }
            match header {
                None => {
                    header = Some(record.len());
                    sheet.read_header(record, line, columns, errs);
                    // Room for every line as a row, laid out once (a nation's file has
                    // millions of cells: no copy as the lists grow).
                    let lines = text.bytes().filter(|&b| b == b'\n').count();
                    sheet.records.reserve(lines);
                    sheet.bounds.reserve(lines * record.len());
                }
                Some(width) => {
                    if record.len() != width {
                        errs.push(InputError::value(
                            file,
                            line,
                            0,
                            "row",
                            &shorten(&record.iter().collect::<Vec<_>>().join(",")),
                            format!("{width} fields as in the header, found {}", record.len()),
                        ));
                        sheet.complete = false;
                        continue;
                    }
                    sheet.records.push(Record {
                        line,
                        first: sheet.bounds.len() - 1,
                    });
                    for field in record {
                        sheet.cells.push_str(field);
                        sheet.bounds.push(sheet.cells.len());
                    }
                }
            }
        }
        if header.is_none() {
            errs.push(InputError::message(
                file,
                0,
                0,
                format!(
                    "the file is empty: expected a header row with the columns {}",
                    columns.all().collect::<Vec<_>>().join(", ")
                ),
            ));
            sheet.complete = false;
        }
        if !sheet.complete_header(columns) {
            // Rows cannot be read without their required columns.
            sheet.records.clear();
            sheet.cells.clear();
            sheet.bounds.truncate(1);
        }
        sheet
    }

    fn read_header(
        &mut self,
        record: &csv::StringRecord,
        line: usize,
        columns: Columns,
        errs: &mut Vec<InputError>,
    ) {
        for (pos, name) in record.iter().enumerate() {
            match columns.all().find(|c| *c == name) {
                Some(known) => {
                    let again = self.index.iter_mut().find(|(n, _)| *n == known);
                    let repeated = again.is_some();
                    match again {
                        // The later position counts, as before.
                        Some(entry) => entry.1 = pos,
                        None => self.index.push((known, pos)),
                    }
                    if repeated {
                        errs.push(InputError::value(
                            &self.file,
                            line,
                            pos + 1,
                            "column",
                            name,
                            "each column once",
                        ));
                        self.complete = false;
                    }
                }
                None => {
                    let mut e = InputError::message(
                        &self.file,
                        line,
                        pos + 1,
                        format!(
                            "unknown column {name:?}: expected one of {}",
                            columns.all().collect::<Vec<_>>().join(", ")
                        ),
                    );
                    if let Some(near) = nearest(name, columns.all()) {
                        e = e.with_hint(format!("did you mean {near:?}?"));
                    }
                    errs.push(e);
                }
            }
        }
        for name in columns.required {
            if self.position(name).is_none() {
                errs.push(InputError::message(
                    &self.file,
                    line,
                    0,
                    format!(
                        "missing column {name:?}: expected the columns {}",
                        columns.required.join(", ")
                    ),
                ));
                self.complete = false;
            }
        }
    }

    fn complete_header(&self, columns: Columns) -> bool {
        columns.required.iter().all(|c| self.position(c).is_some())
    }

    /// 1-based field position of a column (0 when the file does not have it).
    pub fn column(&self, name: &str) -> usize {
        self.position(name).map_or(0, |p| p + 1)
    }

    /// 0-based position of a column in the header, if the file has it.
    fn position(&self, name: &str) -> Option<usize> {
        self.index.iter().find(|(n, _)| *n == name).map(|(_, p)| *p)
    }

    /// The trimmed text of `record`'s field at 0-based position `pos` of the header.
    pub fn field(&self, record: &Record, pos: usize) -> &str {
        let k = record.first + pos;
        &self.cells[self.bounds[k]..self.bounds[k + 1]]
    }

    /// Typed access to one record's cells, recording problems in `errs`.
    pub fn cells<'a>(&'a self, record: &'a Record, errs: &'a mut Vec<InputError>) -> Cells<'a> {
        Cells {
            sheet: self,
            record,
            errs,
            ok: true,
        }
    }
}

/// The cells of one record. Each accessor returns `None` and records an error when the cell is
/// not what was expected; [`Cells::ok`] tells whether every accessed cell was fine.
#[derive(Debug)]
pub struct Cells<'a> {
    sheet: &'a Sheet,
    record: &'a Record,
    errs: &'a mut Vec<InputError>,
    ok: bool,
}

impl<'a> Cells<'a> {
    /// Whether every cell read so far was valid.
    pub fn ok(&self) -> bool {
        self.ok
    }

    /// The raw (trimmed) text of a column; empty when the file lacks the column.
    pub fn raw(&self, name: &str) -> &'a str {
        self.sheet
            .position(name)
            .map_or("", |p| self.sheet.field(self.record, p))
    }

    /// Records an error about the value of column `name` in this record.
    pub fn fail(&mut self, name: &str, expected: impl Into<String>) {
        let e = InputError::value(
            &self.sheet.file,
            self.record.line,
            self.sheet.column(name),
            name,
            self.raw(name),
            expected,
        );
        self.errs.push(e);
        self.ok = false;
    }

    /// Like [`Cells::fail`], with a suggestion.
    pub fn fail_hint(&mut self, name: &str, expected: impl Into<String>, hint: Option<String>) {
        self.fail(name, expected);
        if let (Some(hint), Some(last)) = (hint, self.errs.last_mut()) {
            last.hint = Some(hint);
        }
    }

    /// A non-empty text cell.
    pub fn text(&mut self, name: &str) -> Option<String> {
        self.text_in_sheet(name).map(str::to_owned)
    }

    /// [`Cells::text`] as it stands in the sheet, not copied.
    pub fn text_in_sheet(&mut self, name: &str) -> Option<&'a str> {
        let s = self.raw(name);
        if s.is_empty() {
            self.fail(name, "a non-empty value");
            return None;
        }
        Some(s)
    }

    /// A cell parsed by `parse`; empty cells are errors too.
    pub fn parse<T>(
        &mut self,
        name: &str,
        expected: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let parsed = parse(self.raw(name));
        if parsed.is_none() {
            self.fail(name, expected);
        }
        parsed
    }

    /// An optional cell: empty (or a missing optional column) gives `Some(None)`.
    pub fn parse_opt<T>(
        &mut self,
        name: &str,
        expected: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<Option<T>> {
        if self.raw(name).is_empty() {
            return Some(None);
        }
        self.parse(name, expected, parse).map(Some)
    }

    /// One of a fixed set of names; an error suggests the nearest.
    pub fn choice<T>(
        &mut self,
        name: &str,
        names: &[&'static str],
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let raw = self.raw(name).to_owned();
        let parsed = parse(&raw);
        if parsed.is_none() {
            let hint = if raw.is_empty() {
                None
            } else {
                nearest(&raw, names.iter().copied()).map(|n| format!("did you mean {n:?}?"))
            };
            self.fail_hint(name, format!("one of {}", names.join(", ")), hint);
        }
        parsed
    }

    pub fn whole(&mut self, name: &str) -> Option<u32> {
        self.parse(name, WHOLE, parse_whole)
    }

    pub fn number(&mut self, name: &str) -> Option<f64> {
        self.parse(name, "a number", parse_number)
    }

    pub fn boolean(&mut self, name: &str) -> Option<bool> {
        self.parse(name, "true or false", parse_bool)
    }

    pub fn year(&mut self, name: &str) -> Option<SchoolYear> {
        self.parse(name, YEAR, parse_year).map(SchoolYear)
    }

    pub fn grade(&mut self, name: &str) -> Option<Grade> {
        self.parse(name, "a grade number such as 1", parse_grade)
            .map(Grade)
    }

    pub fn year_month(&mut self, name: &str) -> Option<YearMonth> {
        self.parse(name, "a date YYYY-MM such as 2020-08", parse_year_month)
    }
}

/// At most 80 characters of a value, for messages.
fn shorten(s: &str) -> String {
    match s.char_indices().nth(80) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    }
}

/// The 1-based line and field of a quote that opens a field and is never closed, as the CSV
/// reader would read `text` (a quote inside an unquoted field is a plain character).
fn unclosed_quote(text: &str) -> Option<(usize, usize)> {
    #[derive(PartialEq)]
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let (mut state, mut line, mut field) = (State::FieldStart, 1, 1);
    let mut opened = (1, 1);
    for b in text.bytes() {
        state = match (state, b) {
            (State::Quoted, b'"') => State::QuoteInQuoted,
            (State::Quoted, _) => State::Quoted,
            (State::FieldStart, b'"') => {
                opened = (line, field);
                State::Quoted
            }
            (State::QuoteInQuoted, b'"') => State::Quoted,
            (_, b',') => {
                field += 1;
                State::FieldStart
            }
            (_, b'\n' | b'\r') => {
                field = 1;
                State::FieldStart
            }
            _ => State::Unquoted,
        };
        if b == b'\n' {
            line += 1;
        }
    }
    (state == State::Quoted).then_some(opened)
}

/// CSV text read record by record, each with the 1-based physical line where its first field
/// starts (lines count `\n`, so CRLF files, as Excel saves them, number their lines as an editor
/// does, and blank lines count). Fields are trimmed; rows may differ in width (the caller
/// decides what that means). Every reader of a CSV input reads through this.
#[derive(Debug)]
pub struct Records<'t> {
    reader: csv::Reader<&'t [u8]>,
    lines: LineCounter<'t>,
    /// The record last read, untrimmed: trimming here, into `record`, reuses its buffers where
    /// the reader's own trimming allocates a new record per row.
    raw: csv::StringRecord,
    /// The record last read.
    pub record: csv::StringRecord,
}

impl<'t> Records<'t> {
    pub fn new(text: &'t str) -> Records<'t> {
        Records {
            reader: csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(text.as_bytes()),
            lines: LineCounter::new(text),
            raw: csv::StringRecord::new(),
            record: csv::StringRecord::new(),
        }
    }

    /// Reads the next record into [`Records::record`]: its line, `None` at the end, or the
    /// reader's error with the line where it was met.
    pub fn next_record(&mut self) -> Option<Result<usize, (usize, csv::Error)>> {
        match self.reader.read_record(&mut self.raw) {
            Ok(false) => None,
            Ok(true) => {
                self.record.clear();
                for field in &self.raw {
                    self.record.push_field(field.trim());
                }
                self.record.set_position(self.raw.position().cloned());
                let byte = self.raw.position().map_or(0, |p| p.byte());
                Some(Ok(self.lines.line_of(byte as usize)))
            }
            Err(err) => {
                let byte = err
                    .position()
                    .map_or_else(|| self.reader.position().byte(), |p| p.byte());
                Some(Err((self.lines.line_of(byte as usize), err)))
            }
        }
    }
}

/// Turns byte offsets into 1-based physical lines, for offsets that only grow (one pass over
/// the text in all).
#[derive(Debug)]
struct LineCounter<'t> {
    bytes: &'t [u8],
    at: usize,
    line: usize,
}

impl<'t> LineCounter<'t> {
    fn new(text: &'t str) -> Self {
        LineCounter {
            bytes: text.as_bytes(),
            at: 0,
            line: 1,
        }
    }

    /// Line of the first character at or after `byte` that is not a line break.
    fn line_of(&mut self, byte: usize) -> usize {
        let mut target = byte.min(self.bytes.len());
        while target < self.bytes.len() && matches!(self.bytes[target], b'\n' | b'\r') {
            target += 1;
        }
        if target > self.at {
            // A line ends at `\n`, or at a `\r` that no `\n` follows (old Mac files); `\r\n`
            // is one break. `target` never falls between the two bytes of a `\r\n`.
            let chunk = &self.bytes[self.at..target];
            self.line += chunk
                .iter()
                .enumerate()
                .filter(|&(i, b)| *b == b'\n' || (*b == b'\r' && chunk.get(i + 1) != Some(&b'\n')))
                .count();
            self.at = target;
        }
        self.line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLS: Columns = Columns {
        required: &["id", "n"],
        optional: &["note"],
    };

    #[test]
    fn columns_in_any_order_and_rows_keep_their_physical_line() {
        let mut errs = Vec::new();
        // A line ends at LF, at CRLF or at a lone CR (old Mac files): the same lines each way.
        for text in [
            "n,id\r1,a\r\n\r2,b\n\r\n3,c\r",
            "n,id\n1,a\n\n\"2\n\",b\n3,c\n",
        ] {
            let sheet = Sheet::parse(Path::new("x.csv"), text, COLS, &mut errs);
            assert!(errs.is_empty(), "{errs:?}");
            let lines: Vec<usize> = sheet.records.iter().map(|r| r.line).collect();
            assert_eq!(lines, vec![2, 4, 6], "{text:?}");
        }
        let text = "n,id\n1,a\n\n\"2\n\",b\n3,c\n";
        let sheet = Sheet::parse(Path::new("x.csv"), text, COLS, &mut errs);
        let mut cells = sheet.cells(&sheet.records[2], &mut errs);
        assert_eq!(cells.raw("id"), "c");
        assert_eq!(cells.whole("n"), Some(3));
        assert_eq!(sheet.column("id"), 2);
    }

    #[test]
    fn fields_and_header_names_are_trimmed_of_unicode_whitespace_too() {
        let mut errs = Vec::new();
        let text = " id ,\tn\n\u{a0}a\u{3000}, 7 \r\n";
        let sheet = Sheet::parse(Path::new("x.csv"), text, COLS, &mut errs);
        assert!(errs.is_empty(), "{errs:?}");
        let cells = sheet.cells(&sheet.records[0], &mut errs);
        assert_eq!((cells.raw("id"), cells.raw("n")), ("a", "7"));
    }

    #[test]
    fn unknown_duplicate_and_missing_columns_are_all_reported() {
        let mut errs = Vec::new();
        let sheet = Sheet::parse(Path::new("x.csv"), "id,nite,id\na,b,c\n", COLS, &mut errs);
        let text: Vec<String> = errs.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            vec![
                "x.csv:1:2: unknown column \"nite\": expected one of id, n, note; did you mean \"note\"?",
                "x.csv:1:3: column = \"id\": expected each column once",
                "x.csv:1: missing column \"n\": expected the columns id, n",
            ]
        );
        assert!(!sheet.complete);
        assert!(sheet.records.is_empty());
    }

    #[test]
    fn bad_cells_name_line_column_value_and_expectation() {
        let mut errs = Vec::new();
        let sheet = Sheet::parse(Path::new("x.csv"), "id,n\na,-3\nb\n", COLS, &mut errs);
        assert_eq!(
            errs[0].to_string(),
            "x.csv:3: row = \"b\": expected 2 fields as in the header, found 1"
        );
        let mut more = Vec::new();
        let mut cells = sheet.cells(&sheet.records[0], &mut more);
        assert_eq!(cells.whole("n"), None);
        assert!(!cells.ok());
        assert_eq!(
            more[0].to_string(),
            "x.csv:2:2: n = \"-3\": expected a whole number ≥ 0"
        );
    }

    #[test]
    fn an_unterminated_quote_is_named_where_it_opens() {
        let mut errs = Vec::new();
        let long = "x".repeat(500);
        let text = format!("id,n\na,1\nb,\"2\nc,3\n{long},4\n");
        let sheet = Sheet::parse(Path::new("x.csv"), &text, COLS, &mut errs);
        assert_eq!(errs.len(), 1, "{errs:?}");
        let e = errs[0].to_string();
        assert!(e.starts_with("x.csv:3:2: unterminated quote"), "{e}");
        assert!(e.len() < 200, "{e}");
        assert_eq!(sheet.records.len(), 1);
        // Quoted fields with escaped quotes, and quotes inside unquoted fields, are fine.
        assert_eq!(unclosed_quote("a,\"b \"\"c\"\" d\",e\"f\n"), None);
        // A row of the wrong width is quoted in short.
        let mut errs = Vec::new();
        Sheet::parse(
            Path::new("x.csv"),
            &format!("id,n\na,1,{long}\n"),
            COLS,
            &mut errs,
        );
        assert!(errs[0].to_string().len() < 200, "{}", errs[0]);
    }
}
