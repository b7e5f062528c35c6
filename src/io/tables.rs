//! Writing one scenario's result tables (SPEC §7) as CSV and Parquet, and its `manifest.json`.
//!
//! CSV is for people opening the file in Excel: UTF-8 with a BOM, text cells that Excel would read
//! as a formula made inert, numbers in their shortest round-trip form. Parquet holds the same rows
//! with typed columns for other tools. Output bytes depend only on the result: no timestamps.
//! This module writes into the folder it is given; making the folder appear atomically is the
//! caller's job (`atomic::StagedDir`). It computes nothing; it rounds counts whole and means
//! to a tenth, so that no float noise reaches a spreadsheet.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use polars::prelude::{Column, DataFrame, ParquetWriter};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::engine::results::{Metric, ScenarioResult, SummaryRow};
use crate::figures::KeyFigure;
use crate::io::excel_csv;

/// What produced a run's outputs, with the SHA-256 of every input file.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    pub tool_version: String,
    pub scenario: String,
    pub scenario_file: String,
    pub data_set: String,
    pub seed: u64,
    pub draws: u32,
    pub threads: usize,
    pub base_year: u16,
    pub horizon: u16,
    /// (path, SHA-256 in lower-case hex), sorted by path.
    pub inputs: Vec<(String, String)>,
}

#[derive(Serialize)]
struct ManifestJson<'a> {
    tool_version: &'a str,
    scenario: &'a str,
    scenario_file: &'a str,
    data_set: &'a str,
    seed: u64,
    draws: u32,
    threads: usize,
    base_year: u16,
    horizon: u16,
    inputs: Vec<InputJson<'a>>,
}

#[derive(Serialize)]
struct InputJson<'a> {
    path: &'a str,
    sha256: &'a str,
}

