//! [`Trainer`]: one run of one preset on one task. [`Trainer::step`] reads top to bottom in the
//! order DESIGN.md's data flow runs.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::optim::{AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::{DType, Device, Int, Tensor, TensorData};
use rand::SeedableRng;
use rand::seq::SliceRandom;

use super::checkpoint::{Checkpoint, Header};
use super::metrics::{StepMetrics, length_by_correctness, zero_std_fraction};
use crate::algo::{self, AdvEstimator, Knobs, PolicyInput, Rollouts};
use crate::config::RunConfig;
use crate::error::ConfigError;
use crate::parallel::{Job, run_all, runs};
use crate::policy::{Completions, Sampling, Transformer, completion_logprobs, generate};
use crate::tasks::vocab::{EOS, PAD};
use crate::tasks::{AnyProblem, AnyTask, TaskRng, TokenId, Verdict};

/// Why a training call failed.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("device: {0}")]
    Device(String),
    #[error("checkpoint: {0}")]
    Checkpoint(String),
}

/// One sampled completion, kept for the sample viewer.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Sample {
    pub prompt: Vec<TokenId>,
    pub completion: Vec<TokenId>,
    pub reward: f64,
    pub correct: bool,
    pub advantage: f64,
    pub kept: bool,
    pub details: String,
    /// What the page draws besides the text ([`crate::tasks::Task::view`]).
    pub view: serde_json::Value,
}

/// Result of a greedy pass over the held-out set.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Evaluation {
    pub accuracy: f64,
    pub reward_mean: f64,
    pub regret: f64,
    /// Accuracy per difficulty label ([`Task::difficulty`]).
    pub by_difficulty: std::collections::BTreeMap<u32, f64>,
}

/// A policy, its optimizer, its task and the RNG that drives them.
pub struct Trainer {
    config: RunConfig,
    knobs: Knobs,
    task: AnyTask,
    device: Device,
    policy: Transformer,
    /// The frozen policy RL started from (after any warm-up), kept only when the objective
    /// needs it (β > 0).
    reference: Option<Transformer>,
    optimizer: ModuleOptimizer,
    rng: TaskRng,
    step: usize,
    samples: Vec<Sample>,
    last_batch: Option<TrainedBatch>,
    threads: usize,
    /// Live knobs set since the last step, reported in its metrics.
    live_changes: std::collections::BTreeMap<String, serde_json::Value>,
}

/// The rollout the last RL step trained on (before any filter), so another implementation can
/// compute the loss on exactly the same batch.
#[derive(Clone)]
pub struct TrainedBatch {
    pub prompts: Vec<Vec<TokenId>>,
    /// Completions per prompt; row r continues prompt r / group.
    pub group: usize,
    /// Each completion up to and including EOS.
    pub completions: Vec<Vec<TokenId>>,
    pub rewards: Vec<f64>,
    /// `[B, max_completion_length]` sampling-time log-probs, 0 after the end.
    pub logp_old: Tensor<2>,
}

/// Completions of a batch of prompts and their verdicts.
struct Rollout {
    problems: Vec<AnyProblem>,
    /// Completions per prompt in this rollout (G, or G+1 for MC-GRPO).
    group: usize,
    completions: Completions,
    verdicts: Vec<Verdict>,
    greedy_rewards: Option<Vec<f64>>,
    resample_rounds: usize,
    /// Groups with all-equal rewards in the first sampling round, before any resampling.
    zero_std_group_frac: f64,
}

/// Forces every lazily initialised parameter, so clones share weights instead of initialising
/// their own.
struct Materialize;

