//! Steps 5–8 on minibatches of whole groups, `num_iterations` epochs: log π with gradient, the
//! objective, backward, clip, AdamW, then PPO's critic update on the same minibatch — and the
//! statistics of the last epoch's updates.

use burn::tensor::{Int, Tensor, TensorData};
use rand::seq::SliceRandom;

use super::critic::{CriticBatch, CriticStats};
use super::expert::{ExpertRows, ExpertStats};
use super::{TrainError, Trainer};
use crate::algo::bapo::Bounds;
use crate::algo::rollout_correction::RolloutMetrics;
use crate::algo::{self, PolicyInput, SideInput, SideTensor, SideTensors};
use crate::tasks::TokenId;
use crate::train::host::read;

/// What one update measured, each `[1]` on the device (read back once per step).
pub(super) struct MinibatchStats {
    pub loss: Tensor<1>,
    pub kl: Tensor<1>,
    pub entropy: Tensor<1>,
    pub clip_frac_low: Tensor<1>,
    pub clip_frac_high: Tensor<1>,
    pub ratio_mean: Tensor<1>,
    pub ratio_max: Tensor<1>,
    pub grad_norm: Tensor<1>,
    pub rollout: Option<RolloutMetrics>,
    /// BAPO's bounds for this minibatch.
    pub bounds: Option<Bounds>,
    pub critic: Option<CriticStats>,
    /// CHORD's expert rows' part, on every update of a step that drew them.
    pub expert: Option<ExpertStats>,
}

/// The critic's part of [`UpdateStats`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct CriticUpdateStats {
    pub value_loss: f64,
    pub vf_clipfrac: f64,
    pub value_mean: f64,
}

/// The mean of the last epoch's [`MinibatchStats`], on the host; 0 when nothing was updated.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub(super) struct UpdateStats {
    pub loss: f64,
    pub kl: f64,
    pub entropy: f64,
    pub clip_frac_low: f64,
    pub clip_frac_high: f64,
    pub ratio_mean: f64,
    pub ratio_max: f64,
    pub grad_norm: f64,
    /// Present when the batch has the sampler's own log-probs ([`RolloutMetrics`]).
    pub rollout_kl: Option<f64>,
    /// Present when the rollout correction is on.
    pub rollout_is: Option<RolloutIsStats>,
    /// BAPO's (c_low, c_high), when the surrogate searches them.
    pub bapo_bounds: Option<(f64, f64)>,
    /// Present when the run trains a critic.
    pub critic: Option<CriticUpdateStats>,
    /// CHORD's SFT loss, mean over the updates that had expert rows (when the step drew any).
    pub chord_sft_loss: Option<f64>,
}

/// The rollout correction's part of [`UpdateStats`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct RolloutIsStats {
    pub mean: f64,
    pub cut_frac: f64,
}

impl MinibatchStats {
    /// The policy's eight statistics, then the rollout's (its KL, and the correction's mean
    /// weight and cut fraction), BAPO's two bounds, the critic's three and the expert rows' two,
    /// each where the batch has them.
    fn fields(self) -> Vec<Tensor<1>> {
        let mut fields = vec![
            self.loss,
            self.kl,
            self.entropy,
            self.clip_frac_low,
            self.clip_frac_high,
            self.ratio_mean,
            self.ratio_max,
            self.grad_norm,
        ];
        if let Some(r) = self.rollout {
            fields.push(r.kl);
            fields.extend(r.is_mean.into_iter().chain(r.is_cut_frac));
        }
        if let Some(b) = self.bounds {
            fields.extend([b.low, b.high]);
        }
        if let Some(c) = self.critic {
            fields.extend([c.value_loss, c.vf_clipfrac, c.value_mean]);
        }
        if let Some(e) = self.expert {
            fields.extend([e.sft_loss, e.counted]);
        }
        fields
    }

