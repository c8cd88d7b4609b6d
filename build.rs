//! Embeds every lesson file of `lessons/` (`src/experiments/lesson.rs` reads them), so a lesson is a
//! data file and nothing else. The generated list names files relative to `CARGO_MANIFEST_DIR`
//! as the crate sees it, not as this script saw it: checkouts at other paths share a build cache
//! (CI's clone and a worktree), and the cached list must not point into another checkout.

use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=lessons");
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest).join("lessons");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("lessons/ is readable")
        .map(|e| e.expect("a readable entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let rows: Vec<String> = files
        .iter()
        .map(|p| {
            let name = p.file_name().expect("a file").to_string_lossy();
            let path = format!("/lessons/{name}");
            format!("({name:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), {path:?}))),")
        })
        .collect();
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("lessons.rs");
    std::fs::write(out, format!("&[\n{}\n]\n", rows.join("\n"))).expect("OUT_DIR is writable");
}
