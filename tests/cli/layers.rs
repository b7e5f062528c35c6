//! The import graph of the crate follows the layers of `STYLE.md`: every top-level module of
//! `src/` names its crate imports (`use crate::x`, `crate::x::…`, `crate::{x, …}`) and none may
//! name a module of a higher layer, nor two modules name each other.
//!
//! Unit tests (`#[cfg(test)]` modules, at the end of a file) may load fixtures through `io`:
//! they are left out. Comments are left out too.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Layer of each top-level module, bottom (0) to top: `cli → (run, holdout) → io, charts →
/// figures, synth → engine → scenario → input, model` (`geo` holds values only, beside `model`).
const LAYERS: &[(&str, u8)] = &[
    ("model", 0),
    ("input", 0),
    ("geo", 0),
    ("scenario", 1),
    ("engine", 2),
    ("figures", 3),
    ("synth", 3),
    ("io", 4),
    ("charts", 4),
    ("run", 5),
    ("holdout", 5),
    ("cli", 6),
];

/// The code of a file without its unit tests (a `#[cfg(test)] mod` to the end of the file) and
/// comments.
fn code(text: &str) -> String {
    let tests = text
        .match_indices("#[cfg(test)]")
        .find(|(i, m)| text[i + m.len()..].trim_start().starts_with("mod "));
    let text = &text[..tests.map_or(text.len(), |(i, _)| i)];
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first path segment after every `crate::` (each item of a `crate::{…}` group).
fn crate_imports(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let (mut depth, mut start) = (0usize, true);
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if c.is_whitespace() => {}
                    _ if start && depth == 0 => {
                        out.insert(ident(&group[j..]));
                        start = false;
                    }
                    _ => {}
                }
            }
        } else {
            out.insert(ident(rest));
        }
    }
    out.retain(|m| !m.is_empty());
    out
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Top-level module → the top-level modules its code imports.
fn import_graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix("src").unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = top.trim_end_matches(".rs").to_owned();
        if module == "main" || module == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let imports = crate_imports(&code(&text));
        graph
            .entry(module.clone())
            .or_default()
            .extend(imports.into_iter().filter(|m| *m != module));
    }
    graph
}

#[test]
fn the_import_scanner_reads_paths_and_groups() {
    let found = crate_imports(&code(
        "use crate::model::{A, B};\nuse crate::{engine::x, io};\nlet y = crate::geo::f(); // crate::cli\n#[cfg(test)]\nmod tests {\n    use crate::run;\n}",
    ));
    let expected: BTreeSet<String> = ["engine", "geo", "io", "model"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    assert_eq!(found, expected);
}

#[test]
fn no_module_imports_one_above_it_and_none_import_each_other() {
    let layer: BTreeMap<&str, u8> = LAYERS.iter().copied().collect();
    let graph = import_graph();
    let mut problems = Vec::new();
    for (module, imports) in &graph {
        let Some(&own) = layer.get(module.as_str()) else {
            problems.push(format!("src/{module}: not in LAYERS: give it a layer"));
            continue;
        };
        for import in imports {
            match layer.get(import.as_str()) {
                None => problems.push(format!(
                    "{module} imports `crate::{import}`: not a module in LAYERS"
                )),
                Some(&other) if other > own => problems.push(format!(
                    "{module} (layer {own}) imports {import} (layer {other}), a layer above it"
                )),
                Some(_) => {}
            }
            if graph.get(import).is_some_and(|back| back.contains(module)) && module < import {
                problems.push(format!("{module} and {import} import each other"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(graph.len() >= LAYERS.len(), "{graph:?}");
}
