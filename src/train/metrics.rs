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

/// Declares [`StepMetrics`] and [`METRICS`] from one list: each field's doc comment is its help,
/// the string after `=>` its short label (a chart title).
macro_rules! metrics {
    ($( $(#[doc = $doc:literal])* $name:ident : $ty:ty $(, skip_if $skip:literal)? => $label:literal, )*) => {
        /// Everything measured in one training step. Means are over completions unless noted.
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        pub struct StepMetrics {
            $(
                $(#[doc = $doc])*
                $(#[serde(skip_serializing_if = $skip)])?
                pub $name: $ty,
            )*
        }

        /// Every metric of a step, in declaration order.
        pub const METRICS: &[Metric] = &[
            $( Metric { key: stringify!($name), label: $label, help: concat!($($doc),*) }, )*
        ];
    };
}

/// A metric's JSON key, chart label and meaning.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Metric {
    pub key: &'static str,
    pub label: &'static str,
    #[serde(serialize_with = "crate::schema::trimmed")]
    pub help: &'static str,
}

metrics! {
    /// 1-based index of the finished step.
    step: usize => "step",
    /// Warm-up or RL step.
    phase: Phase => "phase",
    /// Wall time of the step in milliseconds (evaluation included).
    wall_ms: f64 => "step time (ms)",
    /// Of which sampling and verifying the completions (RL steps).
    rollout_ms: f64 => "rollout time (ms)",
    /// Of which reference log-probs, advantages, forward, backward and optimizer steps (RL steps).
    update_ms: f64 => "update time (ms)",
    /// Mean raw task reward of the sampled completions.
    reward_mean: f64 => "mean reward",
    /// Standard deviation (unbiased) of the raw rewards.
    reward_std: f64 => "reward std",
    /// Fraction of sampled completions the verifier judged correct.
    accuracy: f64 => "training accuracy",
    /// Greedy accuracy on the held-out set (present on evaluation steps).
    eval_accuracy: Option<f64>, skip_if "Option::is_none" => "held-out accuracy",
    /// The same per difficulty label (`Task::difficulty`: operand digits, terms, path length),
    /// on evaluation steps when the held-out set has more than one.
    eval_by_difficulty: Option<BTreeMap<u32, f64>>, skip_if "Option::is_none" => "held-out accuracy by difficulty",
    /// Mean expected regret of the sampled choices (bandits; 0 elsewhere).
    regret: f64 => "regret",
    /// Loss of the last update (mean over minibatches of the last inner epoch).
    loss: f64 => "loss",
    /// Mean k3 KL, (π_ref/π) − log(π_ref/π) − 1, of the policy against the policy RL started
    /// from, over kept tokens: the objective's own term when β > 0, else a diagnostic on the
    /// rollout's log-probs when `train.log_kl` is set; 0 otherwise.
    kl: f64 => "KL to the start of RL",
    /// Mean full-vocabulary entropy of the policy over kept tokens.
    entropy: f64 => "entropy",
    /// Fraction of kept tokens where the lower clip changed the term.
    clip_frac_low: f64 => "clipped below (fraction of tokens)",
    /// Fraction of kept tokens where the upper clip changed the term.
    clip_frac_high: f64 => "clipped above (fraction of tokens)",
    /// Mean importance ratio over kept tokens.
    ratio_mean: f64 => "mean importance ratio",
    /// Largest importance ratio over kept tokens.
    ratio_max: f64 => "largest importance ratio",
    /// Mean completion length in tokens (EOS included).
    completion_len_mean: f64 => "completion length (tokens)",
    /// Shortest completion.
    completion_len_min: usize => "shortest completion",
    /// Longest completion.
    completion_len_max: usize => "longest completion",
    /// Mean length of the completions the verifier judged correct (absent when none were).
    completion_len_correct: Option<f64>, skip_if "Option::is_none" => "length of correct completions",
    /// Mean length of the incorrect completions (absent when none were): Dr. GRPO's length bias
    /// shows here.
    completion_len_incorrect: Option<f64>, skip_if "Option::is_none" => "length of incorrect completions",
    /// Fraction of completions that hit max_completion_length.
    truncated_frac: f64 => "truncated completions (fraction)",
    /// Fraction of groups whose raw rewards are all equal (`frac_reward_zero_std`), in the first
    /// sampling round: before dynamic sampling replaces any.
    zero_std_group_frac: f64 => "groups with equal rewards (fraction)",
    /// Fraction of completions that survived the filters.
    kept_frac: f64 => "kept completions (fraction)",
    /// Extra sampling rounds DAPO's dynamic sampling needed to fill the batch.
    resample_rounds: usize => "resampling rounds",
    /// Global gradient norm before clipping (last update).
    grad_norm: f64 => "gradient norm",
    /// Learning rate.
    lr: f64 => "learning rate",
    /// Sampled completion tokens per second of wall time.
    tokens_per_s: f64 => "tokens per second",
    /// Prompt tokens encoded by generation (each prompt once per group).
    prompt_tokens_encoded: usize => "prompt tokens encoded",
    /// Live knobs changed since the previous step (`Trainer::set_live`), dotted path → new value.
    live_changes: Option<BTreeMap<String, serde_json::Value>>, skip_if "Option::is_none" => "knob changes",
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
    fn every_metric_written_is_declared() {
        let m = StepMetrics {
            eval_accuracy: Some(0.5),
            eval_by_difficulty: Some(BTreeMap::from([(1, 0.5)])),
            completion_len_correct: Some(2.0),
            completion_len_incorrect: Some(3.0),
            live_changes: Some(BTreeMap::new()),
            ..StepMetrics::default()
        };
        let written = serde_json::to_value(&m).unwrap();
        let keys: Vec<&str> = written
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut declared: Vec<&str> = METRICS.iter().map(|m| m.key).collect();
        declared.sort();
        assert_eq!(keys, declared);
        assert!(
            METRICS.iter().all(|m| !m.help.trim().is_empty()),
            "every metric has a help"
        );
    }

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
