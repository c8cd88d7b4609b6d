//! Verifiable toy tasks. A task samples prompts with a seeded RNG and its verifier — the single
//! source of truth for reward and correctness — scores completions. Each task keeps a held-out
//! evaluation set that training never samples. No burn here: tasks are plain Rust.

pub mod arithmetic;
pub mod bandit;
pub mod chain;
pub mod maze;
pub mod vocab;

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

pub use vocab::{TokenId, VOCAB_SIZE};

use crate::error::ConfigError;

/// The RNG every task draws from (seedable, serialisable for checkpoints, the same on every
/// platform).
pub type TaskRng = ChaCha8Rng;

/// SplitMix64: a fixed, platform-independent mix to derive independent sub-seeds (held-out
/// sets, arm means) from the run's seed.
pub(crate) fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A held-out set: distinct keys from `draw` until `wanted` are taken (or every label's cap
/// is full), at most `caps[label]` per difficulty label, so a small space keeps most of its
/// problems for training and the training sampler's rejection loop stays short. Returns the keys
/// in draw order.
pub(crate) fn draw_held_out<K: Eq + std::hash::Hash + Clone>(
    wanted: usize,
    caps: &std::collections::BTreeMap<u32, usize>,
    mut draw: impl FnMut() -> (K, u32),
) -> (Vec<K>, std::collections::HashSet<K>) {
    let count = wanted.min(caps.values().sum());
    let mut taken: std::collections::BTreeMap<u32, usize> = Default::default();
    let (mut keys, mut seen) = (Vec::new(), std::collections::HashSet::new());
    while keys.len() < count {
        let (key, label) = draw();
        let used = taken.entry(label).or_default();
        if *used < caps.get(&label).copied().unwrap_or(0) && seen.insert(key.clone()) {
            *used += 1;
            keys.push(key);
        }
    }
    (keys, seen)
}

/// The two knobs arithmetic and chain share: the format term's weight in [0, 1] and the
/// held-out set's size in [1, 10000].
pub(crate) fn check_format_weight_and_eval_size(
    format_weight: f64,
    eval_size: usize,
) -> Result<(), ConfigError> {
    crate::error::check_f64(
        "format_weight",
        format_weight,
        |w| (0.0..=1.0).contains(&w),
        "[0, 1]",
    )?;
    if !(1..=10_000).contains(&eval_size) {
        return Err(ConfigError::out_of_range(
            "eval_size",
            eval_size,
            "[1, 10000]",
        ));
    }
    Ok(())
}

/// Asserts that validation failed on `field` (the config tests of every task).
#[cfg(test)]
pub(crate) fn assert_rejects(result: Result<(), ConfigError>, field: &str) {
    assert_eq!(result.map_err(|e| e.field), Err(field.to_string()));
}

/// One prompt and what the verifier needs to judge completions of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    /// Prompt tokens, starting with [`vocab::BOS`].
    pub prompt: Vec<TokenId>,
    /// Task-specific instance data.
    pub instance: Instance,
}

/// The task-specific part of a [`Problem`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Instance {
    Arithmetic(arithmetic::Expression),
    Chain(chain::Terms),
    Maze(maze::Maze),
    Bandit(bandit::Pull),
}

/// The verifier's judgement of one completion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// Scalar reward R_i given to the optimizer.
    pub reward: f64,
    /// Whether the completion solves the problem (accuracy counts these).
    pub correct: bool,
    /// Whether the completion is well-formed (ends with EOS, only allowed tokens).
    pub well_formed: bool,
    /// Expected regret of the choice (bandits; 0 elsewhere).
    pub regret: f64,
    /// A short human-readable explanation, for logs and the sample viewer.
    pub details: String,
}

