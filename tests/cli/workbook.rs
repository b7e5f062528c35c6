//! `key_figures.csv` and `placeplan.xlsx` on the tiny fixture (see `run.rs` for its numbers):
//! the workbook is read back with calamine, a reader other than the writer.

use calamine::{Data, Reader, Xlsx, open_workbook};

/// Rows of a placeplan CSV (UTF-8 with BOM), read with a real CSV parser.
fn csv_rows(path: &std::path::Path) -> Vec<csv::StringRecord> {
    let bytes = std::fs::read(path).expect("CSV exists");
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").expect("BOM");
    csv::Reader::from_reader(text)
        .records()
        .map(|r| r.expect("CSV record"))
        .collect()
}

#[test]
fn key_figures_and_workbook_hold_the_run() {
    let out = tempfile::tempdir().unwrap();
    assert_cmd::Command::cargo_bin("placeplan")
        .unwrap()
        .args([
            "run",
            "tests/fixtures/tiny/plan.toml",
            "--format",
            "png",
            "--lang",
            "en",
            "--out",
        ])
        .arg(out.path())
        .assert()
        .success();

    // key_figures.csv: names beside codes, whole counts, the probability of the target.
    let figures = csv_rows(&out.path().join("plan/key_figures.csv"));
    let header = csv::Reader::from_path(out.path().join("compare/key_figures.csv"))
        .unwrap()
        .headers()
        .unwrap()
        .clone();
    assert_eq!(
        header.iter().collect::<Vec<_>>(),
        [
            "scenario",
            "scenario_zh",
            "scenario_en",
            "year",
            "figure",
            "name_zh",
            "name_en",
            "unit",
            "value",
            "p10",
            "p90"
        ]
    );
    let find = |year: &str, figure: &str| {
        figures
            .iter()
            .find(|r| &r[3] == year && &r[4] == figure)
            .unwrap_or_else(|| panic!("no {figure} in {year}"))
            .clone()
    };
    // Base year: 1 oversized class of 3 (33.3 %); 2020: none, the target met in every draw.
    assert_eq!(&find("2019", "oversized_classes")[8], "1");
    assert_eq!(&find("2019", "oversized_share")[8], "33.3");
    assert_eq!(&find("2020", "cleared")[8], "1");
    assert_eq!(&find("2020", "p_target_met:none-56-by-2020")[8], "1");
    assert_eq!(&find("2019", "shortfall")[1], "微型");

    // The workbook, read back by another reader.
    let path = out.path().join("placeplan.xlsx");
    let mut wb: Xlsx<_> = open_workbook(&path).expect("workbook opens");
    let names = wb.sheet_names();
    for sheet in [
        "key figures",
        "oversized_classes",
        "pupils",
        "headline chart",
    ] {
        assert!(
            names.iter().any(|n| n == sheet),
            "no sheet {sheet}: {names:?}"
        );
    }
    let key = wb.worksheet_range("key figures").expect("key figures");
    assert_eq!(key.height(), figures.len() + 1, "one row per key figure");
    let row = key
        .rows()
        .find(|r| {
            r.get(3) == Some(&Data::String("oversized_classes".into()))
                && r.get(2) == Some(&Data::Float(2019.0))
        })
        .expect("oversized classes in 2019");
    assert_eq!(row[5], Data::Float(1.0));
    assert_eq!(row[1], Data::String("Tiny".into()));

    // Wide form: a row per scenario and area, years as columns.
    let pupils = wb.worksheet_range("pupils").expect("pupils sheet");
    let rows: Vec<&[Data]> = pupils.rows().collect();
    assert_eq!(rows[1][4], Data::Float(2019.0));
    assert_eq!(rows[1][5], Data::Float(2020.0));
    let city = rows
        .iter()
        .find(|r| r[2] == Data::String("ALL".into()))
        .expect("city row");
    assert_eq!(city[4], Data::Float(150.0));
    assert_eq!(city[5], Data::Float(180.0));

    // The headline chart is embedded as a PNG.
    let bytes = std::fs::read(&path).unwrap();
    assert!(
        bytes.windows(19).any(|w| w == b"xl/media/image1.png"),
        "no chart image in the workbook"
    );
}
