//! `grpo-playground export --to trl|verl`: one run config as the settings of the tools that train
//! real models — a TRL `GRPOConfig(...)` snippet or verl command-line overrides. Every knob lands
//! in exactly one place: set to a counterpart with the same meaning ([`Mapped`]), matched by the
//! tool's fixed behaviour ([`Implicit`]), without a counterpart ([`Unmapped`], with the reason),
//! or off / not read by this config. Each target's names were read from its released source and
//! are cited in [`trl`] and [`verl`].

mod trl;
mod verl;

use std::fmt;
use std::str::FromStr;

use crate::algo::{Knobs, Surrogate};
use crate::config::{RunConfig, TrainConfig};
use crate::error::ConfigError;

/// The tool an export is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Hugging Face TRL's `GRPOConfig` (Python).
    Trl,
    /// verl's Hydra overrides for `python3 -m verl.trainer.main_ppo`.
    Verl,
}

impl Target {
    /// Every target's name, as `--to` takes it.
    pub const NAMES: &'static [&'static str] = &["trl", "verl"];
}

impl FromStr for Target {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, ConfigError> {
        match s {
            "trl" => Ok(Self::Trl),
            "verl" => Ok(Self::Verl),
            other => Err(ConfigError::new(
                "to",
                format!(
                    "unknown target `{other}`; allowed: {}",
                    Self::NAMES.join(", ")
                ),
            )),
        }
    }
}

/// A literal value, written as Python or as a Hydra override writes it.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Bool(bool),
    Int(u64),
    Float(f64),
    Str(String),
    Floats(Vec<f64>),
}

impl Lit {
    fn str(s: &str) -> Self {
        Self::Str(s.to_string())
    }

    /// As Python source: `True`, `0.28`, `"dapo"`, `[0.9, 0.999]`.
    pub fn python(&self) -> String {
        match self {
            Self::Bool(b) => if *b { "True" } else { "False" }.to_string(),
            Self::Str(s) => format!("{s:?}"),
            other => other.hydra(),
        }
    }

    /// As a Hydra override value: `true`, `0.28`, `dapo`, `[0.9,0.999]`.
    pub fn hydra(&self) -> String {
        match self {
            Self::Bool(b) => b.to_string(),
            Self::Int(n) => n.to_string(),
            Self::Float(x) => float(*x),
            Self::Str(s) => s.clone(),
            Self::Floats(xs) => format!(
                "[{}]",
                xs.iter().map(|x| float(*x)).collect::<Vec<_>>().join(",")
            ),
        }
    }
}

/// A float that reads as a float in Python and Hydra (`1.0`, not `1`).
fn float(x: f64) -> String {
    let s = format!("{x}");
    if s.contains(['.', 'e', 'E']) || !x.is_finite() {
        s
    } else {
        format!("{s}.0")
    }
}

/// A setting of the target that carries one or more of our knobs.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapped {
    /// Our knobs it carries, dotted (`algo.epsilon_high`).
    pub knobs: Vec<&'static str>,
    /// The target's name for it (`epsilon_high`, `actor_rollout_ref.actor.clip_ratio_high`).
    pub name: String,
    pub value: Lit,
    /// Where the target's convention differs, and how the value accounts for it.
    pub note: Option<String>,
}

/// A knob the target matches without a setting (its fixed behaviour is this value).
#[derive(Debug, Clone, PartialEq)]
pub struct Implicit {
    pub knob: &'static str,
    pub value: String,
    pub why: String,
}

/// A knob in use that the target cannot express.
#[derive(Debug, Clone, PartialEq)]
pub struct Unmapped {
    pub knob: &'static str,
    pub value: String,
    pub reason: String,
}

/// One config as a target's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Export {
    pub target: Target,
    /// The preset and task, for the header.
    pub preset: String,
    pub task: String,
    pub mapped: Vec<Mapped>,
    pub implicit: Vec<Implicit>,
    pub unmapped: Vec<Unmapped>,
    /// Knobs that are off here or that this config's estimator/surrogate does not read.
    pub unused: Vec<&'static str>,
}

impl Export {
    /// The rendered value the target's setting `name` gets, if exported.
    pub fn value(&self, name: &str) -> Option<String> {
        self.mapped
            .iter()
            .find(|m| m.name == name)
            .map(|m| match self.target {
                Target::Trl => m.value.python(),
                Target::Verl => m.value.hydra(),
            })
    }

