//! What the golden-case tests share: where the cases are, reading them, and comparing an output
//! with a case's `expected` at a relative tolerance.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// `shared/golden/cases` (or `$GOLDEN_DIR`).
pub fn shared_dir() -> PathBuf {
    std::env::var_os("GOLDEN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/golden/cases"))
}

/// The `*.json` files of `dir`, sorted, as (file name, case).
pub fn read_cases(dir: &Path) -> Vec<(String, Value)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("golden cases should be at {}: {e}", dir.display()))
        .map(|e| e.expect("readable dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable case");
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let case = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, case)
        })
        .collect()
}

/// `|got − want| ≤ tol·max(1, |want|)` everywhere, booleans equal; the first mismatch's path.
pub fn mismatch(got: &Value, want: &Value, tol: f64, path: &str) -> Option<String> {
    match (got, want) {
        (Value::Array(g), Value::Array(w)) if g.len() == w.len() => g
            .iter()
            .zip(w)
            .enumerate()
            .find_map(|(i, (g, w))| mismatch(g, w, tol, &format!("{path}[{i}]"))),
        (Value::Bool(g), Value::Bool(w)) if g == w => None,
        (Value::Number(g), Value::Number(w)) => {
            let (g, w) = (g.as_f64().unwrap(), w.as_f64().unwrap());
            ((g - w).abs() > tol * w.abs().max(1.0)).then(|| format!("{path}: got {g}, want {w}"))
        }
        _ => Some(format!("{path}: got {got}, want {want}")),
    }
}