impl Manifest {
    /// SHA-256 of the scenario file and of every file under the data set folder (recursively),
    /// sorted by path. Paths are written as given, with `/` separators.
    pub fn hash_inputs(
        scenario_file: &Path,
        data_dir: &Path,
    ) -> anyhow::Result<Vec<(String, String)>> {
        let mut files = vec![scenario_file.to_path_buf()];
        collect_files(data_dir, &mut files)?;
        let mut out = Vec::with_capacity(files.len());
        for f in files {
            let hash = sha256_file(&f).with_context(|| format!("cannot read {}", f.display()))?;
            out.push((slash_path(&f), hash));
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// The manifest as pretty JSON, ending with a newline.
    pub fn to_json(&self) -> String {
        let json = ManifestJson {
            tool_version: &self.tool_version,
            scenario: &self.scenario,
            scenario_file: &self.scenario_file,
            data_set: &self.data_set,
            seed: self.seed,
            draws: self.draws,
            threads: self.threads,
            base_year: self.base_year,
            horizon: self.horizon,
            inputs: self
                .inputs
                .iter()
                .map(|(path, sha256)| InputJson { path, sha256 })
                .collect(),
        };
        // Serialising plain strings and numbers cannot fail.
        let mut s = serde_json::to_string_pretty(&json).unwrap_or_default();
        s.push('\n');
        s
    }
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let entries = fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
        let path = entry.path();
        let kind = entry
            .file_type()
            .with_context(|| format!("cannot read {}", path.display()))?;
        if kind.is_dir() {
            collect_files(&path, out)?;
        } else if kind.is_file() || fs::metadata(&path).is_ok_and(|m| m.is_file()) {
            // A link is hashed when it leads to a file; links to folders are not followed
            // (a link to a parent would loop), and broken or looping links are left out.
            out.push(path);
        }
    }
    Ok(())
}

fn slash_path(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
        .replace("//", "/")
}

/// Lower-case hex SHA-256 of a file, read in pieces (a large stray file costs no memory).
fn sha256_file(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut file = fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(digest: &[u8]) -> String {
    let mut s = String::with_capacity(64);
    for b in digest.iter() {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// A typed column of an output table.
pub(crate) enum Values<'a> {
    Text(Vec<String>),
    /// Text cells by index into a list of names (a name per school, not per row).
    Names(&'a [String], Vec<u32>),
    Int(Vec<i32>),
    Count(Vec<u32>),
    Number(Vec<f64>),
}

/// An output table: named columns of equal length.
pub(crate) struct Table<'a> {
    pub(crate) height: usize,
    pub(crate) columns: Vec<(&'static str, Values<'a>)>,
}

impl Table<'_> {
    /// Writes the CSV, formatted cell by cell into reused buffers (no string per cell: a
    /// province's `schools.csv` has millions of cells).
    fn write_csv(&self, out: impl std::io::Write) -> anyhow::Result<()> {
        let mut w = excel_csv::Stream::new(out)?;
        for (name, _) in &self.columns {
            w.field(name.as_bytes());
        }
        w.end_row()?;
        let (mut cell, mut digits) = (String::new(), [0u8; 20]);
        for row in 0..self.height {
            for (_, values) in &self.columns {
                cell.clear();
                let field = match values {
                    Values::Int(v) => decimal(i64::from(v[row]), &mut digits),
                    Values::Count(v) => decimal(i64::from(v[row]), &mut digits),
                    Values::Text(v) => {
                        push_inert(&mut cell, &v[row]);
                        cell.as_bytes()
                    }
                    Values::Names(names, v) => {
                        push_inert(&mut cell, &names[v[row] as usize]);
                        cell.as_bytes()
                    }
                    Values::Number(v) => {
                        push_number(&mut cell, v[row]);
                        cell.as_bytes()
                    }
                };
                w.field(field);
            }
            w.end_row()?;
        }
        w.finish()?;
        Ok(())
    }

    fn parquet(&self) -> anyhow::Result<Vec<u8>> {
        let columns: Vec<Column> = self
            .columns
            .iter()
            .map(|(name, values)| match values {
                Values::Text(v) => Column::new((*name).into(), v),
                Values::Names(names, v) => Column::new(
                    (*name).into(),
                    v.iter()
                        .map(|&i| names[i as usize].as_str())
                        .collect::<Vec<_>>(),
                ),
                Values::Int(v) => Column::new((*name).into(), v),
                Values::Count(v) => Column::new((*name).into(), v),
                Values::Number(v) => Column::new((*name).into(), v),
            })
            .collect();
        let mut df = DataFrame::new(self.height, columns)?;
        let mut buf = Vec::new();
        ParquetWriter::new(&mut buf)
            .set_parallel(false)
            .finish(&mut df)?;
        Ok(buf)
    }

    /// Writes `dir/stem.csv` and `dir/stem.parquet`, side by side on rayon's threads.
    pub(crate) fn write(&self, dir: &Path, stem: &str) -> anyhow::Result<()> {
        let csv_path = dir.join(format!("{stem}.csv"));
        let pq_path = dir.join(format!("{stem}.parquet"));
        let (csv, parquet) = rayon::join(
            || {
                fs::File::create(&csv_path)
                    .map_err(anyhow::Error::from)
                    .and_then(|f| self.write_csv(f))
                    .with_context(|| format!("cannot write {}", csv_path.display()))
            },
            || {
                let bytes = self
                    .parquet()
                    .with_context(|| format!("cannot encode {}", pq_path.display()))?;
                fs::write(&pq_path, bytes)
                    .with_context(|| format!("cannot write {}", pq_path.display()))
            },
        );
        csv.and(parquet)
    }
}

/// Appends `s` as a text cell that Excel will not run as a formula: a leading `= + - @` (or
/// tab, carriage return) gets a single quote in front.
fn push_inert(cell: &mut String, s: &str) {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        cell.push('\'');
    }
    cell.push_str(s);
}

/// Appends a whole number in decimal (as `{v}` formats it).
fn push_int(cell: &mut String, v: i64) {
    for &b in decimal(v, &mut [0u8; 20]) {
        cell.push(char::from(b));
    }
}

/// A whole number in decimal ASCII, as `{v}` formats it, in the end of `digits`: digit by digit
/// without the formatting machinery (a province's tables have millions of numbers).
fn decimal(v: i64, digits: &mut [u8; 20]) -> &[u8] {
    let mut at = digits.len();
    let mut rest = v.unsigned_abs();
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if v < 0 {
        at -= 1;
        digits[at] = b'-';
    }
    &digits[at..]
}

/// Below this magnitude an f64 with no fraction is written as the integer it is (the same
/// text as `{v}`, which never uses an exponent).
const WHOLE_BELOW: f64 = 1e15;

/// Appends the shortest text that reads back as the same f64; integers without `.0`; NaN as an
/// empty cell.
fn push_number(cell: &mut String, v: f64) {
    if v.is_nan() {
        return;
    }
    if v == 0.0 {
        cell.push('0');
    } else if v.abs() < WHOLE_BELOW && v == (v as i64) as f64 {
        push_int(cell, v as i64);
    } else {
        let _ = write!(cell, "{v}");
    }
}

/// A text cell that Excel will not run as a formula (see [`push_inert`]).
pub(crate) fn inert(s: &str) -> String {
    let mut cell = String::with_capacity(s.len() + 1);
    push_inert(&mut cell, s);
    cell
}

/// Every metric of `summary.csv` counts something (pupils, places, classes, projects): the
/// central case and the percentiles are counts and are written whole; the mean, an average of
/// counts, to one decimal. This only drops float noise such as `3430.0499999999993`: totals
/// still equal the sum of their parts within rounding.
fn count(v: f64) -> f64 {
    let r = v.round();
    if r == 0.0 { 0.0 } else { r }
}

fn tenth(v: f64) -> f64 {
    let r = (v * 10.0).round() / 10.0;
    if r == 0.0 { 0.0 } else { r }
}

/// The mean column to a tenth, with the accounts kept whole after rounding: each year's
/// `demand_natural` is the rounded change in pupils less the rounded migrants and returners, and
/// `progression_change` the rounded natural change less entrants plus leavers, so the parts add
/// up to their totals in the table exactly as they do in the engine.
fn rounded_means(rows: &[&SummaryRow], scenario: Option<&[String]>) -> Vec<f64> {
    let key = |i: usize, year: u16, metric: Metric| {
        (
            scenario.map_or("", |s| s[i].as_str()),
            rows[i].area_id.as_str(),
            year,
            metric,
        )
    };
    let means: HashMap<(&str, &str, u16, Metric), f64> = (0..rows.len())
        .map(|i| (key(i, rows[i].year.0, rows[i].metric), tenth(rows[i].mean)))
        .collect();
    (0..rows.len())
        .map(|i| {
            let (r, y) = (rows[i], rows[i].year.0);
            let at = |year: u16, metric| means.get(&key(i, year, metric)).copied();
            let natural = || -> Option<f64> {
                Some(
                    at(y, Metric::Pupils)?
                        - at(y.checked_sub(1)?, Metric::Pupils)?
                        - at(y, Metric::DemandMigrant)?
                        - at(y, Metric::DemandReturning)?,
                )
            };
            let derived = match r.metric {
                Metric::DemandNatural => natural(),
                Metric::ProgressionChange => natural()
                    .and_then(|n| Some(n - at(y, Metric::Entrants)? + at(y, Metric::Leavers)?)),
                _ => None,
            };
            derived.map_or_else(|| tenth(r.mean), tenth)
        })
        .collect()
}

fn summary_table<'a>(rows: &[&SummaryRow], scenario: Option<Vec<String>>) -> Table<'a> {
    let mut columns = Vec::new();
    let means = rounded_means(rows, scenario.as_deref());
    if let Some(s) = scenario {
        columns.push(("scenario", Values::Text(s)));
    }
    let num = |f: fn(&SummaryRow) -> f64| Values::Number(rows.iter().map(|r| f(r)).collect());
    columns.extend([
        (
            "year",
            Values::Int(rows.iter().map(|r| i32::from(r.year.0)).collect()),
        ),
        (
            "area_id",
            Values::Text(rows.iter().map(|r| r.area_id.clone()).collect()),
        ),
        (
            "metric",
            Values::Text(rows.iter().map(|r| r.metric.as_str().to_owned()).collect()),
        ),
        ("central", num(|r| count(r.central))),
        ("mean", Values::Number(means)),
        ("p5", num(|r| count(r.p5))),
        ("p10", num(|r| count(r.p10))),
        ("p50", num(|r| count(r.p50))),
        ("p90", num(|r| count(r.p90))),
        ("p95", num(|r| count(r.p95))),
    ]);
    Table {
        height: rows.len(),
        columns,
    }
}

/// Writes `summary`, `schools`, `projects` and `targets` (`.csv` and `.parquet`) and
/// `manifest.json` into `dir`.
pub fn write_scenario_tables(
    dir: &Path,
    result: &ScenarioResult,
    manifest: &Manifest,
) -> anyhow::Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let (summary, rest) = rayon::join(
        || {
            let summary: Vec<&SummaryRow> = result.summary.iter().collect();
            summary_table(&summary, None).write(dir, "summary")
        },
        || write_detail_tables(dir, result, manifest),
    );
    summary.and(rest)
}

