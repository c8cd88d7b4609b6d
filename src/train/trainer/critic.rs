//! PPO's critic ([`crate::algo::AdvEstimator::Gae`]): a separate tiny transformer with a value
//! head, as verl's critic is a separate model. Separate rather than a head on the policy's
//! trunk because then the value loss's gradients stay out of the policy (no `vf_coef` trade-off
//! inside one set of weights), and PPO's extra memory is a second model, visible in
//! `trained_params`. It is built from the policy when PPO starts ([`Transformer::to_critic`]),
//! trained at the policy's `learning_rate` (one knob less; the two models are the same size)
//! with its own AdamW of the run's betas and weight decay and its own `max_grad_norm` clip
//! (verl's critic clips its own gradients too), on the same minibatches, one update after each
//! policy update (verl runs the critic's epochs as a pass of their own; the two models share no
//! weights, so the order changes nothing).

use burn::module::Module;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{Int, Tensor};

use super::gradients::clip_global_norm;
use super::{Trainer, fresh_optimizer};
use crate::algo::{self, ValueInput};
use crate::policy::{Transformer, completion_values};
use crate::tasks::TokenId;

/// The value model and its optimizer.
pub(super) struct Critic {
    pub model: Transformer,
    pub optimizer: ModuleOptimizer,
}

/// What one critic update measured, each `[1]` on the device.
pub(super) struct CriticStats {
    pub value_loss: Tensor<1>,
    pub vf_clipfrac: Tensor<1>,
    pub value_mean: Tensor<1>,
}

/// The minibatch a critic update reads, `[groups, group_size, L]` (keep flags
/// `[groups, group_size]`).
pub(super) struct CriticBatch<'a> {
    pub prompts: &'a [Vec<TokenId>],
    pub group_size: usize,
    /// `[groups · group_size, L]`.
    pub tokens: Tensor<2, Int>,
    pub values_old: Tensor<3>,
    pub value_targets: Tensor<3>,
    pub mask: Tensor<3>,
    pub kept: Tensor<2>,
}

impl Trainer {
    /// The critic PPO trains, built from the current policy the first time an estimator asks
    /// for one (when RL starts, or when a branch switches to PPO later).
    pub(super) fn ensure_critic(&mut self) {
        if self.knobs.adv_estimator.needs().critic && self.critic.is_none() {
            self.critic = Some(Critic {
                model: self.policy.to_critic(),
                optimizer: fresh_optimizer(&self.config),
            });
        }
    }

    /// The critic, when the run has one.
    pub fn critic(&self) -> Option<&Transformer> {
        self.critic.as_ref().map(|c| &c.model)
    }

    /// V_old of every completion token at rollout (no gradient), `[B, L]`, when the run has a
    /// critic.
    pub(super) fn rollout_values(
        &self,
        prompts: &[Vec<TokenId>],
        group_size: usize,
        tokens: &Tensor<2, Int>,
    ) -> Option<Tensor<2>> {
        let inference = self.critic.as_ref()?.model.valid();
        Some(completion_values(
            &inference,
            prompts,
            group_size,
            tokens.clone(),
        ))
    }

    /// One critic update on a minibatch: values with gradient, verl's clipped value loss,
    /// backward, clip, AdamW.
    pub(super) fn critic_update(&mut self, batch: CriticBatch) -> Option<CriticStats> {
        let critic = self.critic.as_mut()?;
        let [n, width, l] = batch.mask.dims();
        let values =
            completion_values(&critic.model, batch.prompts, batch.group_size, batch.tokens)
                .reshape([n, width, l]);
        let out = algo::value_loss(
            &self.knobs,
            &ValueInput {
                values,
                values_old: batch.values_old,
                value_targets: batch.value_targets,
                mask: batch.mask,
                kept: batch.kept,
                // Rows are padded to L_max.
                max_completion_length: l,
            },
        );
        let mut grads = GradientsParams::from_grads(out.loss.backward(), &critic.model);
        clip_global_norm(&critic.model, &mut grads, self.config.train.max_grad_norm);
        critic.model =
            critic
                .optimizer
                .step(self.config.train.learning_rate, critic.model.clone(), grads);
        Some(CriticStats {
            value_loss: out.loss.detach().inner(),
            vf_clipfrac: out.clipfrac.inner(),
            value_mean: out.value_mean.inner(),
        })
    }
}
