//! Lessons: a paper's finding as data (`lessons/*.json`, embedded at build time) — the claim,
//! a complete setup, questions to answer before running, and `observe` checks on paired seeds —
//! which the page, `grpo-playground lesson` and the tests all read.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::measures::{MEASURES, Run, mean_sd};
use crate::config::RunConfig;
use crate::error::{ConfigError, from_json_value};
use crate::train::StepMetrics;

/// Every lesson file, `(file name, text)`, in file-name order.
const FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/lessons.rs"));

/// One lesson.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lesson {
    /// Its address: `grpo-playground lesson ID`, the page's `#lesson=ID`.
    pub id: String,
    pub title: String,
    pub paper: Paper,
    /// The paper's finding, in one sentence.
    pub claim: String,
    pub setup: Setup,
    /// Questions to answer before running.
    pub predict: Vec<Question>,
    /// What to look at once it runs, as paired comparisons.
    pub observe: Vec<Check>,
    /// Why the checks come out as they do here.
    pub explanation: String,
    /// What the paper itself reported.
    pub paper_reported: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Paper {
    pub title: String,
    pub arxiv: String,
}

/// What runs: one config shared by every variant, and the variants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setup {
    /// A run config without `algo` (task, model, train, seed = the base seed); what it leaves
    /// out is the task's default.
    pub config: Value,
    /// 2–4 variants.
    pub variants: Vec<Variant>,
    /// Paired seeds the page runs (seed k of every variant shares prompts, weights, warm-up).
    pub seeds: usize,
}

/// One arm of the comparison: a preset, knob overrides, and trainer knobs of its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// How checks name it.
    pub id: String,
    pub label: String,
    pub preset: String,
    /// `algo` knobs laid over the preset.
    #[serde(default)]
    pub overrides: serde_json::Map<String, Value>,
    /// `train` knobs laid over the setup's (e.g. a group size of its own).
    #[serde(default)]
    pub train: serde_json::Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub question: String,
    pub choices: Vec<String>,
    /// Index of the right choice.
    pub answer: usize,
    pub why: String,
}

/// `metric` of `variants[0]` against `variants[1]`, per seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// A measure of `compare` (`final_eval`, `rl_eval_mean`, `kl`, `entropy`, ...).
    pub metric: String,
    pub variants: [String; 2],
    pub expect: Expect,
    /// For `similar`: the largest |difference| that counts as the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<f64>,
}

/// The direction a check expects of `variants[0] − variants[1]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    Higher,
    Lower,
    /// |difference| ≤ `within`.
    Similar,
}

/// How one check came out over the seeds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckResult {
    pub metric: String,
    pub variants: [String; 2],
    pub expect: Expect,
    /// In a majority of the seeds that measured it.
    pub held: bool,
    pub seeds_held: usize,
    pub seeds: usize,
    pub paired_mean: f64,
    pub paired_sd: f64,
    /// The difference on each seed (`null` where a run has not measured it yet).
    pub per_seed: Vec<Option<f64>>,
}

/// A lesson's checks on a set of runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub id: String,
    /// Every check held.
    pub held: bool,
    pub checks: Vec<CheckResult>,
}

impl Lesson {
    /// Every lesson, in file order; the first file that does not parse or validate is the
    /// error, its field prefixed with the file's name.
    pub fn all() -> Result<Vec<Lesson>, ConfigError> {
        FILES
            .iter()
            .map(|(file, text)| Self::from_json(text).map_err(|e| e.within(file)))
            .collect()
    }

    /// The lesson `id`; an unknown id lists the valid ones.
    pub fn find(id: &str) -> Result<Lesson, ConfigError> {
        let all = Self::all()?;
        let ids: Vec<&str> = all.iter().map(|l| l.id.as_str()).collect();
        let known = format!("valid: {}", ids.join(", "));
        all.iter()
            .find(|l| l.id == id)
            .cloned()
            .ok_or_else(|| ConfigError::new("lesson", format!("unknown `{id}`; {known}")))
    }