/// `schools`, `projects`, `targets` and `manifest.json`.
fn write_detail_tables(
    dir: &Path,
    result: &ScenarioResult,
    manifest: &Manifest,
) -> anyhow::Result<()> {
    let s = &result.schools;
    let count =
        |f: fn(&crate::engine::results::SchoolRow) -> u32| Values::Count(s.iter().map(f).collect());
    Table {
        height: s.len(),
        columns: vec![
            (
                "school_id",
                Values::Names(&result.school_ids, s.iter().map(|r| r.school).collect()),
            ),
            (
                "year",
                Values::Int(s.iter().map(|r| i32::from(r.year.0)).collect()),
            ),
            (
                "grade",
                Values::Int(s.iter().map(|r| i32::from(r.grade)).collect()),
            ),
            ("pupils", count(|r| r.pupils)),
            ("classes", count(|r| r.classes)),
            ("max_class_size", count(|r| r.max_class_size)),
            ("oversized_classes", count(|r| r.oversized_classes)),
            (
                "super_oversized_classes",
                count(|r| r.super_oversized_classes),
            ),
        ],
    }
    .write(dir, "schools")?;

    let p = &result.projects;
    Table {
        height: p.len(),
        columns: vec![
            (
                "project_id",
                Values::Text(p.iter().map(|r| r.project_id.clone()).collect()),
            ),
            (
                "year",
                Values::Int(p.iter().map(|r| i32::from(r.year.0)).collect()),
            ),
            (
                "p_open",
                Values::Number(p.iter().map(|r| r.p_open).collect()),
            ),
        ],
    }
    .write(dir, "projects")?;

    let t = &result.targets;
    Table {
        height: t.len(),
        columns: vec![
            (
                "target",
                Values::Text(t.iter().map(|r| r.target.clone()).collect()),
            ),
            (
                "year",
                Values::Int(t.iter().map(|r| i32::from(r.year.0)).collect()),
            ),
            (
                "probability",
                Values::Number(t.iter().map(|r| r.probability).collect()),
            ),
        ],
    }
    .write(dir, "targets")?;

    let path = dir.join("manifest.json");
    fs::write(&path, manifest.to_json()).with_context(|| format!("cannot write {}", path.display()))
}

