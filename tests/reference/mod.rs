//! A plain-f64 reference of the objective of `shared/ALGORITHMS.md`, written from the document
//! alone (no burn, no tensors, none of the crate's `algo` code): a golden case's `input` in, its
//! `expected` out.
//!
//! Steps 1–4 (shaping, returns, advantages, filters) are constants of logp and are computed once
//! in plain loops; steps 5–8 (ratio, surrogate, KL in loss, aggregation) are evaluated in
//! forward-mode [`dual`] numbers, once per token with that token's logp seeded, which gives
//! d loss / d logp exactly (no finite differences). PPO's critic loss ([`value`]) is evaluated
//! the same way, seeded one value at a time.

pub mod advantages;
pub mod cases;
pub mod dual;
pub mod filters;
pub mod key_tokens;
pub mod knobs;
pub mod loss;
pub mod value;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use knobs::{AdvEstimator, Knobs};

/// A golden case's `input` (shared/golden/README.md).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    pub config: Value,
    pub max_completion_length: usize,
    pub groups: Vec<Group>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub greedy_reward: Option<f64>,
    pub completions: Vec<Completion>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Completion {
    pub reward: f64,
    pub correct: bool,
    #[serde(default)]
    pub truncated: bool,
    pub logp: Vec<f64>,
    pub logp_old: Vec<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logp_ref: Option<Vec<f64>>,
    /// H_t per token, an input of its own (the entropy bonus).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entropy: Option<Vec<f64>>,
    /// The final answer (SEED-GRPO's clusters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    /// The sampled token ids (KTAE).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<Vec<u32>>,
    /// The critic's values now (PPO), an input with its own gradient.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<f64>>,
    /// The critic's values at rollout; `values` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values_old: Option<Vec<f64>>,
}

impl Completion {
    /// V_old: `values_old`, else `values`.
    pub fn rollout_values(&self) -> &[f64] {
        self.values_old
            .as_deref()
            .or(self.values.as_deref())
            .expect("validated: values with gae")
    }
}

/// A golden case's `expected`.
#[derive(Debug, Clone, Serialize)]
pub struct Expected {
    pub loss: f64,
    pub advantages: Vec<Vec<Vec<f64>>>,
    pub kept: Vec<Vec<bool>>,
    pub grad_logp: Vec<Vec<Vec<f64>>>,
    pub shaped_rewards: Vec<Vec<f64>>,
    /// d loss / d entropy, when every completion gives `entropy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grad_entropy: Option<Vec<Vec<Vec<f64>>>>,
    /// The critic's value loss (gae).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_loss: Option<f64>,
    /// d value_loss / d values (gae).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grad_values: Option<Vec<Vec<Vec<f64>>>>,
}

/// The objective of one golden `input`; invalid input is an error naming the problem.
pub fn evaluate(input: &Value) -> Result<Expected, String> {
    let input = Input::deserialize(input).map_err(|e| format!("input: {e}"))?;
    let knobs = knobs::resolve(&input.config)?;
    validate(&input, &knobs)?;
    let adv = advantages::compute(&input, &knobs);
    let kept = filters::kept(&input, &knobs, &adv.advantages)?;
    let (loss, grad_logp, grad_entropy) = loss::loss_and_grad(&input, &knobs, &adv, &kept);
    let (value_loss, grad_values) = match &adv.value_targets {
        Some(targets) => {
            let (l, g) = value::loss_and_grad(&input, &knobs, targets, &kept);
            (Some(l), Some(g))
        }
        None => (None, None),
    };
    Ok(Expected {
        loss,
        advantages: adv.advantages,
        kept,
        grad_logp,
        shaped_rewards: adv.shaped,
        grad_entropy,
        value_loss,
        grad_values,
    })
}

/// The conditions under which ALGORITHMS.md's formulas are defined.
fn validate(input: &Input, knobs: &Knobs) -> Result<(), String> {
    let min_size = match knobs.adv_estimator {
        AdvEstimator::Remax | AdvEstimator::Reinforce | AdvEstimator::Gae => 1,
        AdvEstimator::McGrpo => 3,
        _ => 2,
    };
    for (g, group) in input.groups.iter().enumerate() {
        let size = group.completions.len();
        if size < min_size {
            return Err(format!(
                "groups[{g}]: {size} completions, need >= {min_size}"
            ));
        }
        if knobs.adv_estimator == AdvEstimator::McGrpo && size % 2 == 0 {
            return Err(format!(
                "groups[{g}]: mc_grpo needs an odd group, got {size}"
            ));
        }
        if knobs.adv_estimator == AdvEstimator::Remax && group.greedy_reward.is_none() {
            return Err(format!("groups[{g}]: remax needs greedy_reward"));
        }
        for (i, c) in group.completions.iter().enumerate() {
            let at = format!("groups[{g}].completions[{i}]");
            let n = c.logp.len();
            if n == 0 {
                return Err(format!("{at}: empty completion"));
            }
            if c.logp_old.len() != n {
                return Err(format!("{at}.logp_old: length differs from logp"));
            }
            match &c.logp_ref {
                Some(r) if r.len() != n => {
                    return Err(format!("{at}.logp_ref: length differs from logp"));
                }
                None if knobs.uses_reference() => {
                    return Err(format!("{at}.logp_ref: needed with beta > 0"));
                }
                _ => {}
            }
            match &c.entropy {
                Some(h) if h.len() != n => {
                    return Err(format!("{at}.entropy: length differs from logp"));
                }
                None if knobs.entropy_coeff > 0.0 => {
                    return Err(format!("{at}.entropy: needed with entropy_coeff > 0"));
                }
                _ => {}
            }
            match &c.tokens {
                Some(ids) if ids.len() != n => {
                    return Err(format!("{at}.tokens: length differs from logp"));
                }
                None if knobs.adv_estimator == AdvEstimator::Ktae => {
                    return Err(format!("{at}.tokens: needed by ktae"));
                }
                _ => {}
            }
            for (name, values) in [("values", &c.values), ("values_old", &c.values_old)] {
                if values.as_ref().is_some_and(|v| v.len() != n) {
                    return Err(format!("{at}.{name}: length differs from logp"));
                }
            }
            if knobs.adv_estimator == AdvEstimator::Gae && c.values.is_none() {
                return Err(format!("{at}.values: needed by gae"));
            }
            if knobs.seed_alpha > 0.0 && c.answer.is_none() {
                return Err(format!("{at}.answer: needed with seed_alpha > 0"));
            }
        }
    }
    Ok(())
}

/// A value per token, group × completion × token.
pub type Grid = Vec<Vec<Vec<f64>>>;

/// `f(group, completion, token)` at every token of `input`, kept or not (that filtered ones get
/// a 0 derivative is then checked, not assumed).
pub fn per_token(input: &Input, f: impl Fn(usize, usize, usize) -> f64) -> Grid {
    input
        .groups
        .iter()
        .enumerate()
        .map(|(g, group)| {
            group
                .completions
                .iter()
                .enumerate()
                .map(|(i, c)| (0..c.logp.len()).map(|t| f(g, i, t)).collect())
                .collect()
        })
        .collect()
}

/// Mean of `xs`.
pub fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// σ_u: the unbiased standard deviation (÷ (n − 1)).
pub fn std_u(xs: &[f64]) -> f64 {
    let m = mean(xs);
    (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (xs.len() - 1) as f64).sqrt()
}

/// The middle value; MC-GRPO's groups are odd-sized.
pub fn median(xs: &[f64]) -> f64 {
    let mut sorted = xs.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}