    /// The mean over `all`, read back in one transfer.
    async fn mean(all: Vec<MinibatchStats>) -> Result<UpdateStats, TrainError> {
        let n = all.len();
        let Some(first) = all.first() else {
            return Ok(UpdateStats::default());
        };
        let rollout = first.rollout.as_ref().map(|r| r.is_mean.is_some());
        let bapo = first.bounds.is_some();
        let critic = first.critic.is_some();
        let expert = first.expert.is_some();
        let sum = all
            .into_iter()
            .map(|s| Tensor::cat(s.fields(), 0))
            .reduce(|a, b| a + b)
            .expect("at least one update");
        let v = read(sum.div_scalar(n as f64)).await?;
        let mut rest = v[8..].iter().copied();
        let mut next = || rest.next().expect("one value per field");
        let rollout_kl = rollout.map(|_| next());
        let rollout_is = (rollout == Some(true)).then(|| RolloutIsStats {
            mean: next(),
            cut_frac: next(),
        });
        let bapo_bounds = bapo.then(|| (next(), next()));
        let critic = critic.then(|| CriticUpdateStats {
            value_loss: next(),
            vf_clipfrac: next(),
            value_mean: next(),
        });
        // Σ loss / Σ counted: the mean over the updates that had expert rows.
        let chord_sft_loss = expert
            .then(|| (next(), next()))
            .and_then(|(loss, counted)| (counted > 0.0).then(|| loss / counted));
        Ok(UpdateStats {
            loss: v[0],
            kl: v[1],
            entropy: v[2],
            clip_frac_low: v[3],
            clip_frac_high: v[4],
            ratio_mean: v[5],
            ratio_max: v[6],
            grad_norm: v[7],
            rollout_kl,
            rollout_is,
            bapo_bounds,
            critic,
            chord_sft_loss,
        })
    }
}

/// The compacted batch the updates read: whole groups, `[groups, group_size, L]` (keep flags
/// `[groups, group_size]`), the constants of every update's [`PolicyInput`].
pub(super) struct UpdateBatch {
    pub prompts: Vec<Vec<TokenId>>,
    pub group_size: usize,
    pub tokens: Tensor<3, Int>,
    pub logp_old: Tensor<3>,
    pub logp_ref: Option<Tensor<3>>,
    pub mask: Tensor<3>,
    pub advantages: Tensor<3>,
    /// The per-token side inputs (the critic's values at rollout, when the run trains a critic).
    pub side: SideTensors,
    /// The critic's targets, when the run trains a critic.
    pub value_targets: Option<Tensor<3>>,
    pub kept: Tensor<2>,
    pub max_completion_length: usize,
}

impl Trainer {
    /// `num_iterations` epochs of updates over minibatches of whole groups (shuffled after the
    /// first epoch), the entropy bonus at `entropy_coeff`, CHORD's `expert` rows split in order
    /// across each epoch's minibatches; the statistics are those of the last epoch. `batch` has
    /// at least one group.
    pub(super) async fn update_epochs(
        &mut self,
        batch: &UpdateBatch,
        entropy_coeff: f64,
        expert: Option<&ExpertRows>,
    ) -> Result<UpdateStats, TrainError> {
        let n_groups = batch.prompts.len();
        let per_minibatch = n_groups.div_ceil(self.config.train.minibatches);
        let mut order: Vec<usize> = (0..n_groups).collect();
        let mut last_epoch = Vec::new();
        for epoch in 0..self.config.train.num_iterations {
            if epoch > 0 {
                order.shuffle(&mut self.rng);
            }
            last_epoch.clear();
            let n = n_groups.div_ceil(per_minibatch);
            for (k, chunk) in order.chunks(per_minibatch).enumerate() {
                let expert = expert.map(|rows| (rows, k, n));
                last_epoch.push(self.minibatch_update(chunk, batch, entropy_coeff, expert)?);
            }
        }
        MinibatchStats::mean(last_epoch).await
    }

