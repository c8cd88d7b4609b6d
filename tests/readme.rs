//! README.md's generated tables equal what the code declares: the knobs, presets, task defaults,
//! metrics and lessons are declared once (in Rust and lessons/), and the README shows that.
//! `README_BLESS=1 cargo test --test readme` rewrites the tables in place.

use grpo_playground::catalog::tables;

const README: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");

/// The generated blocks: each sits between `<!-- generated: NAME -->` and `<!-- end -->`.
fn blocks() -> [(&'static str, String); 5] {
    [
        ("presets", tables::presets()),
        ("lessons", tables::lessons()),
        ("tasks", tables::tasks()),
        ("knobs", tables::knobs()),
        ("metrics", tables::metrics()),
    ]
}

/// `text` with the block `name` replaced by `body`; `None` when the markers are missing.
fn with_block(text: &str, name: &str, body: &str) -> Option<String> {
    let open = format!("<!-- generated: {name} -->\n");
    let start = text.find(&open)? + open.len();
    let end = start + text[start..].find("<!-- end -->")?;
    Some(format!("{}{body}{}", &text[..start], &text[end..]))
}

#[test]
fn the_readme_tables_are_the_declared_ones() {
    let text = std::fs::read_to_string(README).expect("README.md is readable");
    let mut want = text.clone();
    for (name, body) in blocks() {
        want = with_block(&want, name, &body)
            .unwrap_or_else(|| panic!("README.md lacks the markers of the `{name}` table"));
    }
    if std::env::var_os("README_BLESS").is_some() {
        std::fs::write(README, &want).expect("README.md is writable");
        return;
    }
    for (name, body) in blocks() {
        assert!(
            text.contains(&format!("<!-- generated: {name} -->\n{body}<!-- end -->")),
            "README.md's `{name}` table differs from the code's; rerun with README_BLESS=1"
        );
    }
}

#[test]
fn a_changed_table_is_noticed() {
    let text = "a\n<!-- generated: presets -->\nold\n<!-- end -->\nb\n";
    assert_eq!(
        with_block(text, "presets", "new\n").as_deref(),
        Some("a\n<!-- generated: presets -->\nnew\n<!-- end -->\nb\n")
    );
    assert_eq!(with_block(text, "knobs", "x"), None);
}
