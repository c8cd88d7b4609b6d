//! The run configuration (JSON), with a default for every field and [`RunConfig::validate`]
//! rejecting values outside their ranges with the field's dotted path.

use serde::{Deserialize, Serialize};

use crate::algo::AlgoConfig;
use crate::error::{ConfigError, check_f64, from_json_value};
use crate::policy::ModelConfig;
use crate::tasks::TaskConfig;

/// `{ "task": {...}, "model": {...}, "algo": {...}, "train": {...}, "seed": 0, "backend": "auto" }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct RunConfig {
    /// The task and its difficulty: `{"name": "arithmetic", "digits": 2, ...}`.
    pub task: TaskConfig,
    /// The policy's sizes.
    pub model: ModelConfig,
    /// The optimizer: a preset and its overrides.
    pub algo: AlgoConfig,
    /// Trainer-level knobs.
    pub train: TrainConfig,
    /// Seeds prompts, sampling and initial weights.
    pub seed: u64,
    /// Where tensors live.
    pub backend: Backend,
}

/// Which burn device runs the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// Measure, do not assume: CPU unless a hardware GPU proves faster.
    #[default]
    Auto,
    /// burn's flex CPU backend.
    Cpu,
    /// burn's wgpu backend (WebGPU in the browser; Vulkan/Metal/DX12 natively).
    Wgpu,
}

/// Trainer-level knobs (ALGORITHMS.md), named as TRL names them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainConfig {
    /// G, completions sampled per prompt (MC-GRPO samples G+1; ReMax adds a greedy one).
    pub num_generations: usize,
    /// Prompts (groups) per rollout batch.
    pub prompts_per_step: usize,
    /// μ, updates per rollout batch; with 1, logp_old is logp detached.
    pub num_iterations: usize,
    /// Minibatches of whole groups per update pass.
    pub minibatches: usize,
    /// L_max, the generation limit in tokens.
    pub max_completion_length: usize,
    /// Sampling temperature.
    pub temperature: f64,
    /// Nucleus sampling mass.
    pub top_p: f64,
    /// Adam(W) learning rate.
    pub learning_rate: f64,
    /// Adam β1.
    pub adam_beta1: f64,
    /// Adam β2.
    pub adam_beta2: f64,
    /// Decoupled weight decay (AdamW); 0 = Adam.
    pub weight_decay: f64,
    /// Global gradient-norm clip.
    pub max_grad_norm: f64,
    /// Coefficient of the full-vocabulary entropy bonus.
    pub entropy_coef: f64,
    /// Training steps (rollout batches).
    pub steps: usize,
    /// Greedy held-out evaluation every this many steps.
    pub eval_every: usize,
    /// Supervised warm-up steps on solved training problems before RL (0 = start from scratch).
    pub sft_steps: usize,
    /// Learning rate of the warm-up (supervised steps tolerate a larger one than RL).
    pub sft_learning_rate: f64,
    /// Report `kl` to the policy RL started from even when the objective has no KL term (β = 0):
    /// keeps that policy and scores each rollout under it, one extra forward pass per step.
    pub log_kl: bool,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            num_generations: 8,
            prompts_per_step: 8,
            num_iterations: 1,
            minibatches: 1,
            max_completion_length: 16,
            temperature: 1.0,
            top_p: 1.0,
            learning_rate: 1e-3,
            adam_beta1: 0.9,
            adam_beta2: 0.999,
            weight_decay: 0.0,
            max_grad_norm: 1.0,
            entropy_coef: 0.0,
            steps: 200,
            eval_every: 10,
            sft_steps: 0,
            sft_learning_rate: 3e-3,
            log_kl: false,
        }
    }
}

fn check_usize(field: &str, value: usize, min: usize, max: usize) -> Result<(), ConfigError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else if max == usize::MAX {
        Err(ConfigError::out_of_range(
            field,
            value,
            &format!(">= {min}"),
        ))
    } else {
        Err(ConfigError::out_of_range(
            field,
            value,
            &format!("[{min}, {max}]"),
        ))
    }
}

