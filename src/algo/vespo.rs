//! VESPO's sequence weight φ (Variational Sequence-level Soft Policy Optimization, arXiv
//! 2602.10693), as TRL's `loss_type="vespo"` computes it (trl 1.16.0 `grpo_trainer.py`
//! `get_gamma_weights` L2972–3018, used in `_compute_loss` L3125): with
//! ℓ_t = clamp(log π_θ − log π_old, −20, 20) on real tokens and, when the rollout correction is
//! on, its token weights folded in (`+ Σ_t clamp(ln w_t, ln 1e-8, 20)`, TRL's in place of
//! multiplying the loss by them), log w = clamp(Σ_t ℓ_t, ln 1e-8, 20) per completion and
//! φ = e^λ·w^k·e^(−λw) = exp(λ + k·log w − λ·w), so φ(1) = 1; (k, λ) = (`vespo_k_pos`,
//! `vespo_lambda_pos`) where A ≥ 0, else (`vespo_k_neg`, `vespo_lambda_neg`), λ at least 1e-4.
//! φ is a constant (TRL computes it under `no_grad`); the per-token loss is −φ·A·log π_θ. TRL's
//! advantage is one per completion; with per-token advantages (GAE, KTAE) (k, λ) follow each
//! token's sign. TRL also sums the correction's weights over padding, where they are 1 unless
//! the bounds exclude 1; here only real tokens count.

use burn::tensor::Tensor;

use super::{Knobs, indicator};

/// ln 1e-8, TRL's lower clamp of log w.
const LOG_W_MIN: f64 = -18.420_680_743_952_367;

/// φ of every token, `[P, G, T]`, constant.
pub fn phi(
    knobs: &Knobs,
    logp: &Tensor<3>,
    logp_old: &Tensor<3>,
    mask: &Tensor<3>,
    advantages: &Tensor<3>,
    rollout_weights: Option<&Tensor<3>>,
) -> Tensor<3> {
    let [p, g, t] = mask.dims();
    let mut sum =
        ((logp.clone().detach() - logp_old.clone()).clamp(-20.0, 20.0) * mask.clone()).sum_dim(2);
    if let Some(w) = rollout_weights {
        // A masked weight is 0: its log is −∞, clamped to ln 1e-8 as TRL's.
        let log_w = w.clone().log().clamp(LOG_W_MIN, 20.0) * mask.clone();
        sum = sum + log_w.sum_dim(2);
    }
    let log_w = sum.clamp(LOG_W_MIN, 20.0).expand([p, g, t]);
    let w = log_w.clone().exp();
    let positive = indicator(advantages.clone().greater_equal_elem(0.0), advantages);
    let negative = positive.clone().neg() + 1.0;
    let k = positive.clone() * knobs.vespo_k_pos + negative.clone() * knobs.vespo_k_neg;
    let lambda =
        (positive * knobs.vespo_lambda_pos + negative * knobs.vespo_lambda_neg).clamp_min(1e-4);
    (lambda.clone() + k * log_w - lambda * w).exp().detach()
}
