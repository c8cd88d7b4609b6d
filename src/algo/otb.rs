//! The optimal token baseline (OTB; verl `optimal_token_baseline`, verl b178a3cd
//! `verl/trainer/ppo/core_algos.py` `compute_optimal_token_baseline_advantage` L758–873; verl
//! `docs/algo/otb.md`): a baseline per group and token position, the returns weighted by each
//! completion's accumulated path-variance proxy.
//!
//! With G_{i,t} the return to go, π_{i,t} = exp(log π_old) of the sampled token and
//! S_{i,t} = Σ_v π_old(v | prefix)² (the side input `sum_pi_squared`, verl
//! `calculate_sum_pi_squared_from_logits`), w_{i,t} = 1 − 2π_{i,t} + S_{i,t} (the logit
//! gradient's squared norm ‖e_token − π‖²), times ρ_{i,t}² when the rollout correction is on
//! (ρ its weight, [`super::rollout_correction::rollout_weights`]: verl rescales W by
//! `rollout_is_weights**2`); W_{i,t} = Σ_{s ≤ t} w_{i,s}·m_{i,s}; per group and position
//! b_t = Σ_i G_{i,t}·W_{i,t}·m_{i,t} / (Σ_i W_{i,t}·m_{i,t} + 1e-8) and
//! A_{i,t} = (G_{i,t} − b_t)·m_{i,t}. A group of one has b = 0 (A = G). No σ, no whitening.
//! verl's `handle_zero_tail` is off, its default at b178a3cd (where verl 0.9.1 always turns it
//! on): a position only the group's longest completion reaches gets b_t = G_t·W/(W + 1e-8) ≈ G_t,
//! so A ≈ 0 there, where 0.9.1 sets b = 0 (A = G_t).

use burn::tensor::Tensor;

/// verl's ε in the denominator.
const EPS: f64 = 1e-8;

/// The OTB advantages, 0 on padding.
///
/// # Shapes
/// `returns`, `mask`, `logp_old`, `sum_pi_squared`, `rollout_weights`: `[P, G, T]` → `[P, G, T]`
pub fn optimal_token_baseline(
    returns: &Tensor<3>,
    mask: &Tensor<3>,
    logp_old: &Tensor<3>,
    sum_pi_squared: &Tensor<3>,
    rollout_weights: Option<&Tensor<3>>,
) -> Tensor<3> {
    let [_, g, _] = mask.dims();
    if g == 1 {
        return returns.clone() * mask.clone();
    }
    let pi = logp_old.clone().exp();
    let mut w = pi.mul_scalar(-2.0) + sum_pi_squared.clone() + 1.0;
    if let Some(rho) = rollout_weights {
        w = w * rho.clone().powi_scalar(2);
    }
    let big_w = (w * mask.clone()).cumsum(2) * mask.clone(); // W_{i,t}·m_{i,t}
    let numerator = (returns.clone() * big_w.clone()).sum_dim(1); // [P, 1, T]
    let denominator = big_w.sum_dim(1) + EPS;
    let baseline = numerator / denominator;
    (returns.clone() - baseline) * mask.clone()
}
