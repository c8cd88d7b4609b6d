//! One flat JSON object per step (DESIGN.md "Metrics of a step"); the page's charts and the CLI's
//! JSONL read these names.

use serde::{Deserialize, Serialize};

/// Which kind of step produced the metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Supervised warm-up: nothing is sampled, so the rollout metrics (reward, accuracy, KL,
    /// entropy, clip and ratio statistics, lengths, kept fraction) stay 0; `loss` is the
    /// cross-entropy of the solutions.
    Sft,
    /// A reinforcement-learning step.
    #[default]
    Rl,
}

/// Everything measured in one training step. Means are over completions unless noted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StepMetrics {
    /// 1-based index of the finished step.
    pub step: usize,
    /// Warm-up or RL step.
    pub phase: Phase,
    /// Wall time of the step in milliseconds (evaluation included).
    pub wall_ms: f64,
    /// Of which sampling and verifying the completions (RL steps).
    pub rollout_ms: f64,
    /// Of which reference log-probs, advantages, forward, backward and optimizer steps (RL steps).
    pub update_ms: f64,
    /// Mean raw task reward of the sampled completions.
    pub reward_mean: f64,
    /// Standard deviation (unbiased) of the raw rewards.
    pub reward_std: f64,
    /// Fraction of sampled completions the verifier judged correct.
    pub accuracy: f64,
    /// Greedy accuracy on the held-out set (present on evaluation steps).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eval_accuracy: Option<f64>,
    /// Mean expected regret of the sampled choices (bandits; 0 elsewhere).
    pub regret: f64,
    /// Loss of the last update (mean over minibatches of the last inner epoch).
    pub loss: f64,
    /// Mean k3 KL of the policy against the reference over kept tokens (0 without reference).
    pub kl: f64,
    /// Mean full-vocabulary entropy of the policy over kept tokens.
    pub entropy: f64,
    /// Fraction of kept tokens where the lower clip changed the term.
    pub clip_frac_low: f64,
    /// Fraction of kept tokens where the upper clip changed the term.
    pub clip_frac_high: f64,
    /// Mean importance ratio over kept tokens.
    pub ratio_mean: f64,
    /// Largest importance ratio over kept tokens.
    pub ratio_max: f64,
    /// Mean completion length in tokens (EOS included).
    pub completion_len_mean: f64,
    /// Shortest completion.
    pub completion_len_min: usize,
    /// Longest completion.
    pub completion_len_max: usize,
    /// Fraction of completions that hit max_completion_length.
    pub truncated_frac: f64,
    /// Fraction of groups whose raw rewards are all equal (`frac_reward_zero_std`).
    pub zero_std_group_frac: f64,
    /// Fraction of completions that survived the filters.
    pub kept_frac: f64,
    /// Extra sampling rounds DAPO's dynamic sampling needed to fill the batch.
    pub resample_rounds: usize,
    /// Global gradient norm before clipping (last update).
    pub grad_norm: f64,
    /// Learning rate.
    pub lr: f64,
    /// Sampled completion tokens per second of wall time.
    pub tokens_per_s: f64,
    /// Prompt tokens encoded by generation (each prompt once per group).
    pub prompt_tokens_encoded: usize,
}