impl TrainConfig {
    /// Ranges of the trainer knobs; `min_group_size` comes from the estimator.
    pub fn validate(&self, min_group_size: usize) -> Result<(), ConfigError> {
        check_usize("num_generations", self.num_generations, min_group_size, 256)?;
        check_usize("prompts_per_step", self.prompts_per_step, 1, 4096)?;
        check_usize("num_iterations", self.num_iterations, 1, 64)?;
        check_usize("minibatches", self.minibatches, 1, self.prompts_per_step)?;
        check_usize("max_completion_length", self.max_completion_length, 1, 1024)?;
        check_usize("steps", self.steps, 1, usize::MAX)?;
        check_usize("eval_every", self.eval_every, 1, usize::MAX)?;
        check_usize("sft_steps", self.sft_steps, 0, usize::MAX)?;
        check_f64("temperature", self.temperature, |t| t > 0.0, "> 0")?;
        check_f64("top_p", self.top_p, |p| p > 0.0 && p <= 1.0, "(0, 1]")?;
        check_f64("learning_rate", self.learning_rate, |x| x > 0.0, "> 0")?;
        check_f64(
            "sft_learning_rate",
            self.sft_learning_rate,
            |x| x > 0.0,
            "> 0",
        )?;
        check_f64(
            "adam_beta1",
            self.adam_beta1,
            |b| (0.0..1.0).contains(&b),
            "[0, 1)",
        )?;
        check_f64(
            "adam_beta2",
            self.adam_beta2,
            |b| (0.0..1.0).contains(&b),
            "[0, 1)",
        )?;
        check_f64("weight_decay", self.weight_decay, |x| x >= 0.0, ">= 0")?;
        check_f64("max_grad_norm", self.max_grad_norm, |x| x > 0.0, "> 0")?;
        check_f64("entropy_coef", self.entropy_coef, |x| x >= 0.0, ">= 0")?;
        Ok(())
    }
}

impl RunConfig {
    /// The config a JSON object naming only `task` resolves to: the task's knobs as given, and
    /// the task's own trainer and model defaults ([`crate::tasks::TaskDefaults`]).
    pub fn for_task(task: TaskConfig) -> Self {
        let d = task.defaults();
        Self {
            model: ModelConfig {
                d_model: d.d_model,
                n_layers: d.n_layers,
                n_heads: d.n_heads,
                ..ModelConfig::default()
            },
            train: TrainConfig {
                num_generations: d.num_generations,
                prompts_per_step: d.prompts_per_step,
                max_completion_length: d.max_completion_length,
                learning_rate: d.learning_rate,
                sft_steps: d.sft_steps,
                sft_learning_rate: d.sft_learning_rate,
                steps: d.steps,
                eval_every: d.eval_every,
                ..TrainConfig::default()
            },
            task,
            ..Self::default()
        }
    }

