//! The adaptive KL controller's side of a step (`algo.kl_ctrl = adaptive`): the reward KL of the
//! rollout goes back with the step's one readback, and β moves for the next rollout, as verl's
//! `apply_kl_penalty` uses β and then updates its controller.

use burn::tensor::Tensor;

use super::Trainer;
use crate::algo::{self, KlCtrl, RolloutBatch};

impl Trainer {
    /// The rollout's reward KL, `[1]`, when β adapts to it.
    pub(super) fn reward_kl(&self, batch: &RolloutBatch) -> Option<Tensor<1>> {
        let k = &self.knobs;
        let logp_ref = batch.logp_ref.as_ref()?;
        (k.kl_ctrl == KlCtrl::Adaptive && k.kl_in_reward).then(|| {
            algo::kl::reward_kl(
                &batch.logp_old,
                logp_ref,
                &batch.mask,
                k.kl_estimator,
                k.kl_clamp,
            )
        })
    }

    /// β for the next rollout, after one whose reward KL was `kl` over `completions`.
    pub(super) fn adapt_beta(&mut self, kl: f64, completions: usize) {
        let k = &mut self.knobs;
        k.beta = k
            .kl_ctrl
            .next_beta(k.beta, kl, k.target_kl, k.horizon, completions);
    }
}
