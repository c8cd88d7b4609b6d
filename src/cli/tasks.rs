//! `grpo-playground tasks`: every task's defaults as README's Markdown table.

use grpo_playground::catalog::tables;

/// Each task's knobs and the trainer and model knobs a config naming only that task gets.
pub fn tasks() -> String {
    tables::tasks()
}
