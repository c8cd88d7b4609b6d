//! DeepSeek-V3.2's off-policy sequence mask (`off_policy_mask_threshold` δ), as TRL's
//! `GRPOTrainer.get_off_policy_mask` (trl 1.16.0 `grpo_trainer.py` L2945–2969, applied in
//! `_compute_loss` from L3068; arXiv 2512.02556 Eq. 9): a completion's surrogate terms count
//! iff its advantage is non-negative or its mean token log-ratio log π_old − log π_θ (π_θ
//! detached) is at most δ. The KL term and every normaliser are untouched, as TRL multiplies
//! only the policy-gradient term. TRL's advantage is one per completion; with per-token
//! advantages (GAE, KTAE) the sign is each token's.

use burn::tensor::Tensor;

use super::indicator;

/// `[P, G, T]`: 1 where the surrogate term counts.
pub fn off_policy_mask(
    logp: &Tensor<3>,
    logp_old: &Tensor<3>,
    mask: &Tensor<3>,
    advantages: &Tensor<3>,
    threshold: f64,
) -> Tensor<3> {
    let [p, g, t] = logp.dims();
    let drift = (logp_old.clone() - logp.clone().detach()) * mask.clone();
    let mean = drift.sum_dim(2) / mask.clone().sum_dim(2).clamp_min(1.0); // [P, G, 1]
    let close = indicator(mean.lower_equal_elem(threshold), logp).expand([p, g, t]);
    let ascending = indicator(advantages.clone().greater_equal_elem(0.0), logp);
    close.max_pair(ascending)
}
