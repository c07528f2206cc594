//! The import graph of `src/`, read from the code: every module imports only from the layers
//! below it (the crate doc in src/lib.rs maps them), and no two modules import each other in
//! a ring. Test-only files (`tests.rs`, `*_tests.rs`, and what follows `#[cfg(test)]`) may
//! reach anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The layers, bottom first: a module may import from its own layer or a lower one.
const LAYERS: &[&[&str]] = &[
    &["failure", "files", "validate", "csv_safe"],
    &["verdict", "facts", "pattern"],
    &["controls"],
    &["judge"],
    &["config", "outcome", "exceptions"],
    &["aws"],
    &["organization", "collect"],
    &["sweep"],
    &["report", "remediate"],
    &["run"],
    &["signals", "cli"],
    &["commands"],
];

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// Top-level module → the top-level modules its non-test code names.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if !name.ends_with(".rs") || name == "tests.rs" || name.ends_with("_tests.rs") {
                continue;
            }
            let rel = path.strip_prefix(&src).unwrap();
            let top = rel
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string();
            if top == "lib" || top == "main" {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code: String = text
                .split("#[cfg(test)]")
                .next()
                .unwrap_or("")
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            let code = code.as_str();
            let names = graph.entry(top.clone()).or_default();
            for (i, _) in code.match_indices("crate::") {
                let rest = &code[i + "crate::".len()..];
                if let Some(group) = rest.strip_prefix('{') {
                    // use crate::{a::B, c};
                    let group = &group[..group.find('}').unwrap_or(group.len())];
                    for part in group.split(',') {
                        let word = part.trim().split("::").next().unwrap_or("").trim();
                        if !word.is_empty() {
                            names.insert(word.to_string());
                        }
                    }
                } else {
                    let word: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    names.insert(word);
                }
            }
            names.remove(&top);
        }
    }
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for names in graph.values_mut() {
        names.retain(|n| modules.contains(n));
    }
    graph
}

#[test]
fn every_module_has_a_layer() {
    let unplaced: Vec<String> = imports()
        .into_keys()
        .filter(|m| rank(m).is_none())
        .collect();
    assert!(
        unplaced.is_empty(),
        "place these modules in LAYERS (and in the crate doc): {unplaced:?}"
    );
}

#[test]
fn no_module_imports_from_a_layer_above_it() {
    let mut upward = Vec::new();
    for (module, names) in imports() {
        for name in names {
            if let (Some(from), Some(to)) = (rank(&module), rank(&name)) {
                if to > from {
                    upward.push(format!("{module} -> {name}"));
                }
            }
        }
    }
    assert!(upward.is_empty(), "imports that run up a layer: {upward:?}");
}

#[test]
fn no_modules_import_each_other_in_a_ring() {
    let graph = imports();
    // Depth-first search for a back edge.
    fn visit(
        m: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == m) {
            let mut ring = path[i..].to_vec();
            ring.push(m.to_string());
            return Some(ring);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_string());
        for next in graph.get(m).into_iter().flatten() {
            if let Some(ring) = visit(next, graph, path, done) {
                return Some(ring);
            }
        }
        path.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for m in graph.keys() {
        if let Some(ring) = visit(m, &graph, &mut Vec::new(), &mut done) {
            panic!("modules import each other in a ring: {}", ring.join(" -> "));
        }
    }
}

/// Comments point at what a reader can open: the design brief is not in the repository, so
/// no file cites it (the README says what the code does).
#[test]
fn no_file_cites_a_design_brief_that_is_not_here() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stack: Vec<std::path::PathBuf> = ["src", "tests", "examples", "scripts", "benches"]
        .iter()
        .map(|d| root.join(d))
        .collect();
    let mut citing = Vec::new();
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n != "layers.rs") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                if text.contains("DESIGN.md") || text.contains("DESIGN §") {
                    citing.push(path.display().to_string());
                }
            }
        }
    }
    if !root.join("DESIGN.md").exists() && !root.join("docs/DESIGN.md").exists() {
        assert!(
            citing.is_empty(),
            "these cite a DESIGN.md the repository does not have: {citing:?}"
        );
    }
}