    /// Our knobs without a counterpart in this export.
    pub fn unmapped_knobs(&self) -> Vec<&'static str> {
        self.unmapped.iter().map(|u| u.knob).collect()
    }

    /// Every knob of ours this export accounts for, once per category it appears in.
    pub fn accounted(&self) -> Vec<&'static str> {
        let mut all: Vec<&'static str> = self
            .mapped
            .iter()
            .flat_map(|m| m.knobs.iter().copied())
            .collect();
        all.sort_unstable();
        all.dedup();
        all.extend(self.implicit.iter().map(|i| i.knob));
        all.extend(self.unmapped.iter().map(|u| u.knob));
        all.extend(self.unused.iter().copied());
        all
    }
}

/// Every knob an export must account for: the algo and train knobs of the schema and the
/// config's other top-level parts.
pub fn all_knobs() -> Vec<String> {
    let mut out: Vec<String> = Knobs::KNOBS
        .iter()
        .map(|k| format!("algo.{}", k.key))
        .chain(
            TrainConfig::KNOBS
                .iter()
                .map(|k| format!("train.{}", k.key)),
        )
        .collect();
    out.extend(["task", "model", "seed", "backend"].map(String::from));
    out
}

/// `config` as `target`'s settings. The config is validated first (its errors name the field).
pub fn export(config: &RunConfig, target: Target) -> Result<Export, ConfigError> {
    config.validate()?;
    let knobs = config.algo.knobs().map_err(|e| e.within("algo"))?;
    let mut out = Builder {
        knobs,
        train: &config.train,
        seed: config.seed,
        export: Export {
            target,
            preset: config.algo.preset.clone(),
            task: config.task.name().to_string(),
            mapped: Vec::new(),
            implicit: Vec::new(),
            unmapped: Vec::new(),
            unused: Vec::new(),
        },
    };
    out.common(config);
    match target {
        Target::Trl => trl::map(&mut out),
        Target::Verl => verl::map(&mut out),
    }
    Ok(out.export)
}

/// `export` of a JSON config, rendered (the CLI's and the page's entry point).
pub fn export_json(config_json: &str, to: &str) -> Result<String, ConfigError> {
    let target: Target = to.parse()?;
    let config = RunConfig::from_json(config_json)?;
    Ok(export(&config, target)?.to_string())
}

/// Collects an export; the per-target modules fill it.
struct Builder<'a> {
    knobs: Knobs,
    train: &'a TrainConfig,
    seed: u64,
    export: Export,
}

