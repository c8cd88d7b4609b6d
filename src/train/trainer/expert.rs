//! CHORD's expert rows (`algo.expert_data_ratio` > 0; arXiv 2508.11408, as Trinity-RFT's
//! `mix_chord`): each RL step draws E = [`chord::expert_rows`] training problems with their
//! solutions (the rows the supervised warm-up trains on) right after its rollout, from the run's
//! RNG (so a run without CHORD draws nothing and keeps its stream, and a resumed run draws the
//! same), and splits them in order across the step's minibatches; each update then follows the
//! gradient of (1 − μ)·(policy loss) + μ·(φ-weighted SFT loss of its expert rows), by two
//! backward passes whose gradients are summed before the global-norm clip (gradients are
//! linear, so this is exact). μ is [`chord::mu`] at the RL step index: the RL steps completed
//! before this one (0 on the first RL step, the warm-up's steps not counted), so the
//! schedule's warm-up starts at μ = 0 as Trinity's does at its step 0, and it depends on the
//! saved step count only.

use burn::optim::GradientsParams;
use burn::tensor::{Int, Tensor};

use super::batch::mask_rows;
use super::{TrainError, Trainer, pad_rows};
use crate::algo::chord;
use crate::tasks::{AnyProblem, TokenId};
use crate::train::host::upload;

/// One RL step's expert rows and μ.
pub(super) struct ExpertRows {
    pub prompts: Vec<Vec<TokenId>>,
    /// `[E, L]` the solutions, padded.
    pub tokens: Tensor<2, Int>,
    /// `[E, L]` 1 on each solution's tokens.
    pub mask: Tensor<2>,
    /// The SFT loss's weight this step.
    pub mu: f64,
}

/// What one update's expert rows measured, `[1]` each: their SFT loss, and 1 where the update
/// had expert rows (0 and 0 where it had none).
pub(super) struct ExpertStats {
    pub sft_loss: Tensor<1>,
    pub counted: Tensor<1>,
}

impl Trainer {
    /// μ at this RL step: the schedule at the number of RL steps completed before it.
    pub(super) fn chord_mu(&self) -> f64 {
        let rl_step = self.step.saturating_sub(self.config.train.sft_steps);
        chord::mu_of(&self.knobs, rl_step)
    }

    /// This step's expert rows, for a rollout of `rollout_rows` completions; none when CHORD is
    /// off (and then the RNG is not touched).
    pub(super) fn draw_expert_rows(&mut self, rollout_rows: usize) -> Option<ExpertRows> {
        let e = chord::expert_rows(self.knobs.expert_data_ratio, rollout_rows);
        if e == 0 {
            return None;
        }
        let l_max = self.config.train.max_completion_length;
        let problems: Vec<AnyProblem> = (0..e).map(|_| self.task.sample(&mut self.rng)).collect();
        let solutions: Vec<Vec<TokenId>> = problems.iter().map(AnyProblem::solution).collect();
        Some(ExpertRows {
            prompts: problems.into_iter().map(|p| p.prompt).collect(),
            tokens: pad_rows(&solutions, l_max, &self.device),
            mask: upload(mask_rows(&solutions, l_max), [e, l_max], &self.device),
            mu: self.chord_mu(),
        })
    }

    /// The gradient of μ·(SFT loss) on minibatch `k` of `n`'s share of `rows` (rows
    /// ⌊kE/n⌋ to ⌊(k+1)E/n⌋), and what it measured; no gradient where the share is empty.
    pub(super) fn expert_gradients(
        &self,
        rows: &ExpertRows,
        k: usize,
        n: usize,
    ) -> Result<(Option<GradientsParams>, ExpertStats), TrainError> {
        let e = rows.prompts.len();
        let (start, end) = (k * e / n, (k + 1) * e / n);
        if start == end {
            let zero: Tensor<1> = Tensor::zeros([1], &self.device).inner();
            let stats = ExpertStats {
                sft_loss: zero.clone(),
                counted: zero,
            };
            return Ok((None, stats));
        }
        let mask = rows.mask.clone().narrow(0, start, end - start);
        let tokens = rows.tokens.clone().narrow(0, start, end - start);
        let (phi, mu) = (self.knobs.enable_phi_function, rows.mu);
        // Trinity scores expert rows in the same forward as the rollout's, at its temperature.
        let (grads, loss) = self.gradients(
            &rows.prompts[start..end],
            1,
            tokens,
            self.config.train.temperature,
            |logp, _| {
                let loss = chord::sft_loss(logp, mask, phi);
                Ok((loss.clone().mul_scalar(mu), loss.detach()))
            },
        )?;
        let stats = ExpertStats {
            sft_loss: loss.inner(),
            counted: Tensor::<1>::ones([1], &self.device).inner(),
        };
        Ok((Some(grads), stats))
    }
}
