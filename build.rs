//! Embeds every lesson file of `lessons/` (`src/experiments/lesson.rs` reads them), so a lesson is a
//! data file and nothing else.

use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=lessons");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("lessons");
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
            format!("({name:?}, include_str!({:?})),", p.display().to_string())
        })
        .collect();
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("lessons.rs");
    std::fs::write(out, format!("&[\n{}\n]\n", rows.join("\n"))).expect("OUT_DIR is writable");
}