/// Writes `key_figures.csv` and `key_figures.parquet` into `dir`: one row per scenario, year
/// and figure, names in Chinese and English beside the codes, values rounded as shown.
pub fn write_key_figures(dir: &Path, figures: &[KeyFigure]) -> anyhow::Result<()> {
    let f = figures;
    let text = |g: fn(&KeyFigure) -> String| Values::Text(f.iter().map(g).collect());
    let opt = |g: fn(&KeyFigure) -> Option<f64>| {
        Values::Number(f.iter().map(|k| g(k).unwrap_or(f64::NAN)).collect())
    };
    Table {
        height: f.len(),
        columns: vec![
            ("scenario", text(|k| k.scenario.clone())),
            ("scenario_zh", text(|k| k.scenario_zh.clone())),
            ("scenario_en", text(|k| k.scenario_en.clone())),
            (
                "year",
                Values::Int(f.iter().map(|k| i32::from(k.year)).collect()),
            ),
            ("figure", text(|k| k.figure.clone())),
            ("name_zh", text(|k| k.name_zh.clone())),
            ("name_en", text(|k| k.name_en.clone())),
            ("unit", text(|k| k.unit.as_str().to_string())),
            ("value", Values::Number(f.iter().map(|k| k.value).collect())),
            ("p10", opt(|k| k.p10)),
            ("p90", opt(|k| k.p90)),
        ],
    }
    .write(dir, "key_figures")
}

