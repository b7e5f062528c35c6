//! Fuzzing the loaders with proptest (nightly, hence cargo-fuzz, is not available): every CSV
//! of a data set through the data-set reader (and so the sheet reader), the history and entry
//! readers of `placeplan project`, and the scenario parser with its reference checks.
//!
//! Each target starts from a valid file (the seed corpus: `tests/fixtures/tiny`,
//! `tests/fixtures/project/midtown`, `tests/fixtures/tiny/plan.toml`) and mutates its bytes, or
//! writes arbitrary CSV- or TOML-like text. A target passes when the loader returns without
//! panicking, and every error it returns points inside the file it read (a line no further than
//! the file's end; the scenario parser always gives a line ≥ 1).
//!
//! The default case count (proptest's 256, or `PROPTEST_CASES`) keeps `cargo test` quick; a long
//! run: `PROPTEST_CASES=200000 cargo test --release --test cli fuzz -- --test-threads 1`.
//! Failing cases are kept by proptest in `tests/proptest-regressions/fuzz.txt` and re-run first;
//! inputs that once broke a loader are kept as files in `tests/fuzz-corpus/` and checked on every
//! `cargo test` ([`fuzz_corpus_inputs`]).

use std::path::{Path, PathBuf};

use placeplan::io::{dataset, history};
use proptest::prelude::*;

const TINY: &str = "tests/fixtures/tiny/data";
const DATA_FILES: [&str; 10] = [
    "settings.csv",
    "stages.csv",
    "areas.csv",
    "schools.csv",
    "enrolment.csv",
    "births.csv",
    "growth.csv",
    "profiles.csv",
    "projects.csv",
    "flows.csv",
];
/// A `flows.csv` for the tiny data set (it has none), so that the optional file is fuzzed too.
const FLOWS: &str = "area_id,year,flow,pupils\nA1,2019,migrant_inflow,3\nA1,2019,rural_to_town,1\n";

/// One edit of a file's bytes.
#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Replace(usize, u8),
}

/// Bytes that matter to CSV and TOML, and a few that do not.
fn interesting_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        4 => prop::sample::select(
            b",\"\n\r\t =[]{}'#.-+*01279eE_Kx\\\xEF\xBB\xBF\xFF\x00".to_vec()
        ),
        1 => any::<u8>(),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (
            any::<usize>(),
            prop::collection::vec(interesting_byte(), 1..12)
        )
            .prop_map(|(at, b)| Edit::Insert(at, b)),
        (any::<usize>(), 1usize..40).prop_map(|(at, n)| Edit::Delete(at, n)),
        (any::<usize>(), interesting_byte()).prop_map(|(at, b)| Edit::Replace(at, b)),
    ]
}

fn apply(base: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut v = base.to_vec();
    for e in edits {
        let len = v.len();
        match e {
            Edit::Insert(at, bytes) => {
                let at = at % (len + 1);
                v.splice(at..at, bytes.iter().copied());
            }
            Edit::Delete(at, n) if len > 0 => {
                let at = at % len;
                v.drain(at..(at + n).min(len));
            }
            Edit::Replace(at, b) if len > 0 => v[at % len] = *b,
            _ => {}
        }
    }
    v
}

/// A file's new content: the valid one edited, or arbitrary text from `alphabet`.
fn content(base: Vec<u8>, alphabet: &'static str) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => prop::collection::vec(edit(), 1..6).prop_map(move |e| apply(&base, &e)),
        1 => prop::string::string_regex(alphabet).unwrap().prop_map(String::into_bytes),
    ]
}

