//! Gradients of a batch: scoring on several threads (each a run of whole groups through its own
//! copy of the parameters), the chain rule cut at log π to join them, the global-norm clip and
//! the optimizer step.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::tensor::{Int, Tensor};

use super::{TrainError, Trainer};
use crate::parallel::{Job, run_all, runs};
use crate::policy::{Transformer, completion_logprobs, completion_logprobs_and_sum_pi_squared};
use crate::tasks::TokenId;

/// Σ‖g‖² over a module's gradients, then (second pass) scales them by
/// min(1, max_norm/(‖g‖ + 1e-6)) — TRL's `max_grad_norm`, one norm over all parameters.
struct GlobalNorm<'a> {
    grads: &'a mut GradientsParams,
    squares: Option<Tensor<1>>,
    scale: Option<Tensor<1>>,
}

impl ModuleVisitor for GlobalNorm<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let Some(grad) = self.grads.remove::<D>(param.id) else {
            return;
        };
        let grad = match &self.scale {
            None => {
                let sq = grad.clone().powi_scalar(2).sum();
                self.squares = Some(match self.squares.take() {
                    Some(acc) => acc + sq,
                    None => sq,
                });
                grad
            }
            Some(scale) => grad * scale.clone().reshape([1; D]),
        };
        self.grads.register(param.id, grad);
    }
}

/// Clips `grads` to a global norm of `max_norm` in place; returns the norm before clipping, `[1]`.
pub(super) fn clip_global_norm(
    model: &Transformer,
    grads: &mut GradientsParams,
    max_norm: f64,
) -> Option<Tensor<1>> {
    let mut pass = GlobalNorm {
        grads,
        squares: None,
        scale: None,
    };
    model.visit(&mut pass);
    let norm = pass.squares.take()?.sqrt();
    pass.scale = Some(
        (norm.clone() + 1e-6)
            .recip()
            .mul_scalar(max_norm)
            .clamp_max(1.0),
    );
    model.visit(&mut pass);
    Some(norm)
}

/// Gives every parameter a fresh autodiff leaf (same `ParamId`, same values), so a copy of the
/// policy records its own graph, independent of other copies on other threads.
struct FreshLeaves;

impl ModuleMapper for FreshLeaves {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        param.map(|t| t.detach().require_grad())
    }
}

/// Adds the gradients of `parts` into `into`, parameter by parameter.
struct SumGradients<'a> {
    into: &'a mut GradientsParams,
    parts: &'a mut [GradientsParams],
}

impl ModuleVisitor for SumGradients<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let mut sum = self.into.remove::<D>(param.id);
        for part in self.parts.iter_mut() {
            if let Some(g) = part.remove::<D>(param.id) {
                sum = Some(match sum {
                    Some(s) => s + g,
                    None => g,
                });
            }
        }
        if let Some(sum) = sum {
            self.into.register(param.id, sum);
        }
    }
}

impl Trainer {
    /// log π and entropy of `tokens` (row r continues prompt r / group_size), `[B, L]` each, per run
    /// of whole groups, run i scored by `models[i]` on its own thread.
    fn score_runs(
        &self,
        models: &[&Transformer],
        prompts: &[Vec<TokenId>],
        group_size: usize,
        tokens: &Tensor<2, Int>,
        temperature: f64,
    ) -> Vec<(Tensor<2>, Tensor<2>)> {
        let jobs = runs(prompts.len(), models.len())
            .into_iter()
            .zip(models)
            .map(|(r, &model)| {
                let rows = tokens
                    .clone()
                    .narrow(0, r.start * group_size, r.len() * group_size);
                let prompts = &prompts[r];
                Box::new(move || completion_logprobs(model, prompts, group_size, rows, temperature))
                    as Job<'_, _>
            })
            .collect();
        run_all(jobs)
    }

