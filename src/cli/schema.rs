//! `grpo-playground schema`: every knob with its default, range, help, source and live flag,
//! plus presets, task defaults, metrics and tokens, as JSON.

use grpo_playground::catalog::{schema, tables};

/// The schema document, or with `markdown` README's knob tables.
pub fn schema(markdown: bool) -> String {
    if markdown {
        tables::knobs()
    } else {
        schema::schema().to_string()
    }
}
