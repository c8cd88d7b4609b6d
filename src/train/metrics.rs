//! One flat JSON object per step (DESIGN.md "Metrics of a step"); the page's charts and the CLI's
//! JSONL read these names.

use std::collections::BTreeMap;

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
    /// The same per difficulty label (`Task::difficulty`: operand digits, terms, path length),
    /// on evaluation steps when the held-out set has more than one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eval_by_difficulty: Option<BTreeMap<u32, f64>>,
    /// Mean expected regret of the sampled choices (bandits; 0 elsewhere).
    pub regret: f64,
    /// Loss of the last update (mean over minibatches of the last inner epoch).
    pub loss: f64,
    /// Mean k3 KL, (π_ref/π) − log(π_ref/π) − 1, of the policy against the policy RL started
    /// from, over kept tokens: the objective's own term when β > 0, else a diagnostic on the
    /// rollout's log-probs when `train.log_kl` is set; 0 otherwise.
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
    /// Mean length of the completions the verifier judged correct (absent when none were).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion_len_correct: Option<f64>,
    /// Mean length of the incorrect completions (absent when none were): Dr. GRPO's length bias
    /// shows here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion_len_incorrect: Option<f64>,
    /// Fraction of completions that hit max_completion_length.
    pub truncated_frac: f64,
    /// Fraction of groups whose raw rewards are all equal (`frac_reward_zero_std`), in the first
    /// sampling round: before dynamic sampling replaces any.
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

/// Mean completion length of the correct and of the incorrect completions; `None` for a side
/// with no completion.
pub fn length_by_correctness(lengths: &[usize], correct: &[bool]) -> (Option<f64>, Option<f64>) {
    let mean_where = |want: bool| {
        let picked: Vec<f64> = lengths
            .iter()
            .zip(correct)
            .filter(|&(_, &c)| c == want)
            .map(|(&l, _)| l as f64)
            .collect();
        (!picked.is_empty()).then(|| picked.iter().sum::<f64>() / picked.len() as f64)
    };
    (mean_where(true), mean_where(false))
}

/// Fraction of the groups (consecutive runs of `group` rewards) whose rewards are all equal.
pub fn zero_std_fraction(rewards: &[f64], group: usize) -> f64 {
    let groups = rewards.len().div_ceil(group.max(1)).max(1);
    rewards
        .chunks(group.max(1))
        .filter(|g| g.iter().all(|&r| r == g[0]))
        .count() as f64
        / groups as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_split_by_correctness() {
        let (right, wrong) = length_by_correctness(&[2, 4, 6, 9], &[true, false, true, false]);
        assert_eq!((right, wrong), (Some(4.0), Some(6.5)));
        assert_eq!(length_by_correctness(&[3], &[true]), (Some(3.0), None));
    }

    #[test]
    fn zero_std_counts_flat_groups() {
        assert_eq!(
            zero_std_fraction(&[1.0, 1.0, 0.0, 1.0, 0.0, 0.0], 2),
            2.0 / 3.0
        );
        assert_eq!(zero_std_fraction(&[0.5; 4], 4), 1.0);
    }
}
