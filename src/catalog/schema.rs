//! The whole schema as one JSON document: every knob of every section with its default, the
//! presets, each task's default config, the metrics, the measures of a run (what lessons
//! check) and the vocabulary. `grpo-playground schema`
//! prints it and the page builds its controls, validation and URL parsing from it.

use serde_json::{Value, json};

use crate::algo::tex::SYMBOLS;
use crate::algo::{
    AdvEstimator, KlEstimator, Knobs, LossAggMode, PRESETS, RatioLevel, ScaleRewards, Surrogate,
    filter, shaping,
};
use crate::config::{RunConfig, TrainConfig};
use crate::policy::ModelConfig;
use crate::schema::Knob;
use crate::tasks::TaskConfig;
use crate::tasks::vocab::{VOCAB_SIZE, spell};

use crate::experiments::measures::MEASURES;
use crate::train::metrics::METRICS;

/// Each knob of a section with its `default` (from `defaults`, the section as serde writes it),
/// its dotted `path` in a run config and its range as text (`allowed`).
fn section(prefix: &str, knobs: &[Knob], defaults: &Value) -> Value {
    knobs
        .iter()
        .map(|k| {
            let mut v = json!(k);
            v["default"] = defaults.get(k.key).cloned().unwrap_or(Value::Null);
            v["path"] = json!(format!("{prefix}.{}", k.key));
            v["allowed"] = json!(k.allowed());
            v
        })
        .collect()
}

/// A config section as serde writes it.
pub(crate) fn written(x: &impl serde::Serialize) -> Value {
    serde_json::to_value(x).expect("configs serialise")
}

/// Every preset as `{name, source, knobs}`, `knobs` the values that differ from the defaults.
pub fn presets() -> Value {
    PRESETS
        .iter()
        .map(|p| {
            let knobs: serde_json::Map<String, Value> = p
                .knobs
                .differences(&Knobs::DEFAULT)
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
            json!({"name": p.name, "source": p.source, "knobs": knobs})
        })
        .collect()
}