impl Builder<'_> {
    fn set(&mut self, knobs: &[&'static str], name: &str, value: Lit) {
        self.export.mapped.push(Mapped {
            knobs: knobs.to_vec(),
            name: name.to_string(),
            value,
            note: None,
        });
    }

    fn set_noted(
        &mut self,
        knobs: &[&'static str],
        name: &str,
        value: Lit,
        note: impl Into<String>,
    ) {
        self.set(knobs, name, value);
        if let Some(last) = self.export.mapped.last_mut() {
            last.note = Some(note.into());
        }
    }

    fn implicit(&mut self, knob: &'static str, value: impl fmt::Display, why: impl Into<String>) {
        self.export.implicit.push(Implicit {
            knob,
            value: value.to_string(),
            why: why.into(),
        });
    }

    fn unmapped(
        &mut self,
        knob: &'static str,
        value: impl fmt::Display,
        reason: impl Into<String>,
    ) {
        self.export.unmapped.push(Unmapped {
            knob,
            value: value.to_string(),
            reason: reason.into(),
        });
    }

    fn unused(&mut self, knobs: &[&'static str]) {
        self.export.unused.extend_from_slice(knobs);
    }

    /// The knobs both targets treat alike: the toy parts, and features whose off value both
    /// targets match by having none.
    fn common(&mut self, config: &RunConfig) {
        let k = self.knobs;
        self.unmapped(
            "task",
            config.task.name(),
            "a toy task with a program verifier: bring your dataset and reward function",
        );
        self.unmapped(
            "model",
            format!(
                "d_model {}, {} layers, {} heads",
                config.model.d_model, config.model.n_layers, config.model.n_heads
            ),
            "a tiny transformer trained from scratch: bring a pretrained model",
        );
        self.unmapped(
            "backend",
            serde_json::to_value(config.backend)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            "where this crate's tensors live; the tool places the model on its own devices",
        );
        if k.adv_estimator == crate::algo::AdvEstimator::McGrpo {
            self.unmapped(
                "algo.mad_eps",
                k.mad_eps,
                "MC-GRPO's median/MAD advantage has no counterpart",
            );
        } else {
            self.unused(&["algo.mad_eps"]);
        }
        if k.lead_length_alpha > 0.0 {
            self.unmapped(
                "algo.lead_length_alpha",
                k.lead_length_alpha,
                "GRPO-LEAD's length reward: write it into your reward function",
            );
        } else {
            self.unused(&["algo.lead_length_alpha"]);
        }
        if k.lead_difficulty_weight {
            self.unmapped(
                "algo.lead_difficulty_weight",
                true,
                "GRPO-LEAD's difficulty weight on advantages has no counterpart",
            );
        } else {
            self.unused(&["algo.lead_difficulty_weight"]);
        }
        if k.seed_alpha > 0.0 {
            self.unmapped(
                "algo.seed_alpha",
                k.seed_alpha,
                "SEED-GRPO's semantic-entropy scaling of advantages has no counterpart",
            );
        } else {
            self.unused(&["algo.seed_alpha"]);
        }
        if k.prune_ratio > 0.0 {
            self.unmapped(
                "algo.prune_ratio",
                k.prune_ratio,
                "CPPO's pruning of small-|A| completions has no counterpart",
            );
        } else {
            self.unused(&["algo.prune_ratio"]);
        }
        if k.surrogate == Surrogate::Gvpo {
            self.unmapped(
                "algo.surrogate",
                "gvpo",
                "GVPO's group objective has no counterpart",
            );
            self.unmapped(
                "algo.gvpo_beta",
                k.gvpo_beta,
                "GVPO's β (see algo.surrogate)",
            );
        } else {
            self.unused(&["algo.gvpo_beta"]);
        }
        let t = self.train;
        if t.sft_steps > 0 {
            self.unmapped(
                "train.sft_steps",
                t.sft_steps,
                "a supervised warm-up on solved problems: run a supervised fine-tune first",
            );
            self.unmapped(
                "train.sft_learning_rate",
                t.sft_learning_rate,
                "the warm-up's learning rate (see train.sft_steps)",
            );
        } else {
            self.unused(&["train.sft_steps", "train.sft_learning_rate"]);
        }
        if t.log_kl {
            self.unmapped(
                "train.log_kl",
                true,
                "a logging choice of this crate: the tools log the KL when their KL term is on",
            );
        } else {
            self.unused(&["train.log_kl"]);
        }
    }

    /// DAPO's overlong buffer, which neither target has as a trainer setting: when on, listed
    /// with `where_it_is(buffer tokens)` and what carries the factor; else off.
    fn overlong_buffer(&mut self, where_it_is: impl Fn(usize) -> String, factor: &str) {
        let n = self
            .knobs
            .overlong_buffer_len
            .tokens(self.train.max_completion_length);
        if n == 0 {
            self.unused(&["algo.overlong_buffer_len", "algo.overlong_penalty_factor"]);
            return;
        }
        self.unmapped("algo.overlong_buffer_len", n, where_it_is(n));
        self.unmapped(
            "algo.overlong_penalty_factor",
            self.knobs.overlong_penalty_factor,
            factor,
        );
    }

    /// Whole groups per minibatch and minibatches per pass as the trainer forms them (chunks of
    /// ⌈P/minibatches⌉ groups), and whether they are all equal in size.
    fn minibatch_shape(&self) -> (usize, usize, bool) {
        let p = self.train.prompts_per_step;
        let per = p.div_ceil(self.train.minibatches);
        (per, p.div_ceil(per), p.is_multiple_of(per))
    }
}

/// Our value of a choice knob as its JSON name (`token-mean`, `k3`).
fn name_of<T: serde::Serialize>(value: T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

impl fmt::Display for Export {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.target {
            Target::Trl => trl::render(self, f),
            Target::Verl => verl::render(self, f),
        }
    }
}

/// The comment block after the settings: conventions, implicit matches, what has no
/// counterpart, what is off. `c` is the comment marker.
fn write_accounts(e: &Export, f: &mut fmt::Formatter<'_>, tool: &str) -> fmt::Result {
    let notes: Vec<&Mapped> = e.mapped.iter().filter(|m| m.note.is_some()).collect();
    if !notes.is_empty() {
        writeln!(f, "#\n# Where {tool}'s convention differs:")?;
        for m in notes {
            let value = match e.target {
                Target::Trl => m.value.python(),
                Target::Verl => m.value.hydra(),
            };
            writeln!(
                f,
                "#   {}={value}: {}",
                m.name,
                m.note.as_deref().unwrap_or_default()
            )?;
        }
    }
    if !e.implicit.is_empty() {
        writeln!(
            f,
            "#\n# Matched by {tool}'s fixed behaviour (nothing to set):"
        )?;
        for i in &e.implicit {
            writeln!(f, "#   {}={}: {}", i.knob, i.value, i.why)?;
        }
    }
    if !e.unmapped.is_empty() {
        writeln!(f, "#\n# No counterpart in {tool} (not exported):")?;
        for u in &e.unmapped {
            writeln!(f, "#   {}={}: {}", u.knob, u.value, u.reason)?;
        }
    }
    if !e.unused.is_empty() {
        writeln!(
            f,
            "#\n# Off or not read by this config: {}",
            e.unused.join(", ")
        )?;
    }
    Ok(())
}