/// Writes the cross-scenario `summary.csv` and `summary.parquet` into `dir`: the columns of a
/// scenario's summary with `scenario` first, scenarios in the order given.
pub fn write_compare_summary(dir: &Path, rows: &[(String, &ScenarioResult)]) -> anyhow::Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut names = Vec::new();
    let mut summary = Vec::new();
    for (name, result) in rows {
        for row in &result.summary {
            names.push(name.clone());
            summary.push(row);
        }
    }
    summary_table(&summary, Some(names)).write(dir, "summary")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Numbers are written as `{}` writes them, whole ones by the fast path included.
    #[test]
    fn numbers_are_written_as_display_writes_them() {
        for v in [
            1.0,
            -1.0,
            7.0,
            10.0,
            1234.5,
            -0.5,
            3_430.049_999_999_999_3,
            999_999_999_999_999.0,
            1e15,
            -1e15,
            1e16,
            123_456_789_012.0,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::INFINITY,
        ] {
            let mut cell = String::new();
            push_number(&mut cell, v);
            assert_eq!(cell, format!("{v}"), "{v:?}");
        }
        for v in [0i64, 9, 10, -10, 1_000_000, i64::MAX, i64::MIN] {
            let mut cell = String::new();
            push_int(&mut cell, v);
            assert_eq!(cell, format!("{v}"));
        }
    }
    use crate::engine::results::{Metric, ProjectRow, SchoolRow, TargetRow};
    use crate::model::SchoolYear;

    fn result() -> ScenarioResult {
        let row = |metric, area: &str, central| SummaryRow {
            year: SchoolYear(2020),
            area_id: area.into(),
            metric,
            central,
            mean: central + 0.25,
            p5: -12.5,
            p10: 0.1,
            p50: 3.0,
            p90: 1e-7,
            p95: f64::NAN,
        };
        ScenarioResult {
            base_year: SchoolYear(2019),
            horizon: SchoolYear(2020),
            draws: 10,
            summary: vec![
                row(Metric::Pupils, "ALL", 1234.0),
                row(Metric::OversizedClasses, "=cmd|' /C calc'!A0", 2.5),
            ],
            school_ids: vec!["@S1".into()],
            schools: vec![SchoolRow {
                school: 0,
                year: SchoolYear(2020),
                grade: 1,
                pupils: 120,
                classes: 2,
                max_class_size: 60,
                oversized_classes: 2,
                super_oversized_classes: 0,
            }],
            projects: vec![ProjectRow {
                project_id: "X1".into(),
                year: SchoolYear(2020),
                p_open: 0.5,
            }],
            targets: vec![TargetRow {
                target: "t".into(),
                year: SchoolYear(2020),
                probability: 1.0,
            }],
            area_targets: Vec::new(),
        }
    }

    fn manifest() -> Manifest {
        Manifest {
            tool_version: "0.1.0".into(),
            scenario: "plan".into(),
            scenario_file: "scenarios/plan.toml".into(),
            data_set: "data/x".into(),
            seed: 2019,
            draws: 10,
            threads: 2,
            base_year: 2019,
            horizon: 2020,
            inputs: vec![("data/x/areas.csv".into(), "ab".into())],
        }
    }

    #[test]
    fn csv_has_bom_inert_text_and_plain_numbers() {
        let tmp = tempfile::tempdir().unwrap();
        write_scenario_tables(tmp.path(), &result(), &manifest()).unwrap();
        let bytes = fs::read(tmp.path().join("summary.csv")).unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "year,area_id,metric,central,mean,p5,p10,p50,p90,p95"
        );
        assert_eq!(lines[1], "2020,ALL,pupils,1234,1234.3,-13,0,3,0,");
        assert_eq!(
            lines[2],
            "2020,'=cmd|' /C calc'!A0,oversized_classes,3,2.8,-13,0,3,0,"
        );
        let schools = fs::read_to_string(tmp.path().join("schools.csv")).unwrap();
        assert!(
            schools.contains("\n'@S1,2020,1,120,2,60,2,0\n"),
            "{schools}"
        );
        for f in [
            "summary.parquet",
            "schools.parquet",
            "projects.parquet",
            "targets.parquet",
        ] {
            let b = fs::read(tmp.path().join(f)).unwrap();
            assert!(b.starts_with(b"PAR1") && b.ends_with(b"PAR1"), "{f}");
        }
        let json: serde_json::Value =
            serde_json::from_slice(&fs::read(tmp.path().join("manifest.json")).unwrap()).unwrap();
        assert_eq!(json["inputs"][0]["sha256"], "ab");
        assert_eq!(json["seed"], 2019);
    }

    #[test]
    fn outputs_are_byte_identical_across_runs() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        write_scenario_tables(a.path(), &result(), &manifest()).unwrap();
        write_scenario_tables(b.path(), &result(), &manifest()).unwrap();
        for f in [
            "summary.csv",
            "summary.parquet",
            "schools.parquet",
            "manifest.json",
        ] {
            assert_eq!(
                fs::read(a.path().join(f)).unwrap(),
                fs::read(b.path().join(f)).unwrap(),
                "{f}"
            );
        }
    }

    #[test]
    fn compare_summary_puts_scenario_first() {
        let tmp = tempfile::tempdir().unwrap();
        let r = result();
        write_compare_summary(tmp.path(), &[("plan".into(), &r), ("no-build".into(), &r)]).unwrap();
        let text = fs::read_to_string(tmp.path().join("summary.csv")).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "\u{feff}scenario,year,area_id,metric,central,mean,p5,p10,p50,p90,p95"
        );
        assert_eq!(lines.len(), 5);
        assert!(lines[3].starts_with("no-build,2020,ALL,pupils,1234,"));
        assert!(tmp.path().join("summary.parquet").exists());
    }

    #[test]
    fn hashes_scenario_and_every_data_file_sorted() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        fs::create_dir_all(data.join("sub")).unwrap();
        fs::write(data.join("b.csv"), "b").unwrap();
        fs::write(data.join("a.csv"), "").unwrap();
        fs::write(data.join("sub/c.csv"), "c").unwrap();
        let scen = tmp.path().join("s.toml");
        fs::write(&scen, "x").unwrap();
        let inputs = Manifest::hash_inputs(&scen, &data).unwrap();
        let names: Vec<&str> = inputs
            .iter()
            .map(|(p, _)| p.rsplit('/').next().unwrap())
            .collect();
        assert_eq!(names, vec!["a.csv", "b.csv", "c.csv", "s.toml"]);
        // SHA-256 of the empty string.
        assert_eq!(
            inputs[0].1,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    fn number(v: f64) -> String {
        let mut cell = String::new();
        push_number(&mut cell, v);
        cell
    }

    #[test]
    fn numbers_round_trip() {
        for v in [0.1 + 0.2, 1.0 / 3.0, -12.5, 1e-7, 123456789.0, 5e300] {
            assert_eq!(number(v).parse::<f64>().unwrap(), v);
        }
        assert_eq!(number(3.0), "3");
        assert_eq!(number(-0.0), "0");
        assert_eq!(inert("-x"), "'-x");
        assert_eq!(inert("x-"), "x-");
    }
}