    /// Parses and validates a JSON config.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        Self::from_json_with(text, &[])
    }

    /// Parses a JSON config, applies `key=value` overrides (dotted paths such as
    /// `train.steps=50` or `algo.preset=dapo`; values are JSON, or strings when not JSON), fills
    /// every field left out from the named task's defaults ([`RunConfig::for_task`]; arithmetic
    /// when no task is named), and validates the result.
    pub fn from_json_with(text: &str, sets: &[String]) -> Result<Self, ConfigError> {
        let mut value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| ConfigError::new("config", format!("invalid JSON: {e}")))?;
        for set in sets {
            apply_set(&mut value, set)?;
        }
        let config: RunConfig = from_json_value(with_task_defaults(value))?;
        config.validate()?;
        Ok(config)
    }

    /// Checks that this config may continue a run saved at `step` under `saved`: a branch may
    /// change the optimizer (`algo`) and the RL phase's trainer knobs, not what made the saved
    /// state (task, model, seed, the warm-up).
    pub fn check_branch(&self, saved: &RunConfig, step: usize) -> Result<(), ConfigError> {
        let (new, old) = (to_value(self), to_value(saved));
        let warm_up_left = step < saved.train.sft_steps;
        let fixed: &[&str] = if warm_up_left {
            &[
                "task",
                "model",
                "seed",
                "train.sft_steps",
                "train.sft_learning_rate",
                "train.prompts_per_step",
                "train.max_completion_length",
                "train.adam_beta1",
                "train.adam_beta2",
                "train.weight_decay",
                "train.max_grad_norm",
            ]
        } else {
            &["task", "model", "seed", "train.sft_steps"]
        };
        for path in fixed {
            let at =
                |v: &serde_json::Value| v.pointer(&format!("/{}", path.replace('.', "/"))).cloned();
            if at(&new) != at(&old) {
                return Err(ConfigError::new(
                    *path,
                    format!(
                        "cannot change when continuing a saved run (saved: {}, given: {}); allowed \
                         to change: algo.*, and train.* except {}",
                        at(&old).unwrap_or_default(),
                        at(&new).unwrap_or_default(),
                        fixed
                            .iter()
                            .filter_map(|f| f.strip_prefix("train."))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Every range, and the rules that tie fields together.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.task.validate().map_err(|e| e.within("task"))?;
        self.model.validate().map_err(|e| e.within("model"))?;
        let knobs = self.algo.knobs().map_err(|e| e.within("algo"))?;
        // MC-GRPO samples G+1 and ReMax adds a greedy completion: num_generations counts the rest.
        let min_g = match knobs.adv_estimator {
            crate::algo::AdvEstimator::McGrpo => 2,
            _ => knobs.min_group_size(),
        };
        self.train.validate(min_g).map_err(|e| e.within("train"))?;
        let buffer = knobs
            .overlong_buffer_len
            .tokens(self.train.max_completion_length);
        if buffer > self.train.max_completion_length {
            return Err(ConfigError::out_of_range(
                "algo.overlong_buffer_len",
                buffer,
                "<= train.max_completion_length",
            ));
        }
        Ok(())
    }
}

fn to_value(config: &RunConfig) -> serde_json::Value {
    serde_json::to_value(config).expect("a RunConfig serialises")
}

/// `value` laid over the complete config of the task it names (arithmetic when it names none);
/// an unknown task name is left for deserialisation to report.
fn with_task_defaults(value: serde_json::Value) -> serde_json::Value {
    let name = match value.get("task") {
        None => Some("arithmetic"),
        Some(task) => task.get("name").and_then(|n| n.as_str()),
    };
    match TaskConfig::all()
        .into_iter()
        .find(|t| Some(t.name()) == name)
    {
        Some(task) => merge(to_value(&RunConfig::for_task(task)), value),
        None => value,
    }
}

/// `over` laid on `base`: objects merge key by key, anything else replaces.
fn merge(base: serde_json::Value, over: serde_json::Value) -> serde_json::Value {
    match (base, over) {
        (serde_json::Value::Object(mut base), serde_json::Value::Object(over)) => {
            for (key, value) in over {
                let merged = match base.remove(&key) {
                    Some(b) => merge(b, value),
                    None => value,
                };
                base.insert(key, merged);
            }
            serde_json::Value::Object(base)
        }
        (_, over) => over,
    }
}

/// Applies one `dotted.path=value` override to a JSON object, creating objects on the way.
fn apply_set(root: &mut serde_json::Value, set: &str) -> Result<(), ConfigError> {
    let (path, raw) = set
        .split_once('=')
        .ok_or_else(|| ConfigError::new("--set", format!("`{set}` is not key=value")))?;
    let value = serde_json::from_str(raw).unwrap_or_else(|_| serde_json::Value::from(raw));
    let mut node = root;
    for key in path.split('.') {
        if !node.is_object() {
            return Err(ConfigError::new(
                path,
                "cannot set a field inside a non-object",
            ));
        }
        node = node
            .as_object_mut()
            .expect("checked to be an object")
            .entry(key)
            .or_insert_with(|| serde_json::json!({}));
    }
    *node = value;
    Ok(())
}
