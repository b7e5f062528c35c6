//! A bigger job split across processes: `run --draws-from A --draws N` shards, `merge` of
//! their raw draws. The merged tables must be those of one run of all the draws, byte for byte.

use std::path::Path;

use assert_cmd::Command;

fn placeplan(args: &[&str], out: &Path) -> assert_cmd::assert::Assert {
    Command::cargo_bin("placeplan")
        .unwrap()
        .args(args)
        .arg("--out")
        .arg(out)
        .assert()
}

const SCENARIOS: [&str; 2] = ["scenarios/current-pace.toml", "scenarios/plan.toml"];

/// Every file of a run's output folders (links followed), by name.
fn outputs(out: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = vec![(
        "placeplan.xlsx".to_string(),
        std::fs::read(out.join("placeplan.xlsx")).unwrap(),
    )];
    for folder in ["current-pace", "plan", "compare"] {
        let mut names: Vec<_> = std::fs::read_dir(out.join(folder))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        for name in names {
            let bytes = std::fs::read(out.join(folder).join(&name)).unwrap();
            files.push((format!("{folder}/{name}"), bytes));
        }
    }
    files
}

#[test]
fn merged_shards_write_the_tables_of_one_run_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let (one, a, b, merged) = (
        tmp.path().join("one"),
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("merged"),
    );
    let run = |extra: &[&str], out: &Path| {
        let mut args = vec!["run"];
        args.extend(SCENARIOS);
        args.extend(["--no-charts", "--seed", "11"]);
        args.extend(extra);
        placeplan(&args, out).success();
    };
    run(&["--draws", "90", "--threads", "2"], &one);
    // Shards of unequal sizes, on other thread counts, given to the merge out of order.
    run(
        &["--draws-from", "0", "--draws", "37", "--threads", "1"],
        &a,
    );
    run(
        &["--draws-from", "37", "--draws", "53", "--threads", "2"],
        &b,
    );
    assert!(a.join("plan").join("draws.bin").is_file());
    assert!(
        !a.join("plan").join("summary.csv").exists(),
        "a shard writes raw draws, not tables of part of the draws"
    );
    let b_str = b.to_str().unwrap();
    let a_str = a.to_str().unwrap();
    placeplan(
        &["merge", b_str, a_str, "--no-charts", "--threads", "2"],
        &merged,
    )
    .success();

    let (want, got) = (outputs(&one), outputs(&merged));
    let names = |f: &[(String, Vec<u8>)]| f.iter().map(|x| x.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(&want), names(&got));
    assert!(names(&want).contains(&"plan/summary.csv".to_string()));
    for ((name, w), (_, g)) in want.iter().zip(&got) {
        assert!(
            w == g,
            "{name} differs between one run and the merged shards"
        );
    }
    let manifest =
        String::from_utf8(std::fs::read(merged.join("plan/manifest.json")).unwrap()).unwrap();
    assert!(manifest.contains("\"draws\": 90,"), "{manifest}");
}

#[test]
fn shards_with_a_gap_are_refused_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, c, merged) = (
        tmp.path().join("a"),
        tmp.path().join("c"),
        tmp.path().join("merged"),
    );
    for (from, out) in [("0", &a), ("30", &c)] {
        placeplan(
            &["run", SCENARIOS[1], "--draws-from", from, "--draws", "20"],
            out,
        )
        .success();
    }
    let assert = placeplan(
        &["merge", a.to_str().unwrap(), c.to_str().unwrap()],
        &merged,
    )
    .code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains("shard.json") && stderr.contains("expected draws from 20"),
        "{stderr}"
    );
    assert!(!merged.exists(), "a refused merge writes nothing");
}
