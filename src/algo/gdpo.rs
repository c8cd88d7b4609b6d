//! Step 3 with several rewards: how a task's reward components become one advantage
//! (`multi_objective_aggregation`), GDPO's group-decoupled normalisation among them.

use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

/// How the reward components of a completion (its verifier's named parts, each with its weight:
/// `task.reward_weights`) enter GRPO's advantage, as TRL's `multi_objective_aggregation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MultiObjectiveAggregation {
    /// R_i = Σ_k w_k·r_{i,k}, then GRPO's advantage of R per `scale_rewards` (TRL's default;
    /// the scalar reward every other method reads).
    SumThenNormalize,
    /// GDPO (2601.05242): each component normalised within its group, summed with the weights,
    /// the sum normalised over the batch ([`advantages`]). `scale_rewards` is not read.
    NormalizeThenSum,
}

impl MultiObjectiveAggregation {
    /// Every variant's JSON name, in declaration order: the choices the schema offers.
    pub const NAMES: &'static [&'static str] = &["sum_then_normalize", "normalize_then_sum"];
}

/// GDPO's advantage (Group reward-Decoupled normalization Policy Optimization, arXiv 2601.05242),
/// transcribed from trl 1.16.0 `trl/trainer/grpo_trainer.py` L2790–2798
/// (`multi_objective_aggregation == "normalize_then_sum"` in `_generate_and_score_completions`):
///
/// ```text
/// Â_{i,k} = (r_{i,k} − mean_group r_k) / (std_u,group r_k + ε)     per component k
/// S_i     = Σ_k w_k·Â_{i,k}
/// A_i     = (S_i − mean_batch S) / (std_u,batch S + ε)
/// ```
///
/// std_u is TRL's `nanstd`, unbiased (÷ (n − 1)), both over the group's G completions and over
/// the batch's P·G sums; ε is `std_eps` (TRL's constant 1e-4 in both places); the weights
/// multiply the normalised components (`reward_weights`). The batch is the objective call's,
/// as `scale_rewards = batch`. TRL's NaN handling (a reward function returning None) has no
/// counterpart here: every verifier scores every component. The authors' code (NVlabs/GDPO,
/// `trl-0.18.0-gdpo` `grpo_trainer.py` L1221–1248) computes the same with `.std()` (unbiased) and
/// ε = 1e-4, but only with more than one reward function (one component there is plain GRPO;
/// here, as in TRL 1.16.0, it is normalised twice); their verl variant sums the two normalised
/// components unweighted and whitens per token (`masked_whiten`, ε 1e-8 under the root).
///
/// # Shapes
/// `components`: `[P, G, K]`, `weights`: `[K]` → `[P, G]`
pub fn advantages(components: Tensor<3>, weights: Tensor<1>, eps: f64) -> Tensor<2> {
    let [p, g, k] = components.dims();
    let mean = components.clone().mean_dim(1); // [P, 1, K]
    let centred = components - mean;
    let std = (centred.clone().powi_scalar(2).sum_dim(1) / (g as f64 - 1.0)).sqrt(); // [P, 1, K]
    let normalised = centred / (std + eps);
    let summed = (normalised * weights.reshape([1, 1, k]))
        .sum_dim(2)
        .reshape([1, p * g]);
    let n = (p * g) as f64;
    let centred = summed.clone() - summed.mean_dim(1);
    let std = (centred.clone().powi_scalar(2).sum_dim(1) / (n - 1.0)).sqrt();
    (centred / (std + eps)).reshape([p, g])
}
