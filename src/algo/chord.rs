//! CHORD's SFT term (On-Policy RL Meets Off-Policy Experts: Harmonizing SFT and RL via Dynamic
//! Weighting, arXiv 2508.11408), as the authors' code computes it: modelscope/Trinity-RFT
//! 0414330 `trinity/algorithm/policy_loss_fn/chord_policy_loss.py` (`mu_schedule_function`
//! L14–31, `phi_function` L64–69, `SFTPhiLossFn` L72–107, `MIXCHORDPolicyLossFn`, which mixes
//! `loss = (1 − mu)·grpo_loss + mu·sft_loss`) and `sft_loss.py` (`SFTLossFn`, plain SFT).
//!
//! Each RL step also trains on expert rows (here the task's own solutions, drawn beside the
//! rollout): per update, the gradient is that of (1 − μ)·(the policy loss) + μ·(this file's SFT
//! loss on the update's expert rows), μ on the schedule [`mu`]. The trainer draws the rows and
//! mixes the gradients (`train/trainer/expert.rs`); this file holds the formulas.

use burn::tensor::Tensor;

use super::Knobs;

/// μ at RL step `step` (0-based): a linear warm-up from 0 to `mu_peak` over `mu_warmup_steps`
/// (W), a cosine from `mu_peak` to `mu_valley` over `mu_decay_steps` (D), then `mu_valley`:
///
/// μ = step/W·peak if step < W; valley if step ≥ W + D;
/// else (peak − valley)·½(1 + cos(π(step − W)/D)) + valley.
///
/// Trinity's `mu_schedule_function` branch for branch (so D = 0 goes from the warm-up straight
/// to the valley, and W = D = 0 is the valley throughout: CHORD-φ's constant μ).
pub fn mu(step: usize, warmup: usize, decay: usize, peak: f64, valley: f64) -> f64 {
    if step < warmup {
        return step as f64 / warmup as f64 * peak;
    }
    if step >= warmup.saturating_add(decay) {
        return valley;
    }
    let adjusted = (step - warmup) as f64;
    let cosine = 0.5 * (1.0 + (std::f64::consts::PI * adjusted / decay as f64).cos());
    (peak - valley) * cosine + valley
}

/// μ of `knobs`' schedule at RL step `step`.
pub fn mu_of(knobs: &Knobs, step: usize) -> f64 {
    mu(
        step,
        knobs.mu_warmup_steps,
        knobs.mu_decay_steps,
        knobs.mu_peak,
        knobs.mu_valley,
    )
}

/// How many expert rows an RL step of `rollout_rows` completions draws: the share
/// `expert_data_ratio` (ρ) of all the step's rows, as Trinity's mix sample strategy takes
/// ρ of its batch from the expert buffer: E = round(ρ/(1 − ρ)·rollout_rows), at least 1 when
/// ρ > 0; 0 when ρ = 0 (CHORD off).
pub fn expert_rows(expert_data_ratio: f64, rollout_rows: usize) -> usize {
    if expert_data_ratio <= 0.0 {
        return 0;
    }
    let e = (expert_data_ratio / (1.0 - expert_data_ratio) * rollout_rows as f64).round();
    (e as usize).max(1)
}

/// The SFT loss of expert rows, a token-level masked mean as Trinity's `masked_mean`:
/// L = Σ_t −log π_t·w_t·m_t / (Σ_t m_t + 1e-8), with w_t = φ(p_t) = p_t(1 − p_t), p_t = e^{log π_t},
/// a constant (`sft_phi`: CHORD-φ's token weight, which down-weights tokens the policy already
/// finds near-certain or near-impossible), or w_t = 1 (`sft`, `phi` false). Its gradient by
/// log π_t is −w_t·m_t/(Σ m + 1e-8).
///
/// # Shapes
/// `logp`, `mask`: `[E, T]` (E expert rows, T padded positions) → `[1]`
pub fn sft_loss(logp: Tensor<2>, mask: Tensor<2>, phi: bool) -> Tensor<1> {
    let count = mask.clone().sum().add_scalar(1e-8);
    let per_token = if phi {
        let p = logp.clone().detach().exp();
        let weight = p.clone() * (p.neg() + 1.0);
        logp * weight
    } else {
        logp
    };
    (per_token * mask).sum().neg() / count
}
