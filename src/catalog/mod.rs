//! What the declarations say about the whole crate: the schema document (every knob, preset,
//! metric and measure, which the page and `grpo-playground schema` read) and README's generated
//! tables. It reads declarations; the trainer never imports it.

pub mod schema;
pub mod tables;
