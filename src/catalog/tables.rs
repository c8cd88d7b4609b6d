//! The README's generated tables, in Markdown: every knob with its default, range, live flag,
//! source and meaning; the presets; each task's defaults; the metrics. `tests/readme.rs` keeps
//! README.md equal to them.

use serde_json::Value;

use crate::algo::{Knobs, PRESETS, Preset};
use crate::config::{RunConfig, TrainConfig};
use crate::policy::ModelConfig;
use crate::schema::Knob;
use crate::tasks::TaskConfig;

use super::schema::written;
use crate::experiments::lesson::{Expect, Lesson};
use crate::train::metrics::METRICS;

/// `k=v` for each knob a preset changes from the defaults (strings unquoted).
pub fn preset_knobs(p: &Preset) -> String {
    p.knobs
        .differences(&Knobs::DEFAULT)
        .into_iter()
        .map(|(k, v)| match v.as_str() {
            Some(s) => format!("{k}={s}"),
            None => format!("{k}={v}"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// One row per preset: name, knobs changed, source.
pub fn presets() -> String {
    let mut out = String::from("| preset | knobs (vs defaults) | source |\n|---|---|---|\n");
    for p in PRESETS {
        out += &format!("| `{}` | {} | {} |\n", p.name, preset_knobs(p), p.source);
    }
    out
}

/// One row per task: its knobs, and the trainer and model knobs a config naming only it gets.
pub fn tasks() -> String {
    let mut out = String::from(
        "| task | task knobs | G | prompts | L_max | warm-up steps (lr) | RL steps (lr) | model |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for task in TaskConfig::all() {
        let c = RunConfig::for_task(task.clone());
        let knobs = serde_json::to_value(&task)
            .ok()
            .and_then(|v| v.as_object().cloned())
            .unwrap_or_default()
            .into_iter()
            .filter(|(k, v)| k != "name" && !v.is_null())
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ");
        let t = &c.train;
        out += &format!(
            "| `{}` | {knobs} | {} | {} | {} | {} ({}) | {} ({}) | {}×{}, {} heads |\n",
            task.name(),
            t.num_generations,
            t.prompts_per_step,
            t.max_completion_length,
            t.sft_steps,
            t.sft_learning_rate,
            t.steps,
            t.learning_rate,
            c.model.d_model,
            c.model.n_layers,
            c.model.n_heads
        );
    }
    out
}

/// A Markdown cell: no pipes or line breaks.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn section(title: &str, knobs: &[Knob], defaults: &Value) -> String {
    let mut out = format!(
        "**{title}**\n\n| knob | default | allowed | live | meaning | source |\n|---|---|---|---|---|---|\n"
    );
    for k in knobs {
        let default = defaults.get(k.key).cloned().unwrap_or(Value::Null);
        out += &format!(
            "| `{}` | `{default}` | {} | {} | {} | {} |\n",
            k.key,
            cell(&k.allowed()),
            if k.live { "live" } else { "" },
            cell(k.help.trim()),
            cell(k.source)
        );
    }
    out
}

/// Every knob, a table per section (`algo`, `train`, `model`, then each task's).
pub fn knobs() -> String {
    let mut parts = vec![
        section("algo", Knobs::KNOBS, &written(&Knobs::DEFAULT)),
        section(
            "train",
            TrainConfig::KNOBS,
            &written(&TrainConfig::default()),
        ),
        section(
            "model",
            ModelConfig::KNOBS,
            &written(&ModelConfig::default()),
        ),
    ];
    for task in TaskConfig::all() {
        parts.push(section(
            &format!("task = {}", task.name()),
            task.knobs(),
            &written(&task),
        ));
    }
    parts.join("\n")
}

/// Every lesson: its id, paper, claim and checks.
pub fn lessons() -> String {
    let mut out = String::from("| lesson | paper | claim | checks |\n|---|---|---|---|\n");
    for l in Lesson::all().unwrap_or_default() {
        let label = |id: &str| {
            l.setup
                .variants
                .iter()
                .find(|v| v.id == id)
                .map_or(id.to_string(), |v| v.label.clone())
        };
        let checks: Vec<String> = l
            .observe
            .iter()
            .map(|c| {
                let expect = match c.expect {
                    Expect::Higher => "higher".to_string(),
                    Expect::Lower => "lower".to_string(),
                    Expect::Similar => format!("within {}", c.within.unwrap_or_default()),
                };
                format!(
                    "`{}` of {} {expect} than {}",
                    c.metric,
                    label(&c.variants[0]),
                    label(&c.variants[1])
                )
            })
            .collect();
        out += &format!(
            "| `{}` — {} | {} ({}) | {} | {} |\n",
            l.id,
            cell(&l.title),
            cell(&l.paper.title),
            l.paper.arxiv,
            cell(&l.claim),
            cell(&checks.join("; "))
        );
    }
    out
}

/// Every metric of a step, the glossary: key, label, meaning, formula, source.
pub fn metrics() -> String {
    let mut out =
        String::from("| metric | label | meaning | formula | source |\n|---|---|---|---|---|\n");
    for m in METRICS {
        out += &format!(
            "| `{}` | {} | {} | {} | {} |\n",
            m.key,
            m.label,
            cell(m.help.trim()),
            cell(m.formula),
            cell(m.source)
        );
    }
    out
}
