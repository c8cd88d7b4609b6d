//! The crate's one-way doors, read from the source text: the trainer (`src/train/`) imports
//! neither the experiments nor the catalog, and `#[wasm_bindgen]` appears only in `src/web/`.

use std::path::{Path, PathBuf};

const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

/// Every `.rs` file under `dir`, with its text.
fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a readable entry").path();
        if path.is_dir() {
            files.extend(sources(&path));
        } else if path.extension().is_some_and(|x| x == "rs") {
            let text = std::fs::read_to_string(&path).expect("a readable source file");
            files.push((path, text));
        }
    }
    files
}

/// `(line number, line)` of each line of `text` that is code (comments, docs included, left out).
fn code(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line))
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
}

/// The lines of `text` that name one of the modules `rooms` (as a path segment).
fn naming<'a>(text: &'a str, rooms: &[&str]) -> Vec<(usize, &'a str)> {
    code(text)
        .filter(|(_, line)| {
            line.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|word| rooms.contains(&word))
        })
        .collect()
}

/// The lines of `text` holding a `wasm_bindgen` attribute (`#[wasm_bindgen]`, with arguments or
/// a path).
fn bindings(text: &str) -> Vec<(usize, &str)> {
    code(text)
        .filter(|(_, line)| line.trim_start().starts_with("#[") && line.contains("wasm_bindgen"))
        .collect()
}

#[test]
fn the_trainer_imports_neither_the_experiments_nor_the_catalog() {
    let train = Path::new(SRC).join("train");
    let files = sources(&train);
    assert!(files.len() > 5, "src/train/ holds the trainer");
    for (path, text) in &files {
        let found = naming(text, &["experiments", "catalog"]);
        assert!(
            found.is_empty(),
            "{} names the experiments or the catalog (the trainer may not): {found:?}",
            path.display()
        );
    }
}

#[test]
fn wasm_bindgen_appears_only_in_web() {
    let web = Path::new(SRC).join("web");
    for (path, text) in sources(Path::new(SRC)) {
        if path.starts_with(&web) {
            continue;
        }
        let found = bindings(&text);
        assert!(
            found.is_empty(),
            "{} binds to JS outside src/web/: {found:?}",
            path.display()
        );
    }
}

#[test]
fn a_broken_door_is_noticed() {
    let text = "//! about crate::experiments\nuse crate::experiments::lesson;\nuse crate::{catalog, tasks};\nlet experimental = 1;\n";
    let found: Vec<usize> = naming(text, &["experiments", "catalog"])
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(found, [2, 3]);
    let text = "/// not `#[wasm_bindgen]`\n#[wasm_bindgen]\n#[wasm_bindgen::prelude::wasm_bindgen]\nuse wasm_bindgen::JsCast;\n";
    let found: Vec<usize> = bindings(text).into_iter().map(|(n, _)| n).collect();
    assert_eq!(found, [2, 3]);
}
