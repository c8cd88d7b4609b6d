//! Clip-Cov's and KL-Cov's token choice (Cui et al. 2505.22617, as verl's `clip_cov` and
//! `kl_cov` losses): the covariance of each kept token's advantage and log-probability, the
//! tokens of largest covariance, and Clip-Cov's seeded random pick among its candidates.

use burn::tensor::{Int, Tensor, TensorData};

use super::surrogate::{LossTerms, kept_tokens};
use super::{Knobs, indicator};
use crate::rng::splitmix64;

/// Clip-Cov's and KL-Cov's Cov_t = (A_t − mean A)·(logp_t − mean logp) over the kept tokens,
/// logp detached, `[P, G, T]` (constant).
pub(super) fn covariance(t: &LossTerms) -> Tensor<3> {
    let valid = kept_tokens(t);
    let n = valid.clone().sum().clamp_min(1.0).unsqueeze::<3>();
    let logp = t.logp.clone().detach();
    let a_mean = (t.advantages.clone() * valid.clone())
        .sum()
        .unsqueeze::<3>()
        / n.clone();
    let logp_mean = (logp.clone() * valid).sum().unsqueeze::<3>() / n;
    let cov = (t.advantages.clone() - a_mean) * (logp - logp_mean);
    // Sums that overflow (inputs near the float range) give ∞ − ∞; such a token is never chosen.
    let undefined = cov.clone().is_nan();
    cov.mask_fill(undefined, f64::NEG_INFINITY)
}

/// k = max(⌊ratio·N⌋, 1), N = the kept tokens, as a `[1]` index k − 1 into a sorted list.
fn kth_index(valid: &Tensor<3>, ratio: f64) -> Tensor<1, Int> {
    (valid.clone().sum().mul_scalar(ratio).floor().clamp_min(1.0) - 1.0).int()
}

/// 0/1 on the tokens of `valid` (0/1) whose `cov` is among the k largest (ties with the k-th
/// included), `[P, G, T]`.
pub(super) fn largest(cov: &Tensor<3>, valid: &Tensor<3>, ratio: f64) -> Tensor<3> {
    let invalid = valid.clone().equal_elem(0.0);
    let [p, g, t] = cov.dims();
    let keyed = cov.clone().mask_fill(invalid, f64::NEG_INFINITY);
    let sorted = keyed.clone().reshape([p * g * t]).sort_descending(0);
    let threshold = sorted.select(0, kth_index(valid, ratio)); // [1]
    indicator(
        keyed.greater_equal(threshold.unsqueeze::<3>().expand([p, g, t])),
        cov,
    ) * valid.clone()
}

/// Clip-Cov's cut: 0/1 on k = max(⌊`clip_cov_ratio`·N⌋, 1) of the `candidates` (all of them
/// when fewer), the ones of smallest [`cov_priority`], `[P, G, T]`.
pub(super) fn clip_cov_choice(
    candidates: &Tensor<3>,
    valid: &Tensor<3>,
    knobs: &Knobs,
) -> Tensor<3> {
    let [p, g, t] = candidates.dims();
    let ranks = cov_ranks(p, g, t, knobs.cov_seed);
    let ranks = Tensor::<3>::from_data(
        TensorData::new(ranks, [p, g, t]),
        (&candidates.device(), candidates.dtype()),
    );
    // Non-candidates rank after every candidate.
    let last = (p * g * t) as f64;
    let keyed = ranks * candidates.clone() + (candidates.clone().neg() + 1.0).mul_scalar(last);
    let sorted = keyed.clone().reshape([p * g * t]).sort(0);
    let threshold = sorted.select(0, kth_index(valid, knobs.clip_cov_ratio)); // [1]
    indicator(
        keyed.lower_equal(threshold.unsqueeze::<3>().expand([p, g, t])),
        candidates,
    ) * candidates.clone()
}

/// Clip-Cov's random priority of token t of completion g of group p under `seed` (smaller is
/// picked first): splitmix64(seed ⊕ splitmix64(p·2⁴² + g·2²¹ + t)).
pub fn cov_priority(seed: u64, p: usize, g: usize, t: usize) -> u64 {
    let position = ((p as u64) << 42) | ((g as u64) << 21) | t as u64;
    splitmix64(seed ^ splitmix64(position))
}

/// Every position's rank by [`cov_priority`] (0 = picked first), `[P, G, T]` row-major: exact
/// small integers in any float dtype, computed from the shape alone (no device readback).
fn cov_ranks(p: usize, g: usize, t: usize, seed: u64) -> Vec<f64> {
    let mut order: Vec<(u64, usize)> = (0..p * g * t)
        .map(|i| (cov_priority(seed, i / (g * t), (i / t) % g, i % t), i))
        .collect();
    order.sort_unstable();
    let mut ranks = vec![0.0; order.len()];
    for (rank, (_, i)) in order.into_iter().enumerate() {
        ranks[i] = rank as f64;
    }
    ranks
}