/// Every task's complete default config: what a config naming only that task resolves to.
pub fn task_defaults() -> Value {
    TaskConfig::all()
        .into_iter()
        .map(|t| (t.name().to_string(), written(&RunConfig::for_task(t))))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// `{name: tex}` for every variant of a choice, read back from its JSON names.
fn each<T: serde::de::DeserializeOwned>(names: &[&str], tex: fn(T) -> &'static str) -> Value {
    names
        .iter()
        .map(|name| {
            let choice: T = serde_json::from_value(json!(name)).expect("every listed name parses");
            (name.to_string(), json!(tex(choice)))
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// Every choice's formula (`tex()` beside each variant), the filters', the shapings' and where
/// the KL goes, with their notation: what the page's algorithm explainer renders.
pub fn formulas() -> Value {
    let table = |rows: &[(&str, &str)]| -> Value {
        rows.iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    json!({
        "adv_estimator": each(AdvEstimator::NAMES, AdvEstimator::tex),
        "scale_rewards": each(ScaleRewards::NAMES, ScaleRewards::tex),
        "ratio_level": each(RatioLevel::NAMES, RatioLevel::tex),
        "surrogate": each(Surrogate::NAMES, Surrogate::tex),
        "kl_estimator": each(KlEstimator::NAMES, KlEstimator::tex),
        "loss_agg_mode": each(LossAggMode::NAMES, LossAggMode::tex),
        "dual_clip": Surrogate::DUAL_CLIP_TEX,
        "kl": {"in_loss": KlEstimator::IN_LOSS_TEX, "in_reward": KlEstimator::IN_REWARD_TEX},
        "filters": table(filter::TEX),
        "shaping": table(shaping::TEX),
        "symbols": SYMBOLS,
        // The estimators that imply a filter of their own (MC-GRPO's pivot), whose rule is
        // `filters.adv_estimator`.
        "implied_filter": AdvEstimator::NAMES
            .iter()
            .filter(|name| {
                serde_json::from_value::<AdvEstimator>(json!(name))
                    .is_ok_and(|e| e.needs().implied_filter.is_some())
            })
            .collect::<Vec<_>>(),
    })
}

/// The schema document (see the module doc).
pub fn schema() -> Value {
    let tasks: serde_json::Map<String, Value> = TaskConfig::all()
        .iter()
        .map(|t| {
            let mut defaults = written(t);
            if let Some(o) = defaults.as_object_mut() {
                o.remove("name");
            }
            (t.name().to_string(), section("task", t.knobs(), &defaults))
        })
        .collect();
    json!({
        "algo": section("algo", Knobs::KNOBS, &written(&Knobs::DEFAULT)),
        "train": section("train", TrainConfig::KNOBS, &written(&TrainConfig::default())),
        "model": section("model", ModelConfig::KNOBS, &written(&ModelConfig::default())),
        "tasks": tasks,
        "task_defaults": task_defaults(),
        "presets": presets(),
        "metrics": METRICS,
        "formulas": formulas(),
        "methods": crate::algo::declaration::schema(),
        "measures": MEASURES,
        "tokens": (0..VOCAB_SIZE as u32).map(spell).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::knobs_of;

    #[test]
    fn every_field_a_config_writes_is_a_declared_knob() {
        for task in TaskConfig::all() {
            let mut config = written(&RunConfig::for_task(task.clone()));
            // An optional knob is written only when set.
            if task.name() == "arithmetic" {
                config["task"]["min_digits"] = json!(1);
            }
            config["algo"] = written(&Knobs::DEFAULT);
            for section in ["algo", "train", "model", "task"] {
                let mut keys: Vec<String> = config[section]
                    .as_object()
                    .unwrap()
                    .keys()
                    .filter(|k| *k != "name")
                    .cloned()
                    .collect();
                keys.sort();
                let mut declared: Vec<String> = knobs_of(&task)
                    .filter(|(s, _)| *s == section)
                    .map(|(_, k)| k.key.to_string())
                    .collect();
                declared.sort();
                assert_eq!(keys, declared, "{} {section}", task.name());
            }
        }
    }

    /// Each choice a knob lists is a value the config accepts, and no knob lacks a help.
    #[test]
    fn every_listed_option_parses_and_every_knob_has_help() {
        use crate::schema::Range;
        for task in TaskConfig::all() {
            for (section, knob) in knobs_of(&task) {
                assert!(
                    !knob.help.trim().is_empty(),
                    "{section}.{} has no help",
                    knob.key
                );
                let options = match knob.range {
                    Range::Choice { options } => options.iter().map(|o| json!(o)).collect(),
                    Range::Set { options } => options.iter().map(|o| json!([o])).collect(),
                    Range::Int { .. }
                    | Range::Float { .. }
                    | Range::Bool
                    | Range::Tokens
                    | Range::Weights { .. } => Vec::new(),
                };
                for option in options {
                    let mut config = json!({"task": {"name": task.name()}});
                    config[section][knob.key] = option.clone();
                    let parsed: Result<RunConfig, _> =
                        crate::error::from_json_value(config.clone(), "");
                    assert!(
                        parsed.is_ok(),
                        "{section}.{} = {option}: {parsed:?}",
                        knob.key
                    );
                }
            }
        }
    }

    /// Every variant of every choice has a formula, every filter and shaping knob the objective
    /// names has one, and every macro a formula uses is a declared symbol.
    #[test]
    fn every_choice_has_a_formula_in_declared_notation() {
        let f = formulas();
        let choices = [
            ("adv_estimator", AdvEstimator::NAMES),
            ("scale_rewards", ScaleRewards::NAMES),
            ("ratio_level", RatioLevel::NAMES),
            ("surrogate", Surrogate::NAMES),
            ("kl_estimator", KlEstimator::NAMES),
            ("loss_agg_mode", LossAggMode::NAMES),
        ];
        let mut all = Vec::new();
        for (choice, names) in choices {
            for name in names {
                let tex = f[choice][name].as_str().unwrap_or_default();
                assert!(!tex.trim().is_empty(), "{choice} {name} has no tex");
                all.push(tex.to_string());
            }
        }
        for key in [
            "dynamic_sampling",
            "mask_truncated_completions",
            "adv_estimator",
            "prune_ratio",
        ] {
            assert!(f["filters"][key].is_string(), "filter {key} has no tex");
        }
        for key in ["lead_length_alpha", "overlong_buffer_len"] {
            assert!(f["shaping"][key].is_string(), "shaping {key} has no tex");
        }
        for section in ["filters", "shaping", "kl"] {
            all.extend(
                f[section]
                    .as_object()
                    .unwrap()
                    .values()
                    .map(|v| v.as_str().unwrap().to_string()),
            );
        }
        all.push(f["dual_clip"].as_str().unwrap().to_string());
        let declared: Vec<&str> = SYMBOLS.iter().map(|s| s.name).collect();
        for tex in &all {
            for (at, _) in tex.match_indices(r"\v") {
                let name: String = tex[at + 1..]
                    .chars()
                    .take_while(char::is_ascii_alphabetic)
                    .collect();
                let name = format!(r"\{name}");
                // KaTeX's own commands that begin with v (\varepsilon, \vert) are not ours.
                if ["\\varepsilon", "\\vert"].contains(&name.as_str()) {
                    continue;
                }
                assert!(
                    declared.contains(&name.as_str()),
                    "{name} in {tex} is not a declared symbol"
                );
            }
        }
    }

    #[test]
    fn the_document_has_every_section_with_defaults() {
        let s = schema();
        let lr = s["train"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["key"] == "learning_rate")
            .unwrap();
        assert_eq!(lr["default"], json!(1e-3));
        assert_eq!(lr["live"], json!(true));
        assert_eq!(lr["path"], json!("train.learning_rate"));
        assert_eq!(lr["kind"], json!("float"));
        assert_eq!(s["tasks"]["maze"][4]["key"], json!("max_distance"));
        assert_eq!(s["tasks"]["maze"][4]["except"], json!([1]));
        assert_eq!(s["tokens"].as_array().unwrap().len(), VOCAB_SIZE);
        assert_eq!(s["presets"].as_array().unwrap().len(), PRESETS.len());
    }
}
