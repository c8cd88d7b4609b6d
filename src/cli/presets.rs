//! `grpo-playground presets`: every preset, its knobs against the defaults and its source.

use grpo_playground::algo::PRESETS;
use grpo_playground::catalog::tables;

/// `presets`, or with `markdown` README's table of them.
pub fn presets(markdown: bool) -> String {
    if markdown { tables::presets() } else { table() }
}

/// The presets as an aligned plain-text table: name, the knobs it changes, source.
fn table() -> String {
    let rows: Vec<[String; 3]> = PRESETS
        .iter()
        .map(|p| {
            [
                p.name.to_string(),
                tables::preset_knobs(p),
                p.source.to_string(),
            ]
        })
        .collect();
    let header = [
        "preset".to_string(),
        "knobs (vs defaults)".into(),
        "source".into(),
    ];
    let width = |i: usize| {
        rows.iter()
            .chain([&header])
            .map(|r| r[i].chars().count())
            .max()
            .unwrap_or(0)
    };
    let (w0, w1) = (width(0), width(1));
    std::iter::once(&header)
        .chain(&rows)
        .map(|r| format!("{:w0$}  {:w1$}  {}\n", r[0], r[1], r[2]))
        .collect()
}