/// A verifiable task.
pub trait Task: Send + Sync {
    /// Short name, e.g. `arithmetic`.
    fn name(&self) -> &'static str;
    /// A training problem; never one of [`Task::eval_set`].
    fn sample(&self, rng: &mut TaskRng) -> Problem;
    /// Scores `completion` (generated tokens, EOS included when generation stopped on it).
    /// `rng` is used only by tasks with stochastic rewards (bandits).
    fn verify(&self, problem: &Problem, completion: &[TokenId], rng: &mut TaskRng) -> Verdict;
    /// The held-out evaluation problems (fixed for a given config).
    fn eval_set(&self) -> &[Problem];
    /// A correct completion (EOS included), for supervised warm-up.
    fn solution(&self, problem: &Problem) -> Vec<TokenId>;
    /// The longest prompt this task produces.
    fn max_prompt_len(&self) -> usize;
    /// The longest correct completion (EOS included): `max_completion_length` must reach it.
    fn max_solution_len(&self) -> usize;
    /// A problem's difficulty label, by which held-out accuracy is also reported: operand digits
    /// (arithmetic), number of terms (chain), shortest-path length (maze); bandits have one.
    fn difficulty(&self, problem: &Problem) -> u32;
}

/// What a task asks of the trainer and the model so that its default comparison learns within
/// a minute (in the page, on a laptop's CPU, two variants at once): applied to every knob a
/// config leaves out (see `RunConfig::from_json`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TaskDefaults {
    pub num_generations: usize,
    pub prompts_per_step: usize,
    pub max_completion_length: usize,
    pub learning_rate: f64,
    pub sft_steps: usize,
    pub sft_learning_rate: f64,
    pub steps: usize,
    pub eval_every: usize,
    pub d_model: usize,
    pub n_layers: usize,
    pub n_heads: usize,
}

/// `{"name": "arithmetic", ...knobs}`: which task and its difficulty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "name", rename_all = "snake_case", deny_unknown_fields)]
pub enum TaskConfig {
    Arithmetic(arithmetic::ArithmeticConfig),
    Chain(chain::ChainConfig),
    Maze(maze::MazeConfig),
    Bandit(bandit::BanditConfig),
}

impl Default for TaskConfig {
    fn default() -> Self {
        Self::Arithmetic(arithmetic::ArithmeticConfig::default())
    }
}

impl TaskConfig {
    /// Checks ranges (field names relative to the task object, e.g. `digits`).
    pub fn validate(&self) -> Result<(), ConfigError> {
        match self {
            Self::Arithmetic(c) => c.validate(),
            Self::Chain(c) => c.validate(),
            Self::Maze(c) => c.validate(),
            Self::Bandit(c) => c.validate(),
        }
    }

    /// The trainer and model defaults of this task.
    pub fn defaults(&self) -> TaskDefaults {
        match self {
            Self::Arithmetic(_) => arithmetic::DEFAULTS,
            Self::Chain(_) => chain::DEFAULTS,
            Self::Maze(_) => maze::DEFAULTS,
            Self::Bandit(_) => bandit::DEFAULTS,
        }
    }

    /// Every task with its default knobs, in menu order.
    pub fn all() -> [TaskConfig; 4] {
        [
            Self::Arithmetic(Default::default()),
            Self::Chain(Default::default()),
            Self::Maze(Default::default()),
            Self::Bandit(Default::default()),
        ]
    }

    /// The config name (`arithmetic`, `chain`, `maze`, `bandit`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Arithmetic(_) => "arithmetic",
            Self::Chain(_) => "chain",
            Self::Maze(_) => "maze",
            Self::Bandit(_) => "bandit",
        }
    }

    /// Builds the task; `seed` fixes its held-out set and any per-instance parameters.
    pub fn build(&self, seed: u64) -> Result<Box<dyn Task>, ConfigError> {
        self.validate()?;
        Ok(match self {
            Self::Arithmetic(c) => Box::new(arithmetic::Arithmetic::new(c.clone(), seed)),
            Self::Chain(c) => Box::new(chain::Chain::new(c.clone(), seed)),
            Self::Maze(c) => Box::new(maze::MazeTask::new(c.clone(), seed)),
            Self::Bandit(c) => Box::new(bandit::Bandit::new(c.clone(), seed)),
        })
    }
}