    /// log π of `tokens` (row r continues prompt r / group_size) under `model`, a frozen copy
    /// (the reference, or the policy rescoring a lagging sampler's rollout), `[B, L]`.
    pub(super) fn logprobs_under(
        &self,
        model: &Transformer,
        prompts: &[Vec<TokenId>],
        group_size: usize,
        tokens: &Tensor<2, Int>,
    ) -> Tensor<2> {
        let models = vec![model; self.threads.min(prompts.len()).max(1)];
        let scored = self.score_runs(
            &models,
            prompts,
            group_size,
            tokens,
            self.config.train.temperature,
        );
        Tensor::cat(scored.into_iter().map(|(logp, _)| logp).collect(), 0)
    }

    /// log π of `tokens` under `model` (the policy rescoring a lagging sampler's rollout) and
    /// Σ_v π(v)² of each position, from the same pass, `[B, L]` each.
    pub(super) fn rescored_with_sum_pi_squared(
        &self,
        model: &Transformer,
        prompts: &[Vec<TokenId>],
        group_size: usize,
        tokens: &Tensor<2, Int>,
    ) -> (Tensor<2>, Tensor<2>) {
        let temperature = self.config.train.temperature;
        let jobs = runs(prompts.len(), self.threads)
            .into_iter()
            .map(|r| {
                let rows = tokens
                    .clone()
                    .narrow(0, r.start * group_size, r.len() * group_size);
                let prompts = &prompts[r];
                Box::new(move || {
                    completion_logprobs_and_sum_pi_squared(
                        model,
                        prompts,
                        group_size,
                        rows,
                        temperature,
                    )
                }) as Job<'_, _>
            })
            .collect();
        let (logp, squares): (Vec<_>, Vec<_>) = run_all(jobs).into_iter().unzip();
        (Tensor::cat(logp, 0), Tensor::cat(squares, 0))
    }

    /// The parameter gradients of an objective of this batch's log π and entropy (`[B, L]` each,
    /// row r continues prompt r / group_size), and what else `objective` returns.
    ///
    /// On several threads each takes a run of whole groups and scores it through its own copy of
    /// the parameters; `objective` sees the joined log π and entropy as leaves, and each thread
    /// backpropagates its rows' share of their gradient (the chain rule, cut at log π).
    pub(super) fn gradients<T>(
        &self,
        prompts: &[Vec<TokenId>],
        group_size: usize,
        tokens: Tensor<2, Int>,
        temperature: f64,
        objective: impl FnOnce(Tensor<2>, Tensor<2>) -> Result<(Tensor<1>, T), TrainError>,
    ) -> Result<(GradientsParams, T), TrainError> {
        let parts = runs(prompts.len(), self.threads);
        if parts.len() == 1 {
            let (logp, entropy) =
                completion_logprobs(&self.policy, prompts, group_size, tokens, temperature);
            let (loss, extra) = objective(logp, entropy)?;
            return Ok((
                GradientsParams::from_grads(loss.backward(), &self.policy),
                extra,
            ));
        }
        let copies: Vec<Transformer> = parts
            .iter()
            .map(|_| self.policy.clone().map(&mut FreshLeaves))
            .collect();
        let models: Vec<&Transformer> = copies.iter().collect();
        let scored = self.score_runs(&models, prompts, group_size, &tokens, temperature);
        let leaf = |pick: fn(&(Tensor<2>, Tensor<2>)) -> &Tensor<2>| {
            Tensor::cat(scored.iter().map(|s| pick(s).clone().detach()).collect(), 0).require_grad()
        };
        let (logp, entropy) = (leaf(|s| &s.0), leaf(|s| &s.1));
        let (loss, extra) = objective(logp.clone(), entropy.clone())?;
        let outer = loss.backward();
        let upstream = |t: &Tensor<2>| t.grad(&outer).map(Tensor::from_inner);
        let (d_logp, d_entropy) = (upstream(&logp), upstream(&entropy));
        let mut grads = run_all(
            parts
                .iter()
                .zip(scored)
                .zip(&copies)
                .map(|((r, (logp, entropy)), copy)| {
                    let rows = |d: &Option<Tensor<2>>| {
                        d.as_ref().map(|d| {
                            d.clone()
                                .narrow(0, r.start * group_size, r.len() * group_size)
                        })
                    };
                    let (d_logp, d_entropy) = (rows(&d_logp), rows(&d_entropy));
                    Box::new(move || {
                        let share = [(logp, d_logp), (entropy, d_entropy)]
                            .into_iter()
                            .filter_map(|(x, d)| d.map(|d| (x * d).sum()))
                            .reduce(|a, b| a + b);
                        share.map_or_else(GradientsParams::new, |s| {
                            GradientsParams::from_grads(s.backward(), copy)
                        })
                    }) as Job<'_, _>
                })
                .collect(),
        );
        let mut total = GradientsParams::new();
        self.policy.visit(&mut SumGradients {
            into: &mut total,
            parts: &mut grads,
        });
        Ok((total, extra))
    }

