//! The data-side baselines of "A Minimalist Approach to LLM Reasoning: from Rejection Sampling to
//! Reinforce" (Xiong et al., arXiv 2504.11343): RAFT (rejection-sampling fine-tuning, trained on
//! the rewarded samples only) and Reinforce-Rej (plain REINFORCE on the prompts whose samples
//! disagree). Both read the completion's score R_i = Σ_t r_t, the sum of its token rewards (here
//! G0_i: the shaped reward, plus the KL penalty with `kl_in_reward`), and broadcast one advantage
//! to every token of the completion. Read from the authors' code, RLHFlow/Minimal-RL at commit
//! e3b49f090ef4d4bd631f8c055e85f1f102e7dc1f (a verl fork), `verl/trainer/ppo/core_algos.py`:
//!
//! - [`raft`] is `compute_raft_outcome_advantage` (L105–128): `scores[scores < 0] = 0`, so
//!   A_i = max(R_i, 0). No group and no baseline: a completion with R ≤ 0 gets no gradient, one
//!   with R > 0 is imitated in proportion to its reward (with 0/1 rewards: SFT on the correct
//!   samples).
//! - [`reinforce_rej`] is `compute_reinforce_rej_outcome_advantage` (L130–170): per prompt (uid),
//!   σ = `torch.std` of the group's scores (unbiased), except that a group of one gets σ = 1
//!   (L158–159); A_i = R_i where σ > 0, else 0. No mean is subtracted and nothing is divided. The
//!   zeroed groups stay in the batch: their tokens still count in the loss's token mean (unlike
//!   DAPO's `dynamic_sampling`, which drops them).
//!
//! "σ > 0" is taken as "the group's scores are not all equal" (max > min), what it means in exact
//! arithmetic; a float σ of equal values that are not exactly representable as their mean can
//! come out as a rounding residue above 0, which this crate does not reproduce.
//!
//! The losses are the fork's `actor.policy_loss`: `vanilla` (`compute_policy_loss_vanilla`
//! L473–537: `pg_losses1 = -advantages * log_prob`, no ratio, no clip, aggregated by
//! `loss_agg_mode`, token-mean in `ppo_trainer.yaml`) is [`super::Surrogate::Reinforce`];
//! `plusplus` (`compute_policy_loss` L406–470: PPO's clip, ε 0.2, and dual clip c = 3 for A < 0)
//! is [`super::Surrogate::Clip`].

use burn::tensor::Tensor;

use super::indicator;

/// RAFT's formula as KaTeX (notation: [`super::tex::SYMBOLS`]).
pub const RAFT_TEX: &str = r"\vA = \max(\vR, 0)";

/// Reinforce-Rej's formula as KaTeX (notation: [`super::tex::SYMBOLS`]).
pub const REINFORCE_REJ_TEX: &str =
    r"\vA = \vR\ \text{ if } \max_j R_j > \min_j R_j \text{ or } \vG = 1,\ \text{else } 0";

/// RAFT: A_i = max(R_i, 0).
///
/// # Shapes
/// `g0`: `[P, G]` → `[P, G]`
pub fn raft(g0: Tensor<2>) -> Tensor<2> {
    g0.clamp_min(0.0)
}

/// Reinforce-Rej: A_i = R_i in a group whose scores are not all equal, 0 in one whose are; a
/// group of one keeps A_i = R_i (the authors' σ = 1 for it).
///
/// # Shapes
/// `g0`: `[P, G]` → `[P, G]`
pub fn reinforce_rej(g0: Tensor<2>) -> Tensor<2> {
    if g0.dims()[1] == 1 {
        return g0;
    }
    let differs = indicator(
        (g0.clone().max_dim(1) - g0.clone().min_dim(1)).greater_elem(0.0),
        &g0,
    ); // [P, 1]
    g0 * differs
}