impl ModuleVisitor for Materialize {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let _ = param.val();
    }
}

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
fn clip_global_norm(
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

/// Host values → a device tensor in the policy's float dtype.
fn upload<const D: usize>(values: Vec<f32>, shape: [usize; D], device: &Device) -> Tensor<D> {
    Tensor::from_data(TensorData::new(values, shape), (device, DType::F32))
}

async fn read(tensor: Tensor<1>) -> Result<Vec<f64>, TrainError> {
    let data = tensor
        .into_data_async()
        .await
        .map_err(|e| TrainError::Device(format!("readback failed: {e:?}")))?;
    Ok(data.iter::<f64>().collect())
}

/// Wall-clock milliseconds (monotonic natively; `performance.now()` in the browser).
pub(crate) fn now_ms() -> f64 {
    #[cfg(not(target_arch = "wasm32"))]
    {
        use std::sync::OnceLock;
        static START: OnceLock<std::time::Instant> = OnceLock::new();
        START
            .get_or_init(std::time::Instant::now)
            .elapsed()
            .as_secs_f64()
            * 1e3
    }
    #[cfg(target_arch = "wasm32")]
    {
        performance_now()
    }
}

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// Sub-millisecond, in pages and workers alike (`Date.now()` ticks in whole ms).
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

impl Trainer {
    /// Builds the task and a freshly initialised policy on `device` (autodiff is added here).
    pub fn new(config: RunConfig, device: Device) -> Result<Self, TrainError> {
        config.validate()?;
        let knobs = config.algo.knobs().map_err(|e| e.within("algo"))?;
        let task = config
            .task
            .build(config.seed)
            .map_err(|e| e.within("task"))?;
        let l_max = config.train.max_completion_length;
        if l_max < task.max_solution_len() {
            return Err(ConfigError::out_of_range(
                "train.max_completion_length",
                l_max,
                &format!(
                    ">= {} (the task's longest solution)",
                    task.max_solution_len()
                ),
            )
            .into());
        }
        if task.max_prompt_len() + l_max > config.model.context {
            return Err(ConfigError::out_of_range(
                "model.context",
                config.model.context,
                &format!(
                    ">= {} (longest prompt + max_completion_length)",
                    task.max_prompt_len() + l_max
                ),
            )
            .into());
        }
        let device = device.autodiff();
        let policy = {
            // The device's generator is shared by every run in the process: seeding and drawing
            // the initial weights as one step keeps runs built concurrently deterministic.
            static INIT: std::sync::Mutex<()> = std::sync::Mutex::new(());
            let _one_at_a_time = INIT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            device.seed(config.seed);
            let policy = config.model.init(&device);
            policy.visit(&mut Materialize);
            policy
        };
        let optimizer = fresh_optimizer(&config);
        let rng = TaskRng::seed_from_u64(config.seed);
        Ok(Self {
            config,
            knobs,
            task,
            device,
            policy,
            reference: None,
            optimizer,
            rng,
            step: 0,
            samples: Vec::new(),
            last_batch: None,
            threads: 1,
            live_changes: Default::default(),
        })
    }

    pub fn config(&self) -> &RunConfig {
        &self.config
    }

    pub fn task(&self) -> &AnyTask {
        &self.task
    }

    pub fn policy(&self) -> &Transformer {
        &self.policy
    }

    /// Runs scoring and gradients on up to `threads` threads (CPU backend, natively; 1 by
    /// default). Each thread takes a run of whole groups; the results are the same maths
    /// summed in another order, so they differ from a 1-thread run by float rounding only.
    pub fn set_threads(&mut self, threads: usize) {
        self.threads = threads.max(1);
    }

    /// log π and entropy of `tokens` (row r continues prompt r / group), `[B, L]` each, per run
    /// of whole groups, run i scored by `models[i]` on its own thread.
    fn score_runs(
        &self,
        models: &[&Transformer],
        prompts: &[Vec<TokenId>],
        group: usize,
        tokens: &Tensor<2, Int>,
        temperature: f64,
    ) -> Vec<(Tensor<2>, Tensor<2>)> {
        let jobs = runs(prompts.len(), models.len())
            .into_iter()
            .zip(models)
            .map(|(r, &model)| {
                let rows = tokens.clone().narrow(0, r.start * group, r.len() * group);
                let prompts = &prompts[r];
                Box::new(move || completion_logprobs(model, prompts, group, rows, temperature))
                    as Job<'_, _>
            })
            .collect();
        run_all(jobs)
    }

    /// log π of `tokens` (row r continues prompt r / group) under the frozen reference, `[B, L]`.
    fn reference_logprobs(
        &self,
        reference: &Transformer,
        prompts: &[Vec<TokenId>],
        group: usize,
        tokens: &Tensor<2, Int>,
    ) -> Tensor<2> {
        let models = vec![reference; self.threads.min(prompts.len()).max(1)];
        let scored = self.score_runs(
            &models,
            prompts,
            group,
            tokens,
            self.config.train.temperature,
        );
        Tensor::cat(scored.into_iter().map(|(logp, _)| logp).collect(), 0)
    }

    /// The parameter gradients of an objective of this batch's log π and entropy (`[B, L]` each,
    /// row r continues prompt r / group), and what else `objective` returns.
    ///
    /// On several threads each takes a run of whole groups and scores it through its own copy of
    /// the parameters; `objective` sees the joined log π and entropy as leaves, and each thread
    /// backpropagates its rows' share of their gradient (the chain rule, cut at log π).
    fn gradients<T>(
        &self,
        prompts: &[Vec<TokenId>],
        group: usize,
        tokens: Tensor<2, Int>,
        temperature: f64,
        objective: impl FnOnce(Tensor<2>, Tensor<2>) -> Result<(Tensor<1>, T), TrainError>,
    ) -> Result<(GradientsParams, T), TrainError> {
        let parts = runs(prompts.len(), self.threads);
        if parts.len() == 1 {
            let (logp, entropy) =
                completion_logprobs(&self.policy, prompts, group, tokens, temperature);
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
        let scored = self.score_runs(&models, prompts, group, &tokens, temperature);
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
                        d.as_ref()
                            .map(|d| d.clone().narrow(0, r.start * group, r.len() * group))
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

    /// Changes live knobs between steps, e.g. `{"train": {"learning_rate": 1e-4}, "algo":
    /// {"epsilon": 0.1}}` (the knobs whose schema entry is `live`); the next step's metrics
    /// list the change. Anything else, or a value out of range, is refused naming the field, and
    /// then nothing changes.
    pub fn set_live(&mut self, changes: &serde_json::Value) -> Result<(), ConfigError> {
        let live: Vec<String> = super::schema::knobs_of(&self.config.task)
            .filter(|(_, k)| k.live)
            .map(|(section, k)| format!("{section}.{}", k.key))
            .collect();
        let sections = changes.as_object().ok_or_else(|| {
            ConfigError::new(
                "",
                format!("live changes must be an object like {{\"train\": {{\"learning_rate\": 0.0001}}}}; live knobs: {}", live.join(", ")),
            )
        })?;
        let mut config = serde_json::to_value(&self.config).expect("a RunConfig serialises");
        let mut changed = std::collections::BTreeMap::new();
        for (section, knobs) in sections {
            let knobs = knobs.as_object().ok_or_else(|| {
                ConfigError::new(section.as_str(), "must be an object of knob values")
            })?;
            for (key, value) in knobs {
                let path = format!("{section}.{key}");
                if !live.contains(&path) {
                    let known = super::schema::knobs_of(&self.config.task)
                        .any(|(s, k)| s == section && k.key == key);
                    let what = if known {
                        "is a restart knob: it takes effect when the run is reset"
                    } else {
                        "is not a knob"
                    };
                    return Err(ConfigError::new(
                        path,
                        format!("{what}; live knobs: {}", live.join(", ")),
                    ));
                }
                config[section.as_str()][key.as_str()] = value.clone();
                changed.insert(path, value.clone());
            }
        }
        let config: RunConfig = crate::error::from_json_value(config)?;
        config.validate()?;
        self.knobs = config.algo.knobs().map_err(|e| e.within("algo"))?;
        self.config = config;
        self.live_changes.extend(changed);
        Ok(())
    }

    /// The frozen KL anchor: the policy RL started from.
    pub fn reference(&self) -> Option<&Transformer> {
        self.reference.as_ref()
    }

    /// The batch the last RL step trained on.
    pub fn last_batch(&self) -> Option<&TrainedBatch> {
        self.last_batch.as_ref()
    }

    /// Steps finished so far (warm-up included).
    pub fn steps_done(&self) -> usize {
        self.step
    }

    /// Warm-up plus RL steps of the whole run.
    pub fn total_steps(&self) -> usize {
        self.config.train.sft_steps + self.config.train.steps
    }

    /// Completions of the last rollout's first groups, for the sample viewer.
    pub fn samples(&self) -> &[Sample] {
        &self.samples
    }

    /// Completions sampled per prompt: G, plus MC-GRPO's pivot.
    fn group(&self) -> usize {
        let g = self.config.train.num_generations;
        if self.knobs.adv_estimator == AdvEstimator::McGrpo {
            g + 1
        } else {
            g
        }
    }

    fn sampling(&self, greedy: bool) -> Sampling {
        Sampling {
            temperature: self.config.train.temperature,
            top_p: self.config.train.top_p,
            greedy,
        }
    }

    /// One step: a supervised warm-up step for the first `sft_steps`, then RL steps.
    pub async fn step(&mut self) -> Result<StepMetrics, TrainError> {
        let start = now_ms();
        let mut metrics = if self.step < self.config.train.sft_steps {
            self.sft_step().await?
        } else {
            self.rl_step().await?
        };
        self.step += 1;
        metrics.step = self.step;
        // Also at the end of the warm-up: where RL starts is what a comparison measures from.
        let t = &self.config.train;
        if self.step.is_multiple_of(t.eval_every)
            || (t.sft_steps > 0 && self.step == t.sft_steps)
            || self.step == self.total_steps()
        {
            let eval = self.evaluate().await?;
            metrics.eval_accuracy = Some(eval.accuracy);
            if eval.by_difficulty.len() > 1 {
                metrics.eval_by_difficulty = Some(eval.by_difficulty);
            }
        }
        if !self.live_changes.is_empty() {
            metrics.live_changes = Some(std::mem::take(&mut self.live_changes));
        }
        metrics.wall_ms = now_ms() - start;
        metrics.tokens_per_s = metrics.completion_len_mean
            * (self.config.train.prompts_per_step * self.group()) as f64
            / (metrics.wall_ms / 1e3).max(1e-9);
        Ok(metrics)
    }

    /// Samples `count` prompts' groups and verifies them.
    async fn sample_groups(&mut self, count: usize) -> Result<Rollout, TrainError> {
        let problems: Vec<AnyProblem> = (0..count)
            .map(|_| self.task.sample(&mut self.rng))
            .collect();
        let prompts: Vec<Vec<TokenId>> = problems.iter().map(|p| p.prompt.clone()).collect();
        let group = self.group();
        let l_max = self.config.train.max_completion_length;
        let inference = self.policy.valid();
        let completions = generate(
            &inference,
            &prompts,
            group,
            l_max,
            self.sampling(false),
            &mut self.rng,
            self.threads,
        )
        .await
        .map_err(TrainError::Device)?;
        let verdicts: Vec<Verdict> = completions
            .tokens
            .iter()
            .enumerate()
            .map(|(row, tokens)| problems[row / group].verify(tokens, &mut self.rng))
            .collect();
        // ReMax's baseline: the reward of one greedy completion per prompt.
        let greedy_rewards = if self.knobs.adv_estimator == AdvEstimator::Remax {
            let greedy = generate(
                &inference,
                &prompts,
                1,
                l_max,
                self.sampling(true),
                &mut self.rng,
                self.threads,
            )
            .await
            .map_err(TrainError::Device)?;
            Some(
                greedy
                    .tokens
                    .iter()
                    .zip(&problems)
                    .map(|(tokens, problem)| problem.verify(tokens, &mut self.rng).reward)
                    .collect(),
            )
        } else {
            None
        };
        let rewards: Vec<f64> = verdicts.iter().map(|v: &Verdict| v.reward).collect();
        Ok(Rollout {
            zero_std_group_frac: zero_std_fraction(&rewards, group),
            problems,
            group,
            completions,
            verdicts,
            greedy_rewards,
            resample_rounds: 0,
        })
    }

    /// Steps 1–3: sample prompts, generate, verify. With dynamic sampling, groups whose rewards
    /// are all equal are replaced by fresh ones for up to `MAX_RESAMPLE_ROUNDS` extra rounds.
    async fn rollout(&mut self) -> Result<Rollout, TrainError> {
        const MAX_RESAMPLE_ROUNDS: usize = 3;
        let want = self.config.train.prompts_per_step;
        let mut rollout = self.sample_groups(want).await?;
        if !self.knobs.dynamic_sampling {
            return Ok(rollout);
        }
        let informative = |r: &Rollout, p: usize| {
            let rewards = r.verdicts[p * r.group..(p + 1) * r.group]
                .iter()
                .map(|v| v.reward);
            rewards.clone().fold(f64::INFINITY, f64::min)
                < rewards.fold(f64::NEG_INFINITY, f64::max)
        };
        for round in 1..=MAX_RESAMPLE_ROUNDS {
            let degenerate: Vec<usize> = (0..want).filter(|&p| !informative(&rollout, p)).collect();
            if degenerate.is_empty() {
                break;
            }
            let fresh = self.sample_groups(degenerate.len()).await?;
            let good: Vec<usize> = (0..degenerate.len())
                .filter(|&p| informative(&fresh, p))
                .collect();
            rollout = replace_groups(rollout, &degenerate, fresh, &good);
            rollout.resample_rounds = round;
        }
        Ok(rollout)
    }

    /// One supervised step: −mean log π(solution token) on solved training problems.
    async fn sft_step(&mut self) -> Result<StepMetrics, TrainError> {
        let n = self.config.train.prompts_per_step;
        let l_max = self.config.train.max_completion_length;
        let problems: Vec<AnyProblem> = (0..n).map(|_| self.task.sample(&mut self.rng)).collect();
        let prompts: Vec<Vec<TokenId>> = problems.iter().map(|p| p.prompt.clone()).collect();
        let solutions: Vec<Vec<TokenId>> = problems.iter().map(AnyProblem::solution).collect();
        let tokens = pad_rows(&solutions, l_max, &self.device);
        let mask = upload(mask_rows(&solutions, l_max), [n, l_max], &self.device);
        let (grads, loss) = self.gradients(&prompts, 1, tokens, 1.0, |logp, _| {
            let loss = (logp * mask.clone()).sum().neg() / mask.sum();
            Ok((loss.clone(), loss.detach()))
        })?;
        let grad_norm = self.update(grads, self.config.train.sft_learning_rate);
        let values = read(Tensor::cat(vec![loss.inner(), grad_norm], 0)).await?;
        Ok(StepMetrics {
            phase: super::Phase::Sft,
            loss: values[0],
            grad_norm: values[1],
            lr: self.config.train.sft_learning_rate,
            ..StepMetrics::default()
        })
    }

    /// Global-norm clip and optimizer step; returns the pre-clip gradient norm, `[1]`.
    fn update(&mut self, mut grads: GradientsParams, lr: f64) -> Tensor<1> {
        let norm = clip_global_norm(&self.policy, &mut grads, self.config.train.max_grad_norm)
            .unwrap_or_else(|| Tensor::zeros([1], &self.device));
        self.policy = self.optimizer.step(lr, self.policy.clone(), grads);
        norm.inner()
    }

    /// One RL step: rollout → advantages → `num_iterations` epochs of minibatch updates.
    async fn rl_step(&mut self) -> Result<StepMetrics, TrainError> {
        if self.step == self.config.train.sft_steps && self.step > 0 {
            // RL starts from the warm-up's weights with an optimizer of its own, as an RLVR run
            // starts from its SFT checkpoint (TRL's and verl's RL trainers build a fresh one).
            // So no variant inherits moments of the cross-entropy, and a branch from a warm-up
            // checkpoint needs no optimizer state.
            self.optimizer = fresh_optimizer(&self.config);
        }
        if self.reference.is_none() {
            // The KL anchor is the policy RL starts from, as RLVR anchors to its base model. It
            // is kept even at β = 0 (a copy of the weights), so a live β has it to anchor to.
            self.reference = Some(self.policy.valid());
        }
        let start = now_ms();
        let rollout = self.rollout().await?;
        let rollout_ms = now_ms() - start;
        let (p, g, l) = (
            rollout.problems.len(),
            rollout.group,
            self.config.train.max_completion_length,
        );
        let device = self.device.clone();
        let flags = |f: &dyn Fn(&Verdict, usize) -> bool| -> Vec<f32> {
            rollout
                .verdicts
                .iter()
                .enumerate()
                .map(|(i, v)| if f(v, i) { 1.0 } else { 0.0 })
                .collect()
        };
        let tokens = &rollout.completions.tokens;
        let logp_old = rollout.completions.logp.clone().reshape([p, g, l]);
        let prompts: Vec<Vec<TokenId>> =
            rollout.problems.iter().map(|p| p.prompt.clone()).collect();
        self.last_batch = Some(TrainedBatch {
            prompts: prompts.clone(),
            group: g,
            completions: tokens.clone(),
            rewards: rollout.verdicts.iter().map(|v| v.reward).collect(),
            logp_old: rollout.completions.logp.clone(),
        });
        let token_tensor = rollout.completions.token_tensor.clone().reshape([p, g, l]);
        let scores_reference = self.knobs.needs_reference() || self.config.train.log_kl;
        let scored_ref = self
            .reference
            .as_ref()
            .filter(|_| scores_reference)
            .map(|reference| {
                self.reference_logprobs(reference, &prompts, g, &rollout.completions.token_tensor)
                    .reshape([p, g, l])
            });
        // Only an objective with a KL term sees the reference; otherwise (`log_kl`) its KL is
        // measured on the rollout, k3 of the sampling-time log-probs.
        let mask = upload(mask_rows(tokens, l), [p, g, l], &device);
        let (logp_ref, kl_diagnostic) = match scored_ref {
            Some(r) if !self.knobs.needs_reference() => {
                let k3 = algo::KlEstimator::K3.penalty(r - logp_old.clone()) * mask.clone();
                (None, Some(k3.sum() / mask.clone().sum().clamp_min(1.0)))
            }
            other => (other, None),
        };
        let rollouts = Rollouts {
            rewards: upload(
                rollout.verdicts.iter().map(|v| v.reward as f32).collect(),
                [p, g],
                &device,
            ),
            correct: upload(flags(&|v, _| v.correct), [p, g], &device),
            truncated: upload(
                flags(&|_, i| rollout.completions.truncated[i]),
                [p, g],
                &device,
            ),
            mask,
            logp_old,
            logp_ref,
            greedy_reward: rollout
                .greedy_rewards
                .as_ref()
                .map(|r| upload(r.iter().map(|&x| x as f32).collect(), [p], &device)),
            max_completion_length: l,
        };

        // Step 4: advantages and filters, then one readback of the keep flags (and advantages,
        // for the sample viewer; and the `log_kl` diagnostic, known by now) to drop what the
        // loss will not see before any forward pass.
        let adv = algo::advantages(&self.knobs, &rollouts)?;
        let seq_adv = adv.advantages.clone().narrow(2, 0, 1).reshape([p * g]);
        let mut readback = vec![adv.kept.clone().reshape([p * g]), seq_adv];
        readback.extend(kl_diagnostic);
        let host = read(Tensor::cat(readback, 0)).await?;
        let (kept_host, rest) = host.split_at(p * g);
        let (adv_host, kl_host) = rest.split_at(p * g);
        self.record_samples(&rollout, kept_host, adv_host);
        let layout = Compaction::plan(kept_host, p, g);

        // Steps 5–8 for each minibatch of whole groups, num_iterations times.
        let n_groups = layout.groups.len();
        let mut sums: Option<Tensor<1>> = None;
        let mut updates = 0;
        if n_groups > 0 {
            let select = |t: Tensor<3>| layout.apply(t, &device);
            let batch_tokens = layout.apply_int(token_tensor, &device);
            let batch = PolicyInput {
                logp: select(rollouts.logp_old.clone()), // replaced per minibatch
                logp_old: select(rollouts.logp_old),
                logp_ref: rollouts.logp_ref.map(select),
                mask: select(rollouts.mask),
                advantages: select(adv.advantages),
                kept: select(adv.kept.unsqueeze_dim::<3>(2)).squeeze_dim::<2>(2),
                max_completion_length: l,
            };
            let batch_prompts: Vec<Vec<TokenId>> =
                layout.groups.iter().map(|&i| prompts[i].clone()).collect();
            let per_minibatch = n_groups.div_ceil(self.config.train.minibatches);
            let mut order: Vec<usize> = (0..n_groups).collect();
            for epoch in 0..self.config.train.num_iterations {
                if epoch > 0 {
                    order.shuffle(&mut self.rng);
                }
                let last = epoch + 1 == self.config.train.num_iterations;
                for chunk in order.chunks(per_minibatch) {
                    let stats = self.minibatch_update(
                        chunk,
                        &batch,
                        &batch_tokens,
                        &batch_prompts,
                        layout.width,
                    )?;
                    if last {
                        sums = Some(match sums.take() {
                            Some(s) => s + stats,
                            None => stats,
                        });
                        updates += 1;
                    }
                }
            }
        }
        let mut stats = match sums {
            Some(s) => read(s.div_scalar(updates as f64)).await?,
            None => vec![0.0; 9],
        };
        if let Some(&kl) = kl_host.first() {
            stats[1] = kl;
        }
        let mut metrics = self.rollout_metrics(&rollout, &stats, kept_host);
        metrics.rollout_ms = rollout_ms;
        metrics.update_ms = now_ms() - start - rollout_ms;
        Ok(metrics)
    }

    /// One update on the groups `chunk` of the compacted batch; returns its statistics
    /// `[loss, kl, entropy, clip_low, clip_high, ratio_mean, ratio_max, kept_frac, grad_norm]`.
    fn minibatch_update(
        &mut self,
        chunk: &[usize],
        batch: &PolicyInput,
        tokens: &Tensor<3, Int>,
        prompts: &[Vec<TokenId>],
        width: usize,
    ) -> Result<Tensor<1>, TrainError> {
        let idx = Tensor::<1, Int>::from_data(
            TensorData::new(
                chunk.iter().map(|&i| i as i64).collect::<Vec<_>>(),
                [chunk.len()],
            ),
            &self.device,
        );
        let sel = |t: &Tensor<3>| t.clone().select(0, idx.clone());
        let [_, _, l] = batch.mask.dims();
        let mb_prompts: Vec<Vec<TokenId>> = chunk.iter().map(|&i| prompts[i].clone()).collect();
        let mb_tokens = tokens
            .clone()
            .select(0, idx.clone())
            .reshape([chunk.len() * width, l]);
        let (knobs, entropy_coef) = (self.knobs, self.config.train.entropy_coef);
        let (grads, (out, entropy)) = self.gradients(
            &mb_prompts,
            width,
            mb_tokens,
            self.config.train.temperature,
            |logp, entropy| {
                let input = PolicyInput {
                    logp: logp.reshape([chunk.len(), width, l]),
                    logp_old: sel(&batch.logp_old),
                    logp_ref: batch.logp_ref.as_ref().map(sel),
                    mask: sel(&batch.mask),
                    advantages: sel(&batch.advantages),
                    kept: batch.kept.clone().select(0, idx.clone()),
                    max_completion_length: batch.max_completion_length,
                };
                let out = algo::policy_loss(&knobs, &input)?;
                let weights = input.mask.clone() * input.kept.clone().unsqueeze_dim::<3>(2);
                let entropy = (entropy.reshape([chunk.len(), width, l]) * weights.clone()).sum()
                    / weights.sum().clamp_min(1.0);
                let objective = if entropy_coef > 0.0 {
                    out.loss.clone() - entropy.clone().mul_scalar(entropy_coef)
                } else {
                    out.loss.clone()
                };
                Ok((objective, (out, entropy)))
            },
        )?;
        let grad_norm = self.update(grads, self.config.train.learning_rate);
        let m = out.metrics;
        Ok(Tensor::cat(
            vec![
                out.loss.detach().inner(),
                m.kl.inner(),
                entropy.detach().inner(),
                m.clip_ratio_low.inner(),
                m.clip_ratio_high.inner(),
                m.ratio_mean.inner(),
                m.ratio_max.inner(),
                m.kept_frac.inner(),
                grad_norm,
            ],
            0,
        ))
    }

    fn record_samples(&mut self, rollout: &Rollout, kept: &[f64], advantages: &[f64]) {
        const SHOWN_GROUPS: usize = 4;
        let rows = (rollout.problems.len().min(SHOWN_GROUPS)) * rollout.group;
        self.samples = (0..rows)
            .map(|r| {
                let v = &rollout.verdicts[r];
                Sample {
                    prompt: rollout.problems[r / rollout.group].prompt.clone(),
                    completion: rollout.completions.tokens[r].clone(),
                    reward: v.reward,
                    correct: v.correct,
                    advantage: advantages[r],
                    kept: kept[r] > 0.5,
                    details: v.details.clone(),
                    view: rollout.problems[r / rollout.group].view(&rollout.completions.tokens[r]),
                }
            })
            .collect();
    }

    fn rollout_metrics(&self, rollout: &Rollout, stats: &[f64], kept: &[f64]) -> StepMetrics {
        let n = rollout.verdicts.len() as f64;
        let rewards: Vec<f64> = rollout.verdicts.iter().map(|v| v.reward).collect();
        let mean = rewards.iter().sum::<f64>() / n;
        let std =
            (rewards.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
        let lengths: Vec<usize> = rollout.completions.tokens.iter().map(Vec::len).collect();
        let correct: Vec<bool> = rollout.verdicts.iter().map(|v| v.correct).collect();
        let (completion_len_correct, completion_len_incorrect) =
            length_by_correctness(&lengths, &correct);
        StepMetrics {
            reward_mean: mean,
            reward_std: std,
            accuracy: rollout.verdicts.iter().filter(|v| v.correct).count() as f64 / n,
            regret: rollout.verdicts.iter().map(|v| v.regret).sum::<f64>() / n,
            loss: stats[0],
            kl: stats[1],
            entropy: stats[2],
            clip_frac_low: stats[3],
            clip_frac_high: stats[4],
            ratio_mean: stats[5],
            ratio_max: stats[6],
            completion_len_mean: lengths.iter().sum::<usize>() as f64 / n,
            completion_len_min: lengths.iter().copied().min().unwrap_or(0),
            completion_len_max: lengths.iter().copied().max().unwrap_or(0),
            completion_len_correct,
            completion_len_incorrect,
            truncated_frac: rollout.completions.truncated.iter().filter(|&&t| t).count() as f64 / n,
            zero_std_group_frac: rollout.zero_std_group_frac,
            kept_frac: kept.iter().sum::<f64>() / n,
            resample_rounds: rollout.resample_rounds,
            grad_norm: stats[8],
            lr: self.config.train.learning_rate,
            prompt_tokens_encoded: rollout.completions.prompt_tokens_encoded,
            ..StepMetrics::default()
        }
    }

    /// Greedy completions of the held-out set: accuracy, mean reward, mean regret. Uses its own
    /// RNG stream, so evaluating never changes the training run.
    pub async fn evaluate(&self) -> Result<Evaluation, TrainError> {
        let mut rng = TaskRng::seed_from_u64(self.config.seed ^ 0x5EED_E7A1);
        self.evaluate_on(self.task.eval_set(), &mut rng).await
    }

    /// The greedy completion of each problem.
    pub async fn greedy_completions(
        &self,
        problems: &[AnyProblem],
    ) -> Result<Vec<Vec<TokenId>>, TrainError> {
        const CHUNK: usize = 128;
        let inference = self.policy.valid();
        let mut unused = TaskRng::seed_from_u64(0); // greedy decoding draws no noise
        let mut out = Vec::with_capacity(problems.len());
        for chunk in problems.chunks(CHUNK) {
            let prompts: Vec<Vec<TokenId>> = chunk.iter().map(|p| p.prompt.clone()).collect();
            let l_max = self.config.train.max_completion_length;
            let generated = generate(
                &inference,
                &prompts,
                1,
                l_max,
                self.sampling(true),
                &mut unused,
                self.threads,
            )
            .await
            .map_err(TrainError::Device)?;
            out.extend(generated.tokens);
        }
        Ok(out)
    }

    /// Greedy accuracy, mean reward and regret on any list of problems.
    pub async fn evaluate_on(
        &self,
        problems: &[AnyProblem],
        rng: &mut TaskRng,
    ) -> Result<Evaluation, TrainError> {
        let completions = self.greedy_completions(problems).await?;
        let (mut correct, mut reward, mut regret) = (0.0, 0.0, 0.0);
        let mut by_difficulty = std::collections::BTreeMap::<u32, (f64, f64)>::new();
        for (problem, tokens) in problems.iter().zip(&completions) {
            let v = problem.verify(tokens, rng);
            correct += v.correct as u8 as f64;
            reward += v.reward;
            regret += v.regret;
            let tally = by_difficulty.entry(problem.difficulty()).or_default();
            *tally = (tally.0 + v.correct as u8 as f64, tally.1 + 1.0);
        }
        let n = problems.len().max(1) as f64;
        Ok(Evaluation {
            accuracy: correct / n,
            reward_mean: reward / n,
            regret: regret / n,
            by_difficulty: by_difficulty
                .into_iter()
                .map(|(label, (right, count))| (label, right / count))
                .collect(),
        })
    }

    /// The policy's next-token distribution after `prompt` (temperature 1), e.g. a bandit's arm
    /// probabilities.
    pub async fn next_token_probs(&self, prompt: &[TokenId]) -> Result<Vec<f64>, TrainError> {
        let inference = self.policy.valid();
        let device = inference.device();
        let batch = crate::policy::Batch::new(&[prompt.to_vec()], 1, &device);
        let mut cache = inference.empty_cache(1, &device);
        let logits = inference.forward(batch.tokens, batch.positions, batch.pad, &mut cache);
        let [_, s, v] = logits.dims();
        let probs = burn::tensor::activation::softmax(logits.narrow(1, s - 1, 1).reshape([v]), 0);
        read(probs).await
    }

    /// The objective on a fixed batch under the current weights, without updating: up to four
    /// held-out prompts, each with its solution and three corrupted copies as the group. The same
    /// weights give the same loss on every backend, which is what this is for.
    pub async fn probe_loss(&self) -> Result<f64, TrainError> {
        let problems: Vec<AnyProblem> = self.task.eval_set().iter().take(4).cloned().collect();
        let l_max = self.config.train.max_completion_length;
        let group = 4;
        let mut rng = TaskRng::seed_from_u64(self.config.seed);
        let mut completions = Vec::new();
        let mut rewards = Vec::new();
        for problem in &problems {
            let solution = problem.solution();
            for variant in 0..group {
                let mut tokens = solution.clone();
                if variant > 0 {
                    // Corrupt one position with a neighbouring token id, never PAD or BOS
                    // (which a completion cannot contain).
                    let at = (variant - 1) % tokens.len();
                    let ordinary = crate::tasks::VOCAB_SIZE as TokenId - EOS;
                    tokens[at] = EOS + (tokens[at] - EOS + variant as TokenId) % ordinary;
                }
                tokens.truncate(l_max);
                rewards.push(problem.verify(&tokens, &mut rng).reward as f32);
                completions.push(tokens);
            }
        }
        let p = problems.len();
        let prompts: Vec<Vec<TokenId>> = problems.iter().map(|p| p.prompt.clone()).collect();
        let tokens = pad_rows(&completions, l_max, &self.device);
        let inference = self.policy.valid();
        let (logp, _) = completion_logprobs(
            &inference,
            &prompts,
            group,
            tokens,
            self.config.train.temperature,
        );
        let logp = logp.reshape([p, group, l_max]);
        let mask = upload(
            mask_rows(&completions, l_max),
            [p, group, l_max],
            &self.device,
        )
        .inner();
        let zeros = || upload(vec![0.0; p * group], [p, group], &self.device).inner();
        // A fixed behaviour and reference policy (log π = −2 per token), so the ratio and the
        // KL term depend on the weights.
        let fixed = mask.clone().mul_scalar(-2.0);
        let rollouts = Rollouts {
            rewards: upload(rewards, [p, group], &self.device).inner(),
            correct: zeros(),
            truncated: zeros(),
            mask: mask.clone(),
            logp_old: fixed.clone(),
            logp_ref: Some(fixed.clone()),
            greedy_reward: Some(upload(vec![0.0; p], [p], &self.device).inner()),
            max_completion_length: l_max,
        };
        let adv = algo::advantages(&self.knobs, &rollouts)?;
        let out = algo::policy_loss(
            &self.knobs,
            &PolicyInput {
                logp,
                logp_old: fixed.clone(),
                logp_ref: Some(fixed),
                mask,
                advantages: adv.advantages,
                kept: adv.kept,
                max_completion_length: l_max,
            },
        )?;
        Ok(read(out.loss).await?[0])
    }

    /// Serialises the whole training state. Weights are read back asynchronously (a synchronous
    /// readback of a WebGPU tensor kills a browser instance); the optimizer's moments, which burn
    /// only reads synchronously, are saved from the CPU device alone, so a run saved on a GPU
    /// resumes with fresh Adam moments.
    pub async fn save(&self) -> Result<Vec<u8>, TrainError> {
        let failed = |e: burn::store::RecordError| TrainError::Checkpoint(format!("{e:?}"));
        let record = async |m: &Transformer| -> Result<Vec<u8>, TrainError> {
            let bytes = to_cpu(m)
                .await?
                .into_record()
                .into_bytes()
                .map_err(failed)?;
            Ok(bytes.to_vec())
        };
        let on_cpu = self.device == Device::flex();
        Checkpoint {
            header: Header {
                config: self.config.clone(),
                step: self.step,
                rng: self.rng.clone(),
            },
            policy: record(&self.policy).await?,
            optimizer: if on_cpu {
                self.optimizer.into_bytes().map_err(failed)?.to_vec()
            } else {
                Vec::new()
            },
            reference: match &self.reference {
                Some(r) => record(r).await?,
                None => Vec::new(),
            },
        }
        .to_bytes()
        .map_err(TrainError::Checkpoint)
    }

    /// Restores a state written by [`Trainer::save`] on `device`.
    pub fn load(bytes: &[u8], device: Device) -> Result<Self, TrainError> {
        Self::branch(bytes, None, device)
    }

    /// The config a checkpoint was saved with.
    pub fn saved_config(bytes: &[u8]) -> Result<RunConfig, TrainError> {
        Ok(Checkpoint::from_bytes(bytes)
            .map_err(TrainError::Checkpoint)?
            .header
            .config)
    }

    /// Continues a state written by [`Trainer::save`] under `config` (the saved one when
    /// `None`), which may change the optimizer and the RL phase's knobs but not the task, model,
    /// seed or warm-up ([`RunConfig::check_branch`]). Branching every variant from one warm-up
    /// checkpoint trains exactly what each would have trained from scratch, since the warm-up
    /// reads no optimizer knob.
    pub fn branch(
        bytes: &[u8],
        config: Option<RunConfig>,
        device: Device,
    ) -> Result<Self, TrainError> {
        let ckpt = Checkpoint::from_bytes(bytes).map_err(TrainError::Checkpoint)?;
        let saved = ckpt.header.config;
        let config = match config {
            Some(c) => {
                c.check_branch(&saved, ckpt.header.step)?;
                c
            }
            None => saved,
        };
        let mut trainer = Self::new(config, device)?;
        let record = |b: Vec<u8>| {
            burn::store::ModuleRecord::from_bytes(burn::tensor::Bytes::from_bytes_vec(b))
                .map_err(|e| TrainError::Checkpoint(format!("{e:?}")))
        };
        trainer.policy = trainer
            .policy
            .try_load_record(record(ckpt.policy)?)
            .map_err(|e| TrainError::Checkpoint(format!("{e:?}")))?;
        if !ckpt.reference.is_empty() {
            let template = trainer.policy.valid();
            trainer.reference = Some(
                template
                    .try_load_record(record(ckpt.reference)?)
                    .map_err(|e| TrainError::Checkpoint(format!("{e:?}")))?,
            );
        }
        // Adam's moments are restored unless RL is about to start (it builds a fresh optimizer)
        // or they cannot be: burn materialises them on the build's default device, which in the
        // page is WebGPU even in a CPU worker (there it would panic); such a resume continues
        // with fresh moments, as a run saved on a GPU does.
        let sft = trainer.config.train.sft_steps;
        let rl_starts_next = sft > 0 && ckpt.header.step == sft;
        if !ckpt.optimizer.is_empty() && !rl_starts_next && trainer.device == Device::default() {
            trainer.optimizer = trainer
                .optimizer
                .from_bytes(burn::tensor::Bytes::from_bytes_vec(ckpt.optimizer))
                .map_err(|e| TrainError::Checkpoint(format!("{e:?}")))?;
        }
        trainer.rng = ckpt.header.rng;
        trainer.step = ckpt.header.step;
        Ok(trainer)
    }
}

/// AdamW with the run's betas and weight decay, no moments yet.
fn fresh_optimizer(config: &RunConfig) -> ModuleOptimizer {
    let t = &config.train;
    AdamWConfig::new()
        .with_beta_1(t.adam_beta1 as f32)
        .with_beta_2(t.adam_beta2 as f32)
        .with_epsilon(1e-8)
        .with_weight_decay(t.weight_decay as f32)
        .init()
}

/// A copy of `model` on the CPU device, its weights read back in one asynchronous transfer.
async fn to_cpu(model: &Transformer) -> Result<Transformer, TrainError> {
    struct Flatten(Vec<Tensor<1>>);
    impl ModuleVisitor for Flatten {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let value = param.val().inner();
            let n = value.shape().num_elements();
            self.0.push(value.reshape([n]));
        }
    }
    /// Puts the values back, in the same traversal order, as CPU tensors with the same ids.
    struct Refill {
        values: std::vec::IntoIter<f32>,
        device: Device,
    }
    impl burn::module::ModuleMapper for Refill {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let shape = param.val().dims();
            let n = shape.iter().product();
            let values: Vec<f32> = self.values.by_ref().take(n).collect();
            Param::initialized(
                param.id,
                Tensor::from_data(TensorData::new(values, shape), (&self.device, DType::F32)),
            )
        }
    }
    let mut flat = Flatten(Vec::new());
    model.visit(&mut flat);
    let data = Tensor::cat(flat.0, 0)
        .into_data_async()
        .await
        .map_err(|e| TrainError::Device(format!("readback failed: {e:?}")))?;
    let values: Vec<f32> = data.iter::<f32>().collect();
    Ok(model.clone().map(&mut Refill {
        values: values.into_iter(),
        device: Device::flex(),
    }))
}

/// `[rows, width]` token ids, PAD after each row's end.
pub(crate) fn pad_rows(rows: &[Vec<TokenId>], width: usize, device: &Device) -> Tensor<2, Int> {
    let mut flat = vec![PAD as i64; rows.len() * width];
    for (r, row) in rows.iter().enumerate() {
        for (c, &t) in row.iter().take(width).enumerate() {
            flat[r * width + c] = t as i64;
        }
    }
    Tensor::from_data(TensorData::new(flat, [rows.len(), width]), device)
}

/// 1 on each row's real tokens, flattened `[rows · width]`.
fn mask_rows(rows: &[Vec<TokenId>], width: usize) -> Vec<f32> {
    rows.iter()
        .flat_map(|row| (0..width).map(move |c| if c < row.len() { 1.0 } else { 0.0 }))
        .collect()
}

/// Replaces the groups `slots` of `base` by the groups `picks` of `fresh` (as many as there are).
fn replace_groups(mut base: Rollout, slots: &[usize], fresh: Rollout, picks: &[usize]) -> Rollout {
    let g = base.group;
    let mut rows: Vec<i64> = (0..base.problems.len() * g).map(|r| r as i64).collect();
    let offset = base.problems.len() * g;
    for (&slot, &pick) in slots.iter().zip(picks) {
        base.problems[slot] = fresh.problems[pick].clone();
        if let (Some(greedy), Some(fresh_greedy)) =
            (&mut base.greedy_rewards, &fresh.greedy_rewards)
        {
            greedy[slot] = fresh_greedy[pick];
        }
        for j in 0..g {
            base.verdicts[slot * g + j] = fresh.verdicts[pick * g + j].clone();
            base.completions.tokens[slot * g + j] = fresh.completions.tokens[pick * g + j].clone();
            base.completions.truncated[slot * g + j] = fresh.completions.truncated[pick * g + j];
            rows[slot * g + j] = (offset + pick * g + j) as i64;
        }
    }
    let device = base.completions.logp.device();
    let idx = Tensor::<1, Int>::from_data(TensorData::new(rows.clone(), [rows.len()]), &device);
    base.completions.token_tensor = Tensor::cat(
        vec![
            base.completions.token_tensor,
            fresh.completions.token_tensor,
        ],
        0,
    )
    .select(0, idx.clone());
    base.completions.logp =
        Tensor::cat(vec![base.completions.logp, fresh.completions.logp], 0).select(0, idx);
    base.completions.prompt_tokens_encoded += fresh.completions.prompt_tokens_encoded;
    base
}

/// Which rows of a `[P, G, ·]` rollout the update reads: groups with nothing kept are dropped,
/// and when every remaining group keeps the same number k of completions (CPPO) only those k
/// are kept — pruning before the forward pass is what saves CPPO its compute.
struct Compaction {
    /// Surviving groups.
    groups: Vec<usize>,
    /// Rows of `[P·G]` to read, `groups.len() × width`.
    rows: Vec<i64>,
    /// Completions per surviving group.
    width: usize,
}

impl Compaction {
    fn plan(kept: &[f64], p: usize, g: usize) -> Self {
        let kept_in = |group: usize| {
            (0..g)
                .filter(|&j| kept[group * g + j] > 0.5)
                .collect::<Vec<_>>()
        };
        let groups: Vec<usize> = (0..p).filter(|&i| !kept_in(i).is_empty()).collect();
        let counts: Vec<usize> = groups.iter().map(|&i| kept_in(i).len()).collect();
        let uniform =
            counts.windows(2).all(|w| w[0] == w[1]) && counts.first().is_some_and(|&k| k < g);
        let (rows, width) = if uniform {
            let rows = groups
                .iter()
                .flat_map(|&i| kept_in(i).into_iter().map(move |j| (i * g + j) as i64))
                .collect();
            (rows, counts[0])
        } else {
            (
                groups
                    .iter()
                    .flat_map(|&i| (0..g).map(move |j| (i * g + j) as i64))
                    .collect(),
                g,
            )
        };
        Self {
            groups,
            rows,
            width,
        }
    }

    fn index(&self, device: &Device) -> Tensor<1, Int> {
        Tensor::from_data(
            TensorData::new(self.rows.clone(), [self.rows.len()]),
            device,
        )
    }

    fn apply(&self, t: Tensor<3>, device: &Device) -> Tensor<3> {
        let [p, g, l] = t.dims();
        t.reshape([p * g, l])
            .select(0, self.index(device))
            .reshape([self.groups.len(), self.width, l])
    }

    fn apply_int(&self, t: Tensor<3, Int>, device: &Device) -> Tensor<3, Int> {
        let [p, g, l] = t.dims();
        t.reshape([p * g, l])
            .select(0, self.index(device))
            .reshape([self.groups.len(), self.width, l])
    }
}
