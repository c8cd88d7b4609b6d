//! What the golden-case tests share: where the cases are, reading them, and comparing an output
//! with a case's `expected` at a relative tolerance.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The independent golden cases (tests/independent/README.md): the copy kept in the repo, then
/// `../shared/golden/cases` beside the checkout when it is there (or `$GOLDEN_DIR`), so a plain
/// clone tests itself and a checkout beside the shared set is also checked against that set.
pub fn independent_dirs() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let beside = std::env::var_os("GOLDEN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/golden/cases"));
    let mut dirs = vec![root.join("tests/independent/cases")];
    if beside.is_dir() {
        dirs.push(beside);
    }
    dirs
}

/// Every independent case, named `dir/file` when more than the repo's copy is checked.
pub fn independent_cases() -> Vec<(String, Value)> {
    let dirs = independent_dirs();
    let cases: Vec<_> = dirs
        .iter()
        .flat_map(|dir| {
            let cases = read_cases(dir);
            assert!(
                cases.len() >= 61,
                "expected the 61 independent cases in {}, found {}",
                dir.display(),
                cases.len()
            );
            let label = dir.display().to_string();
            cases
                .into_iter()
                .map(move |(name, case)| (format!("{label}/{name}"), case))
        })
        .collect();
    cases
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
