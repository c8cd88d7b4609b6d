//! `top_entropy_quantile` ρ: the policy-gradient term only on the top-ρ quantile of tokens by
//! the policy's entropy ("Beyond the 80/20 Rule", arXiv 2506.01939), as TRL's `GRPOTrainer`
//! (huggingface/trl f2cd577, `grpo_trainer.py`: `get_high_entropy_mask` L1396–1432, applied in
//! `_compute_loss` L3020–3023 and L3111–3121):
//! τ = the (1 − ρ) quantile of the entropies H_t of the loss's tokens in the minibatch, with
//! `torch.quantile`'s linear interpolation (sorted x_0 ≤ … ≤ x_{n−1}, pos = (1 − ρ)(n − 1),
//! τ = x_⌊pos⌋ + (pos − ⌊pos⌋)(x_⌈pos⌉ − x_⌊pos⌋)); a token keeps its surrogate term iff H_t ≥ τ
//! (ties kept). The KL term and every normaliser are untouched: a dropped token still counts in
//! the aggregation's denominator, as in the paper. ρ = 1 is off; ρ = 0 keeps the tokens tied
//! with the largest entropy. The mask carries no gradient. TRL's pool is its loss mask (real
//! tokens, truncated completions out under `mask_truncated_completions`); here it is the kept
//! tokens, the same set wherever TRL has the filter.

use burn::tensor::Tensor;

use super::indicator;

/// Beyond every entropy (nats, at most ln |V|): where the pool's non-members sort.
const OUTSIDE: f64 = 1e30;

/// 1 on the tokens whose surrogate term counts, 0 elsewhere, `[P, G, T]`.
///
/// # Shapes
/// `entropy`, `weights` (1 on the pool's tokens): `[P, G, T]` → `[P, G, T]`
pub fn high_entropy_mask(entropy: &Tensor<3>, weights: &Tensor<3>, rho: f64) -> Tensor<3> {
    let dims = entropy.dims();
    let n_all = dims.iter().product::<usize>();
    let h = entropy.clone().detach().reshape([n_all]);
    let member = weights.clone().reshape([n_all]).greater_elem(0.5);
    let sorted = h
        .clone()
        .mask_fill(member.clone().bool_not(), OUTSIDE)
        .sort(0);
    // pos = (1 − ρ)(n − 1) on the device, so no readback: n = 0 leaves τ beyond every entropy.
    let n = weights.clone().sum();
    let pos = (n - 1.0).clamp_min(0.0).mul_scalar(1.0 - rho);
    let (lo, hi) = (pos.clone().floor(), pos.clone().ceil());
    let x_lo = sorted.clone().gather(0, lo.clone().int());
    let x_hi = sorted.gather(0, hi.int());
    let tau = x_lo.clone() + (pos - lo) * (x_hi - x_lo);
    let keep = h.greater_equal(tau.expand([n_all])).bool_and(member);
    indicator(keep.reshape(dims), entropy)
}