/// Lines of a file, for the bound on reported line numbers: a line ends at `\n`, `\r\n` or a
/// lone `\r`.
fn line_count(bytes: &[u8]) -> usize {
    1 + bytes
        .iter()
        .enumerate()
        .filter(|&(i, b)| *b == b'\n' || (*b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count()
}

/// Asserts every problem of a data set points into its folder and, for the mutated file,
/// at a line of that file.
fn check_dataset_errors(
    dir: &Path,
    file: &Path,
    bytes: &[u8],
    errs: &placeplan::input::InputErrors,
) {
    assert!(!errs.is_empty());
    let lines = line_count(bytes);
    for e in errs {
        assert!(e.file.starts_with(dir), "{e}");
        let text = e.to_string();
        assert!(
            !text.contains("Custom {") && !text.contains("Os {"),
            "{text}"
        );
        if e.file == file {
            assert!(e.line <= lines, "line beyond the end ({lines}): {e}");
        }
    }
}

/// The tiny data set with `name` replaced by `bytes`, loaded: no panic, located errors.
fn check_dataset(name: &str, bytes: &[u8]) {
    let tmp = tempfile::tempdir().unwrap();
    for other in DATA_FILES.iter().filter(|n| **n != "flows.csv") {
        std::fs::copy(Path::new(TINY).join(other), tmp.path().join(other)).unwrap();
    }
    std::fs::write(tmp.path().join("flows.csv"), FLOWS).unwrap();
    let file = tmp.path().join(name);
    std::fs::write(&file, bytes).unwrap();
    if let Err(errs) = dataset::load(tmp.path()) {
        check_dataset_errors(tmp.path(), &file, bytes, &errs);
    }
}

/// A history file (and an entry file) read: no panic, problems within the file's lines.
fn check_history(bytes: &[u8], entry: &[u8]) {
    let path = PathBuf::from("history.csv");
    let Some(text) = placeplan::input::text::decode(bytes) else {
        return;
    };
    let lines = line_count(bytes) as u64;
    let units = match history::parse_history(&path, &text) {
        Ok(h) => h
            .units
            .iter()
            .map(|u| (u.unit.clone(), u.last_year()))
            .collect::<Vec<_>>(),
        Err(problems) => {
            assert!(!problems.is_empty());
            for p in &problems {
                assert!(p.line.is_none_or(|l| l <= lines), "{p}");
            }
            vec![("Midtown cluster".to_owned(), 2022)]
        }
    };
    if let Some(text) = placeplan::input::text::decode(entry) {
        let lines = line_count(entry) as u64;
        let names: Vec<(&str, u16)> = units.iter().map(|(u, y)| (u.as_str(), *y)).collect();
        if let Err(problems) = history::parse_entry(Path::new("entry.csv"), &text, &names) {
            for p in &problems {
                assert!(p.line.is_none_or(|l| l <= lines), "{p}");
            }
        }
    }
}

/// A scenario parsed, and checked against the tiny data set when it parses: no panic, every
/// problem at a line of the file.
fn check_scenario(bytes: &[u8]) {
    let path = PathBuf::from("tests/fixtures/tiny/fuzz.toml");
    let Some(text) = placeplan::input::text::decode(bytes) else {
        return;
    };
    let lines = line_count(bytes);
    let errs = match placeplan::scenario::file::parse(&path, &text) {
        Ok(_) => {
            static DATA: std::sync::OnceLock<placeplan::model::DataSet> =
                std::sync::OnceLock::new();
            let data = DATA.get_or_init(|| dataset::load(Path::new(TINY)).unwrap());
            placeplan::scenario::file::check_against(&path, &text, data)
                .err()
                .unwrap_or_default()
        }
        Err(errs) => {
            assert!(!errs.is_empty());
            errs
        }
    };
    for e in &errs {
        assert!(e.line >= 1 && e.line <= lines, "{e}");
    }
}

proptest! {
    #[test]
    fn fuzz_dataset_files(
        which in 0..DATA_FILES.len(),
        edits in prop::collection::vec(edit(), 1..6),
        random in prop::option::weighted(0.2, "[a-zA-Z0-9_,\"\r\n .*-]{0,300}"),
    ) {
        let name = DATA_FILES[which];
        let bytes = match random {
            Some(text) => text.into_bytes(),
            None if name == "flows.csv" => apply(FLOWS.as_bytes(), &edits),
            None => apply(&std::fs::read(Path::new(TINY).join(name)).unwrap(), &edits),
        };
        check_dataset(name, &bytes);
    }

    #[test]
    fn fuzz_history_reader(
        bytes in content(
            std::fs::read("tests/fixtures/project/midtown/history.csv").unwrap(),
            "[a-zA-Z0-9_,\"\r\n K.-]{0,300}",
        ),
        entry in content(
            std::fs::read("tests/fixtures/project/midtown/entry.csv").unwrap(),
            "[a-zA-Z0-9_,\"\r\n .-]{0,200}",
        ),
    ) {
        check_history(&bytes, &entry);
    }

    #[test]
    fn fuzz_scenario_parser(
        bytes in content(
            std::fs::read("tests/fixtures/tiny/plan.toml").unwrap(),
            "[a-z_0-9=\"'\\[\\]{}\n ,.#-]{0,300}",
        ),
    ) {
        check_scenario(&bytes);
    }
}

/// The corpus: inputs that once broke a loader (`tests/fuzz-corpus/`), checked on every run.
/// A data-set file is named `<file>.<what>`, e.g. `enrolment.csv.stray-quote`.
#[test]
fn fuzz_corpus_inputs() {
    let corpus = Path::new("tests/fuzz-corpus");
    let files = |dir: &str| {
        let mut v: Vec<PathBuf> = std::fs::read_dir(corpus.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        v.sort();
        v
    };
    let entry = std::fs::read("tests/fixtures/project/midtown/entry.csv").unwrap();
    let mut n = 0;
    for f in files("dataset") {
        let file_name = f.file_name().unwrap().to_string_lossy().into_owned();
        let name = DATA_FILES
            .iter()
            .find(|d| file_name.starts_with(&format!("{d}.")))
            .unwrap_or_else(|| panic!("{file_name}: not named after a data-set file"));
        check_dataset(name, &std::fs::read(&f).unwrap());
        n += 1;
    }
    for f in files("history") {
        check_history(&std::fs::read(&f).unwrap(), &entry);
        n += 1;
    }
    for f in files("scenario") {
        check_scenario(&std::fs::read(&f).unwrap());
        n += 1;
    }
    assert!(n >= 15, "{n} corpus files");
}