    /// One update on the groups `chunk` of the compacted batch, with minibatch k of n's share
    /// of CHORD's expert rows where the step drew them: then the policy loss weighs 1 − μ.
    fn minibatch_update(
        &mut self,
        chunk: &[usize],
        batch: &UpdateBatch,
        entropy_coeff: f64,
        expert: Option<(&ExpertRows, usize, usize)>,
    ) -> Result<MinibatchStats, TrainError> {
        let idx = Tensor::<1, Int>::from_data(
            TensorData::new(
                chunk.iter().map(|&i| i as i64).collect::<Vec<_>>(),
                [chunk.len()],
            ),
            &self.device,
        );
        let sel = |t: &Tensor<3>| t.clone().select(0, idx.clone());
        let (width, [_, _, l]) = (batch.group_size, batch.mask.dims());
        let prompts: Vec<Vec<TokenId>> = chunk.iter().map(|&i| batch.prompts[i].clone()).collect();
        let tokens = batch
            .tokens
            .clone()
            .select(0, idx.clone())
            .reshape([chunk.len() * width, l]);
        let critic_tokens = tokens.clone();
        // A fresh Clip-Cov draw per step and minibatch, a function of the knob and the saved
        // step count (so a resumed run draws the same).
        let draw = ((self.step as u64) << 20) | chunk.first().map_or(0, |&i| i as u64);
        let knobs = algo::Knobs {
            cov_seed: self.knobs.cov_seed ^ crate::rng::splitmix64(draw),
            entropy_coeff,
            ..self.knobs
        };
        let (grads, (out, entropy)) = self.gradients(
            &prompts,
            width,
            tokens,
            self.config.train.temperature,
            |logp, entropy| {
                let entropy = entropy.reshape([chunk.len(), width, l]);
                let input = PolicyInput {
                    logp: logp.reshape([chunk.len(), width, l]),
                    logp_old: sel(&batch.logp_old),
                    logp_ref: batch.logp_ref.as_ref().map(sel),
                    mask: sel(&batch.mask),
                    advantages: sel(&batch.advantages),
                    kept: batch.kept.clone().select(0, idx.clone()),
                    side: SideTensors::default()
                        .with(SideInput::Entropy, SideTensor::Token(entropy.clone()))
                        .with_token(
                            SideInput::LogpRollout,
                            batch.side.token(SideInput::LogpRollout).map(sel),
                        ),
                    max_completion_length: batch.max_completion_length,
                };
                // The loss carries the entropy bonus (`entropy_coeff`); the metric is the
                // token mean over kept completions.
                let out = algo::policy_loss(&knobs, &input)?;
                let weights = input.mask.clone() * input.kept.clone().unsqueeze_dim::<3>(2);
                let entropy = (entropy * weights.clone()).sum() / weights.sum().clamp_min(1.0);
                let objective = match expert {
                    Some((rows, _, _)) => out.loss.clone().mul_scalar(1.0 - rows.mu),
                    None => out.loss.clone(),
                };
                Ok((objective, (out, entropy)))
            },
        )?;
        let (grads, expert) = match expert {
            Some((rows, k, n)) => {
                let (sft, stats) = self.expert_gradients(rows, k, n)?;
                let grads = match sft {
                    Some(sft) => self.add_gradients(grads, sft),
                    None => grads,
                };
                (grads, Some(stats))
            }
            None => (grads, None),
        };
        let grad_norm = self.update(grads, self.config.train.learning_rate);
        self.after_rl_update();
        let critic = match (batch.side.token(SideInput::ValuesOld), &batch.value_targets) {
            (Some(values_old), Some(value_targets)) => self.critic_update(CriticBatch {
                prompts: &prompts,
                group_size: width,
                tokens: critic_tokens,
                values_old: sel(values_old),
                value_targets: sel(value_targets),
                mask: sel(&batch.mask),
                kept: batch.kept.clone().select(0, idx.clone()),
            }),
            _ => None,
        };
        let m = out.metrics;
        Ok(MinibatchStats {
            loss: out.loss.detach().inner(),
            kl: m.kl.inner(),
            entropy: entropy.detach().inner(),
            clip_frac_low: m.clip_ratio_low.inner(),
            clip_frac_high: m.clip_ratio_high.inner(),
            ratio_mean: m.ratio_mean.inner(),
            ratio_max: m.ratio_max.inner(),
            grad_norm,
            rollout: m.rollout,
            bounds: m.bounds.map(|b| Bounds {
                low: b.low.inner(),
                high: b.high.inner(),
            }),
            critic,
            expert,
        })
    }
}