    /// The parameter-wise sum of two gradients (of two losses: the gradient of their sum).
    pub(super) fn add_gradients(
        &self,
        mut into: GradientsParams,
        part: GradientsParams,
    ) -> GradientsParams {
        self.policy.visit(&mut SumGradients {
            into: &mut into,
            parts: &mut [part],
        });
        into
    }

    /// Global-norm clip and optimizer step; returns the pre-clip gradient norm, `[1]`.
    pub(super) fn update(&mut self, mut grads: GradientsParams, lr: f64) -> Tensor<1> {
        let norm = clip_global_norm(&self.policy, &mut grads, self.config.train.max_grad_norm)
            .unwrap_or_else(|| Tensor::zeros([1], &self.device));
        self.policy = self.optimizer.step(lr, self.policy.clone(), grads);
        norm.inner()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::ModelConfig;
    use burn::tensor::Device;

    /// A tiny model and gradients of `scale`·Σ(its logits) w.r.t. its parameters.
    fn model_and_grads(scale: f64) -> (Transformer, GradientsParams) {
        let device = Device::flex().autodiff();
        device.seed(0);
        let model = ModelConfig {
            d_model: 8,
            n_layers: 1,
            n_heads: 2,
            context: 8,
        }
        .init(&device);
        let prompts = vec![vec![1, 3, 4]];
        let tokens = super::super::batch::pad_rows(&[vec![5, 2]], 2, &device);
        let (logp, _) = completion_logprobs(&model, &prompts, 1, tokens, 1.0);
        let grads = GradientsParams::from_grads((logp.sum().mul_scalar(scale)).backward(), &model);
        (model, grads)
    }

    fn norm(model: &Transformer, grads: &mut GradientsParams) -> f64 {
        clip_global_norm(model, grads, f64::INFINITY)
            .expect("the model has gradients")
            .into_scalar::<f64>()
    }

    #[test]
    fn clipping_scales_every_gradient_to_the_global_norm_and_leaves_small_ones_alone() {
        let (model, mut grads) = model_and_grads(100.0);
        let before = norm(&model, &mut grads);
        assert!(before > 1.0, "a norm worth clipping: {before}");
        let reported = clip_global_norm(&model, &mut grads, 1.0)
            .unwrap()
            .into_scalar::<f64>();
        assert!(
            (reported - before).abs() <= 1e-4 * before,
            "reports the norm before clipping"
        );
        let after = norm(&model, &mut grads);
        assert!(
            (after - 1.0).abs() < 1e-4,
            "clipped to max_grad_norm: {after}"
        );

        let (model, mut small) = model_and_grads(1e-3);
        let before = norm(&model, &mut small);
        clip_global_norm(&model, &mut small, 1.0);
        assert!(
            (norm(&model, &mut small) - before).abs() <= 1e-9,
            "under the limit: unchanged"
        );
    }
}