    /// Parses and validates a lesson file.
    pub fn from_json(text: &str) -> Result<Lesson, ConfigError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| ConfigError::new("", format!("invalid JSON: {e}")))?;
        let lesson: Lesson = from_json_value(value, "")?;
        lesson.validate().map_err(|e| e.within(&lesson.id))?;
        Ok(lesson)
    }

    /// The setup's first seed (`setup.config.seed`, 0 when left out).
    pub fn base_seed(&self) -> u64 {
        self.setup
            .config
            .get("seed")
            .and_then(Value::as_u64)
            .unwrap_or(0)
    }

    /// The run config of variant `v` on `seed`.
    pub fn config(&self, v: usize, seed: u64) -> Result<RunConfig, ConfigError> {
        let variant = &self.setup.variants[v];
        let mut config = self.setup.config.clone();
        let mut algo = variant.overrides.clone();
        algo.insert("preset".into(), json!(variant.preset));
        config["algo"] = Value::Object(algo);
        config["seed"] = json!(seed);
        for (key, value) in &variant.train {
            config["train"][key] = value.clone();
        }
        RunConfig::from_json(&config.to_string())
            .map_err(|e| e.within(&format!("setup.variants[{v}]")))
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let variants = &self.setup.variants;
        if !(2..=4).contains(&variants.len()) {
            return Err(ConfigError::out_of_range(
                "setup.variants",
                variants.len(),
                "[2, 4] variants",
            ));
        }
        if self.setup.config.get("algo").is_some() {
            return Err(ConfigError::new(
                "setup.config.algo",
                "belongs to each variant (preset and overrides), not to the shared config",
            ));
        }
        for (v, variant) in variants.iter().enumerate() {
            if variants[..v].iter().any(|w| w.id == variant.id) {
                return Err(ConfigError::new(
                    format!("setup.variants[{v}].id"),
                    format!("`{}` is used twice", variant.id),
                ));
            }
            self.config(v, self.base_seed())?;
        }
        if !(1..=5).contains(&self.setup.seeds) {
            return Err(ConfigError::out_of_range(
                "setup.seeds",
                self.setup.seeds,
                "[1, 5]",
            ));
        }
        for (q, question) in self.predict.iter().enumerate() {
            if question.answer >= question.choices.len() {
                return Err(ConfigError::out_of_range(
                    format!("predict[{q}].answer"),
                    question.answer,
                    &format!("[0, {}) (an index into choices)", question.choices.len()),
                ));
            }
        }
        let ids: Vec<&str> = variants.iter().map(|v| v.id.as_str()).collect();
        for (c, check) in self.observe.iter().enumerate() {
            if !MEASURES.iter().any(|m| m.name == check.metric) {
                let names: Vec<&str> = MEASURES.iter().map(|m| m.name).collect();
                return Err(ConfigError::new(
                    format!("observe[{c}].metric"),
                    format!("unknown `{}`; valid: {}", check.metric, names.join(", ")),
                ));
            }
            for (i, id) in check.variants.iter().enumerate() {
                if !ids.contains(&id.as_str()) {
                    return Err(ConfigError::new(
                        format!("observe[{c}].variants[{i}]"),
                        format!("unknown `{id}`; valid: {}", ids.join(", ")),
                    ));
                }
            }
            match (check.expect, check.within) {
                (Expect::Similar, Some(w)) if w.is_finite() && w > 0.0 => {}
                (Expect::Similar, _) => {
                    return Err(ConfigError::new(
                        format!("observe[{c}].within"),
                        "`similar` needs `within`, a number > 0",
                    ));
                }
                (Expect::Higher | Expect::Lower, None) => {}
                (Expect::Higher | Expect::Lower, Some(_)) => {
                    return Err(ConfigError::new(
                        format!("observe[{c}].within"),
                        "only a `similar` check has one",
                    ));
                }
            }
        }
        Ok(())
    }

    /// The checks on `runs[variant][seed]` (every step so far of each run; runs still going
    /// count with what they have measured).
    pub fn check(&self, runs: &[Vec<Vec<StepMetrics>>]) -> Report {
        let index = |id: &str| {
            self.setup
                .variants
                .iter()
                .position(|v| v.id == id)
                .expect("validated: checks name variants")
        };
        let checks: Vec<CheckResult> = self
            .observe
            .iter()
            .map(|check| {
                let measure = MEASURES
                    .iter()
                    .find(|m| m.name == check.metric)
                    .expect("validated: checks name measures");
                let of = |v: usize, k: usize| {
                    runs.get(v)
                        .and_then(|seeds| seeds.get(k))
                        .and_then(|steps| (measure.of)(&Run::new(steps, 1.0)))
                };
                let (a, b) = (index(&check.variants[0]), index(&check.variants[1]));
                let seeds = runs.iter().map(Vec::len).max().unwrap_or(0);
                let per_seed: Vec<Option<f64>> =
                    (0..seeds).map(|k| Some(of(a, k)? - of(b, k)?)).collect();
                let diffs: Vec<f64> = per_seed.iter().flatten().copied().collect();
                let holds = |d: f64| match check.expect {
                    Expect::Higher => d > 0.0,
                    Expect::Lower => d < 0.0,
                    Expect::Similar => d.abs() <= check.within.unwrap_or(0.0),
                };
                let seeds_held = diffs.iter().filter(|&&d| holds(d)).count();
                let (paired_mean, paired_sd) = mean_sd(&diffs);
                CheckResult {
                    metric: check.metric.clone(),
                    variants: check.variants.clone(),
                    expect: check.expect,
                    held: 2 * seeds_held > diffs.len(),
                    seeds_held,
                    seeds: diffs.len(),
                    paired_mean,
                    paired_sd,
                    per_seed,
                }
            })
            .collect();
        Report {
            id: self.id.clone(),
            held: checks.iter().all(|c| c.held),
            checks,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lesson() -> Value {
        json!({
            "id": "t", "title": "T", "paper": {"title": "P", "arxiv": "0000.00000"},
            "claim": "c",
            "setup": {"config": {"task": {"name": "bandit"}, "train": {"steps": 5}},
                      "variants": [{"id": "a", "label": "A", "preset": "grpo"},
                                   {"id": "b", "label": "B", "preset": "rloo",
                                    "train": {"num_generations": 4}}],
                      "seeds": 3},
            "predict": [{"question": "q", "choices": ["x", "y"], "answer": 1, "why": "w"}],
            "observe": [{"metric": "kl", "variants": ["a", "b"], "expect": "higher"}],
            "explanation": "e", "paper_reported": "r"
        })
    }

    fn rejected(edit: impl FnOnce(&mut Value)) -> String {
        let mut l = lesson();
        edit(&mut l);
        Lesson::from_json(&l.to_string()).unwrap_err().field
    }

    #[test]
    fn bad_lessons_name_the_field() {
        assert!(Lesson::from_json(&lesson().to_string()).is_ok());
        assert_eq!(
            rejected(|l| l["observe"][0]["metric"] = json!("nope")),
            "t.observe[0].metric"
        );
        assert_eq!(
            rejected(|l| l["observe"][0]["variants"][1] = json!("c")),
            "t.observe[0].variants[1]"
        );
        assert_eq!(
            rejected(|l| l["predict"][0]["answer"] = json!(2)),
            "t.predict[0].answer"
        );
        assert_eq!(
            rejected(|l| l["setup"]["variants"][1]["train"]["num_generations"] = json!(0)),
            "t.setup.variants[1].train.num_generations"
        );
        assert_eq!(
            rejected(|l| l["observe"][0]["expect"] = json!("similar")),
            "t.observe[0].within"
        );
        assert_eq!(
            rejected(|l| l["setup"]["config"]["algo"] = json!({})),
            "t.setup.config.algo"
        );
        assert_eq!(rejected(|l| l["surprise"] = json!(1)), "surprise");
    }

    #[test]
    fn variants_get_their_own_trainer_knobs_and_paired_seeds() {
        let l = Lesson::from_json(&lesson().to_string()).unwrap();
        let b = l.config(1, 2).unwrap();
        assert_eq!(
            (b.train.num_generations, b.seed, b.algo.preset.as_str()),
            (4, 2, "rloo")
        );
        assert_eq!(l.config(0, 2).unwrap().train.num_generations, 8);
    }

    #[test]
    fn a_check_holds_in_a_majority_of_seeds() {
        let l = Lesson::from_json(&lesson().to_string()).unwrap();
        let run = |kl: f64| {
            vec![StepMetrics {
                kl,
                ..StepMetrics::default()
            }]
        };
        // a − b on kl: +0.1, −0.1, +0.2 → 2 of 3 higher.
        let runs = vec![
            vec![run(0.2), run(0.1), run(0.3)],
            vec![run(0.1), run(0.2), run(0.1)],
        ];
        let r = l.check(&runs);
        let c = &r.checks[0];
        assert_eq!((c.seeds_held, c.seeds, c.held, r.held), (2, 3, true, true));
        assert!((c.paired_mean - 0.2 / 3.0).abs() < 1e-12);
        let runs = vec![vec![run(0.0), run(0.1)], vec![run(0.1), run(0.0)]];
        assert!(!l.check(&runs).held, "1 of 2 is not a majority");
    }
}
