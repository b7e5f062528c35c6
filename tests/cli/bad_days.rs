//! Bad days: each case of issue 12's corpus that once panicked, lost work, passed silently or
//! gave an unclear message or exit code, pinned by a test named after it. Input errors exit 1
//! with a located message; only faults of the system exit 2.
//!
//! The kill test: `placeplan run` killed (SIGKILL after several delays, and aborted at each named
//! point of the commit through `PLACEPLAN_COMMIT_ABORT`) always leaves the previous complete
//! output or the new one, and the next run removes what the killed one left.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use assert_cmd::Command;

/// The tiny fixture copied to a temporary folder (`plan.toml` and `data/`).
fn tiny() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(Path::new("tests/fixtures/tiny"), tmp.path());
    tmp
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), dest).unwrap();
        }
    }
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{}: no {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

fn placeplan(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("placeplan").unwrap();
    cmd.current_dir(dir);
    cmd
}

/// Runs and returns (exit code, stderr).
fn run(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = placeplan(dir)
        .args(args)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every file under the visible output folders, following the links: path → bytes.
fn snapshot(out: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(dir: &Path, rel: &Path, files: &mut BTreeMap<PathBuf, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let entry = entry.unwrap();
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            let path = entry.path();
            if path.is_dir() {
                walk(&path, &rel.join(&name), files);
            } else if let Ok(bytes) = std::fs::read(&path) {
                // Without charts the workbook is stamped with the time it was made: its
                // presence is compared, not its bytes.
                let bytes = if name == "placeplan.xlsx" {
                    b"a workbook".to_vec()
                } else {
                    bytes
                };
                files.insert(rel.join(&name), bytes);
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(out, Path::new(""), &mut files);
    files
}

#[test]
fn a_stage_of_20_grades_is_refused_by_the_reader_not_a_panic_in_run() {
    let tmp = tiny();
    let d = tmp.path();
    std::fs::write(
        d.join("data/stages.csv"),
        "stage,first_grade,last_grade,class_size\nprimary,1,2,45\njunior,3,20,50\n",
    )
    .unwrap();
    for args in [
        &["validate", "data"][..],
        &["run", "plan.toml", "--no-charts", "--out", "out"],
    ] {
        let (code, err) = run(d, args);
        assert_eq!(code, Some(1), "{err}");
        assert!(
            err.contains(
                "data/stages.csv:3:3: last_grade = \"20\": expected at most 16 grades in a stage"
            ),
            "{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn a_stage_gap_is_refused_by_validate_and_run_at_its_line_and_column() {
    let tmp = tiny();
    let d = tmp.path();
    std::fs::write(
        d.join("data/stages.csv"),
        "stage,first_grade,last_grade,class_size\nprimary,1,2,45\njunior,4,4,50\n",
    )
    .unwrap();
    for args in [
        &["validate", "data"][..],
        &["run", "plan.toml", "--no-charts", "--out", "out"],
    ] {
        let (code, err) = run(d, args);
        assert_eq!(code, Some(1), "{err}");
        assert!(
            err.contains(
                "data/stages.csv:3:2: stage `primary` ends at grade 2 but `junior` starts at grade 4: expected stages of consecutive grades"
            ),
            "{err}"
        );
        assert!(!d.join("out").exists(), "{err}");
    }
}

#[test]
fn draws_threads_and_years_beyond_their_limits_are_refused_before_any_allocation() {
    let tmp = tiny();
    let d = tmp.path();
    let cases: [(&[&str], &str); 6] = [
        (
            &["run", "plan.toml", "--draws", "-5"],
            "invalid value '-5' for '--draws <DRAWS>': expected a whole number between 1 and 1000000",
        ),
        (
            &["run", "plan.toml", "--draws", "4000000000"],
            "invalid value '4000000000' for '--draws <DRAWS>'",
        ),
        (
            &["run", "plan.toml", "--threads", "100000"],
            "invalid value '100000' for '--threads <THREADS>': expected a whole number between 1 and 256",
        ),
        (
            &["run", "plan.toml", "--threads", "0"],
            "invalid value '0' for '--threads <THREADS>'",
        ),
        (
            &[
                "project",
                "--history",
                "history.csv",
                "--years",
                "65535",
                "--out",
                "p.csv",
            ],
            "invalid value '65535' for '--years <YEARS>': expected a whole number between 1 and 100",
        ),
        (&["run", "--bogus"], "unexpected argument '--bogus'"),
    ];
    for (args, message) in cases {
        let (code, err) = run(d, args);
        assert_eq!(code, Some(1), "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
    }
    // The memory of the draws: --draws is blamed when it is the flag's.
    edit(&d.join("plan.toml"), "horizon = 2020", "horizon = 2200");
    let (code, err) = run(
        d,
        &[
            "run",
            "plan.toml",
            "--draws",
            "1000000",
            "--no-charts",
            "--out",
            "out",
        ],
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("--draws: 1000000 draws × 182 years × 2 areas (with the city)"),
        "{err}"
    );
    assert!(
        err.contains("above the limit of 4 GiB: expected at most"),
        "{err}"
    );
    assert!(!d.join("out").exists());
}

#[test]
fn what_the_command_line_names_wrongly_is_an_input_error() {
    let tmp = tiny();
    let d = tmp.path();
    std::fs::write(d.join("notes.txt"), "x").unwrap();
    for (args, message) in [
        (
            &["validate", "nope"][..],
            "error: nope is not a folder: expected a data set folder",
        ),
        (
            &["run", "plan.toml", "--lang", "fr"],
            "error: unknown --lang value `fr`",
        ),
        (
            &["run", "--no-charts"],
            "scenarios: cannot list scenarios in scenarios",
        ),
        (
            &["generate", "--kind", "x", "--out", "g"],
            "error: --kind \"x\"",
        ),
        (
            &["init", "."],
            "is not empty: init writes a new data set only into a new or empty folder",
        ),
    ] {
        let (code, err) = run(d, args);
        assert_eq!(code, Some(1), "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
    }
}

#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    for dir in ["tests/fixtures/bad-data", "tests/fixtures/tiny/data"] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_placeplan"))
            .args(["validate", dir])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Both pipes closed before placeplan writes a line: `| head -0`.
        drop(child.stdout.take());
        drop(child.stderr.take());
        let status = child.wait().unwrap();
        let expected = if dir.contains("bad") { 1 } else { 0 };
        assert_eq!(status.code(), Some(expected), "{dir}: {status}");
    }
}

#[test]
fn scenarios_of_one_name_are_refused_before_anything_is_deleted() {
    let tmp = tiny();
    let d = tmp.path();
    let (code, err) = run(d, &["run", "plan.toml", "--no-charts", "--out", "out"]);
    assert_eq!(code, Some(0), "{err}");
    let before = snapshot(&d.join("out"));
    assert!(before.contains_key(Path::new("plan/summary.csv")));
    std::fs::create_dir(d.join("more")).unwrap();
    std::fs::write(
        d.join("more/plan.toml"),
        std::fs::read_to_string(d.join("plan.toml"))
            .unwrap()
            .replace("data = \"data\"", "data = \"../data\""),
    )
    .unwrap();
    std::fs::copy(d.join("plan.toml"), d.join("compare.toml")).unwrap();
    for (args, message) in [
        (
            &["run", "plan.toml", "plan.toml"][..],
            "plan.toml: scenario name = \"plan\": expected one scenario per name in a run (also the name of plan.toml",
        ),
        (
            &["run", "plan.toml", "more/plan.toml"],
            "more/plan.toml: scenario name = \"plan\": expected one scenario per name in a run (also the name of plan.toml",
        ),
        (
            &["run", "compare.toml"],
            "compare.toml: scenario name = \"compare\": expected a name other than `compare`",
        ),
    ] {
        let mut args = args.to_vec();
        args.extend(["--no-charts", "--out", "out"]);
        let (code, err) = run(d, &args);
        assert_eq!(code, Some(1), "{err}");
        assert!(err.contains(message), "{err}");
        assert_eq!(snapshot(&d.join("out")), before);
    }
}

#[test]
fn references_checked_against_a_data_override_are_located() {
    let tmp = tiny();
    let d = tmp.path();
    edit(
        &d.join("plan.toml"),
        "pace = \"plan\"",
        "pace = \"plan\"\ncancel_projects = [\"X9\"]",
    );
    edit(
        &d.join("plan.toml"),
        "horizon = 2020",
        "horizon = 2020\nbase_year = 2018",
    );
    let (code, err) = run(
        d,
        &[
            "run",
            "plan.toml",
            "--data",
            "data",
            "--no-charts",
            "--out",
            "out",
        ],
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("plan.toml:12:20: pipeline.cancel_projects = \"X9\": expected a project_id of the data set data"),
        "{err}"
    );
    // The base year is the data set's latest year: another one is a located error.
    assert!(
        err.contains("plan.toml:6:13: base_year = \"2018\""),
        "{err}"
    );
}

#[test]
fn looping_links_and_a_large_stray_file_in_the_data_folder_do_not_stop_a_run() {
    let tmp = tiny();
    let d = tmp.path();
    std::os::unix::fs::symlink("..", d.join("data/up")).unwrap();
    std::os::unix::fs::symlink("self", d.join("data/self")).unwrap();
    // A sparse 64 MiB file, hashed in pieces.
    let big = std::fs::File::create(d.join("data/stray.bin")).unwrap();
    big.set_len(64 << 20).unwrap();
    let (code, err) = run(d, &["run", "plan.toml", "--no-charts", "--out", "out"]);
    assert_eq!(code, Some(0), "{err}");
    let manifest = std::fs::read_to_string(d.join("out/plan/manifest.json")).unwrap();
    // SHA-256 of 64 MiB of zeros.
    let zeros = placeplan::io::tables::sha256_hex(&vec![0u8; 64 << 20]);
    assert!(manifest.contains(&zeros), "{manifest}");
    assert!(!manifest.contains("data/up") && !manifest.contains("data/self"));
}

#[test]
fn a_scenario_file_name_that_is_not_utf8_is_refused() {
    use std::os::unix::ffi::OsStrExt;
    let tmp = tiny();
    let d = tmp.path();
    let name = std::ffi::OsStr::from_bytes(b"pl\xffan.toml");
    std::fs::copy(d.join("plan.toml"), d.join(name)).unwrap();
    let out = placeplan(d)
        .arg("run")
        .arg(name)
        .args(["--no-charts", "--out", "out"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(
            "the file name is not valid UTF-8: expected a UTF-8 name (it names the output folder)"
        ),
        "{err}"
    );
    assert!(!d.join("out").exists());
}

#[test]
fn a_write_failure_is_a_clean_message_and_exit_2() {
    let tmp = tiny();
    let d = tmp.path();
    std::fs::write(
        d.join("blocker"),
        "a file where the output folder should go",
    )
    .unwrap();
    let (code, err) = run(
        d,
        &["run", "plan.toml", "--no-charts", "--out", "blocker/out"],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.starts_with("error: cannot create blocker/out/.placeplan: "),
        "{err}"
    );
    assert!(!err.contains("Os {") && !err.contains("Custom {"), "{err}");
}

/// Kills `placeplan run` at several moments; the output is always the previous complete set or
/// the new one, and the next run leaves no staging behind.
#[test]
fn a_killed_run_leaves_the_previous_or_the_new_output_whole() {
    let tmp = tiny();
    let d = tmp.path();
    std::fs::copy(d.join("plan.toml"), d.join("other.toml")).unwrap();
    let args = |seed: &'static str, out: &'static str| {
        vec![
            "run",
            "plan.toml",
            "other.toml",
            "--no-charts",
            "--draws",
            "20000",
            "--seed",
            seed,
            "--out",
            out,
        ]
    };
    let (code, err) = run(d, &args("2", "new"));
    assert_eq!(code, Some(0), "{err}");
    let new = snapshot(&d.join("new"));
    let reset = || {
        let (code, err) = run(d, &args("1", "out"));
        assert_eq!(code, Some(0), "{err}");
        snapshot(&d.join("out"))
    };
    let old = reset();
    assert_ne!(old, new);
    assert_eq!(old.len(), new.len());

    // Aborted at each named point of the commit.
    for (point, expected) in [("staged", &old), ("linked", &old), ("switched", &new)] {
        reset();
        let status = placeplan(d)
            .args(args("2", "out"))
            .env("PLACEPLAN_COMMIT_ABORT", point)
            .output()
            .unwrap()
            .status;
        assert!(!status.success(), "{point}: the hook did not abort");
        assert!(
            snapshot(&d.join("out")) == *expected,
            "{point}: the output is not the expected complete set"
        );
    }
    // Killed after several delays: before, during and after the writing.
    let mut outcomes = Vec::new();
    for delay in [0u64, 100, 300, 600, 1000, 1600, 2500] {
        reset();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_placeplan"))
            .current_dir(d)
            .args(args("2", "out"))
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        child.kill().unwrap();
        child.wait().unwrap();
        let now = snapshot(&d.join("out"));
        assert!(
            now == old || now == new,
            "killed after {delay} ms: a mix of outputs"
        );
        outcomes.push(if now == new { "new" } else { "old" });
    }
    eprintln!("killed runs left: {outcomes:?}");
    // The next run removes what the killed ones left: one generation, linked as current.
    let (code, err) = run(d, &args("2", "out"));
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(snapshot(&d.join("out")), new);
    let mut left: Vec<String> = std::fs::read_dir(d.join("out/.placeplan"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left.len(), 2, "{left:?} (outcomes {outcomes:?})");
    assert_eq!(left[0], "current");
    assert!(left[1].starts_with("gen-"), "{left:?}");
    let hidden: Vec<String> = std::fs::read_dir(d.join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') && n != ".placeplan")
        .collect();
    assert!(hidden.is_empty(), "{hidden:?}");
}
