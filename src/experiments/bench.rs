//! Throughput of the training step on a fixed reference configuration: the CLI's `bench`, the
//! page's `?bench` mode and `benches/reference/compare.sh` (PyTorch side by side) all measure
//! this one run.

use rand::SeedableRng;
use serde::Serialize;

use crate::config::RunConfig;
use crate::train::{StepMetrics, TrainError, Trainer};
use burn::module::Module;
use burn::tensor::{Device, Tensor};

use crate::policy::{Sampling, completion_logprobs, generate};
use crate::tasks::TaskRng;

/// The reference run: 2-digit addition, 64-wide 2-layer 4-head policy, 16 prompts × G = 8, at
/// most 8 completion tokens, one inner epoch, preset `grpo` (so a reference forward too), no
/// warm-up and no evaluation inside the measured steps.
pub const REFERENCE_CONFIG: &str = r#"{
  "task": {"name": "arithmetic", "digits": 2},
  "model": {"d_model": 64, "n_layers": 2, "n_heads": 4},
  "algo": {"preset": "grpo"},
  "train": {"prompts_per_step": 16, "num_generations": 8, "max_completion_length": 8,
            "num_iterations": 1, "minibatches": 1, "sft_steps": 0, "learning_rate": 0.001,
            "steps": 1000000, "eval_every": 1000000}
}"#;

/// The reference run as a config.
pub fn reference_config() -> RunConfig {
    RunConfig::from_json_with(REFERENCE_CONFIG, &[]).expect("the reference config is valid")
}

/// Median timings of `steps` RL steps after `warmup` unmeasured ones.
#[derive(Debug, Clone, Serialize)]
pub struct Timing {
    pub prompts: usize,
    pub group: usize,
    pub max_len: usize,
    pub steps: usize,
    pub rollout_ms: f64,
    pub update_ms: f64,
    pub step_ms: f64,
    /// Sampled completions per second of whole-step time.
    pub completions_per_s: f64,
    /// Prompt tokens encoded per step, and what encoding every completion's copy would cost.
    pub prompt_tokens_encoded: usize,
    pub prompt_tokens_unshared: usize,
    /// GPU kernel launches (compute dispatches) per measured step: counted natively in `gpu`
    /// builds on a wgpu device, `None` on the CPU (which launches none) and in the page.
    pub dispatches_per_step: Option<f64>,
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    match xs.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => xs[n / 2],
        n => (xs[n / 2 - 1] + xs[n / 2]) / 2.0,
    }
}

/// Runs `warmup` then `steps` steps of `trainer` (which must be past any warm-up phase and not
/// evaluate) and returns the medians.
pub async fn measure(
    trainer: &mut Trainer,
    warmup: usize,
    steps: usize,
) -> Result<Timing, TrainError> {
    for _ in 0..warmup {
        trainer.step().await?;
    }
    let mut measured: Vec<StepMetrics> = Vec::with_capacity(steps);
    #[cfg(all(feature = "gpu", not(target_arch = "wasm32")))]
    let launches = launches::Counting::start();
    for _ in 0..steps {
        measured.push(trainer.step().await?);
    }
    #[cfg(all(feature = "gpu", not(target_arch = "wasm32")))]
    let dispatches_per_step = launches.per_step(steps);
    #[cfg(not(all(feature = "gpu", not(target_arch = "wasm32"))))]
    let dispatches_per_step = None;
    let t = &trainer.config().train;
    let (prompts, group) = (t.prompts_per_step, t.num_generations);
    let of = |f: fn(&StepMetrics) -> f64| median(measured.iter().map(f).collect());
    let step_ms = of(|m| m.wall_ms);
    let prompt_tokens_encoded = measured.last().map_or(0, |m| m.prompt_tokens_encoded);
    Ok(Timing {
        prompts,
        group,
        max_len: t.max_completion_length,
        steps,
        rollout_ms: of(|m| m.rollout_ms),
        update_ms: of(|m| m.update_ms),
        step_ms,
        completions_per_s: (prompts * group) as f64 / (step_ms / 1e3),
        prompt_tokens_encoded,
        prompt_tokens_unshared: prompt_tokens_encoded * group,
        dispatches_per_step,
    })
}

/// Counting cubecl's kernel launches: its launch observer is told of each one synchronously, on
/// the thread that issues it, so a count spans exactly the steps it brackets (a launch fusion
/// defers to a step's read-back still falls inside that step).
#[cfg(all(feature = "gpu", not(target_arch = "wasm32")))]
mod launches {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    use cubecl_runtime::logging::{LaunchObservation, LaunchObserver};

    #[derive(Default)]
    struct Count(AtomicU64);

    impl LaunchObserver for Count {
        fn launched(&self, _kernel: &'static str) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts every launch in the process while it lives.
    pub struct Counting {
        count: Arc<Count>,
        _observation: LaunchObservation,
    }

    impl Counting {
        pub fn start() -> Self {
            let count = Arc::new(Count::default());
            let observation = LaunchObservation::new(count.clone());
            Self {
                count,
                _observation: observation,
            }
        }

        /// Launches per step over `steps` steps; `None` when there were none (a CPU run).
        pub fn per_step(&self, steps: usize) -> Option<f64> {
            let launched = self.count.0.load(Ordering::Relaxed);
            (launched > 0 && steps > 0).then(|| launched as f64 / steps as f64)
        }
    }
}

/// The reference config with one dimension doubled at a time: the scaling table's rows.
pub fn scaling_configs(base: &RunConfig) -> Vec<(&'static str, RunConfig)> {
    let with = |f: fn(&mut RunConfig)| {
        let mut c = base.clone();
        f(&mut c);
        c
    };
    vec![
        ("reference", base.clone()),
        ("G x2", with(|c| c.train.num_generations *= 2)),
        ("prompts x2", with(|c| c.train.prompts_per_step *= 2)),
        ("length x2", with(|c| c.train.max_completion_length *= 2)),
    ]
}

/// Decoding cost at one completion length.
#[derive(Debug, Clone, Serialize)]
pub struct DecodeCost {
    pub length: usize,
    /// Generation time per sampled token with the KV cache (whole generation / length).
    pub cached_ms_per_token: f64,
    /// What the last token costs a decoder without a cache: one forward over the whole prefix
    /// (prompt encoded once per group, as ours does).
    pub uncached_last_token_ms: f64,
}

/// Generation cost per token for each completion length, against what a decoder that re-runs
/// the whole prefix for every token would pay for its last one.
pub async fn decode_cost(
    trainer: &Trainer,
    lengths: &[usize],
    repeats: usize,
) -> Result<Vec<DecodeCost>, TrainError> {
    let t = &trainer.config().train;
    let mut rng = TaskRng::seed_from_u64(trainer.config().seed);
    let prompts: Vec<_> = (0..t.prompts_per_step)
        .map(|_| trainer.task().sample(&mut rng).prompt)
        .collect();
    let sampling = Sampling {
        temperature: t.temperature,
        filters: t.filters(),
        greedy: false,
        sum_pi_squared: false,
    };
    let policy = trainer.policy().valid();
    let mut out = Vec::with_capacity(lengths.len());
    for &len in lengths {
        let (mut cached, mut uncached) = (Vec::new(), Vec::new());
        for _ in 0..=repeats {
            let start = crate::train::host::now_ms();
            let completions = generate(
                &policy,
                &prompts,
                t.num_generations,
                len,
                sampling,
                &mut rng,
                1,
            )
            .await
            .map_err(TrainError::Device)?;
            cached.push(crate::train::host::now_ms() - start);
            let start = crate::train::host::now_ms();
            let (logp, _) = completion_logprobs(
                &policy,
                &prompts,
                t.num_generations,
                completions.token_tensor,
                t.temperature,
            );
            logp.into_data_async()
                .await
                .map_err(|e| TrainError::Device(format!("{e:?}")))?;
            uncached.push(crate::train::host::now_ms() - start);
        }
        // The first round allocates.
        cached.remove(0);
        uncached.remove(0);
        out.push(DecodeCost {
            length: len,
            cached_ms_per_token: median(cached) / len as f64,
            uncached_last_token_ms: median(uncached),
        });
    }
    Ok(out)
}

/// Named parameters of `model` (`blocks.0.qkv.weight`, ...) with shapes and row-major values.
/// Linear weights are `[d_in, d_out]`, applied as `x · W + b`. Reads back synchronously, so
/// native only.
#[cfg(not(target_arch = "wasm32"))]
fn named_parameters(
    model: &crate::policy::Transformer,
) -> serde_json::Map<String, serde_json::Value> {
    use burn::module::{ModuleVisitor, Param};
    #[derive(Default)]
    struct Collect {
        path: Vec<String>,
        out: serde_json::Map<String, serde_json::Value>,
    }
    impl ModuleVisitor for Collect {
        fn enter_module(&mut self, name: &str, _container_type: &str) {
            self.path.push(name.to_string());
        }
        fn exit_module(&mut self, _name: &str, _container_type: &str) {
            self.path.pop();
        }
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let tensor = param.val();
            let values: Vec<f32> = tensor.to_data().iter::<f32>().collect();
            self.out.insert(
                self.path.join("."),
                serde_json::json!({ "shape": tensor.dims().to_vec(), "data": values }),
            );
        }
    }
    let mut collect = Collect::default();
    model.visit(&mut collect);
    collect.out
}

/// The last step's batch, the weights it started from, and the loss and gradient norm it
/// computed, in the format `benches/reference/grpo_reference.py check` reads. `policy_before`
/// is the policy as it was before that step.
#[cfg(not(target_arch = "wasm32"))]
pub fn shared_batch(
    trainer: &Trainer,
    policy_before: &crate::policy::Transformer,
    metrics: &StepMetrics,
) -> Result<serde_json::Value, String> {
    use crate::tasks::vocab::PAD;
    let batch = trainer.last_batch().ok_or("no RL step has run yet")?;
    let reference = trainer
        .reference()
        .ok_or("the run has no reference policy yet")?;
    let c = trainer.config();
    let knobs = c.algo.knobs().map_err(|e| e.to_string())?;
    let l = c.train.max_completion_length;
    let rows =
        |values: Vec<f64>| -> Vec<Vec<f64>> { values.chunks(l).map(<[f64]>::to_vec).collect() };
    let logp_old = rows(batch.logp_old.to_data().iter::<f64>().collect());
    let padded: Vec<Vec<u32>> = batch
        .completions
        .iter()
        .map(|c| {
            let mut row = c.clone();
            row.resize(l, PAD);
            row
        })
        .collect();
    let tokens = crate::train::trainer::pad_rows(&batch.completions, l, &policy_before.device());
    let (logp, _) = completion_logprobs(
        &policy_before.valid(),
        &batch.prompts,
        batch.group_size,
        tokens,
        c.train.temperature,
    );
    Ok(serde_json::json!({
        "config": {
            "d_model": c.model.d_model, "n_layers": c.model.n_layers, "n_heads": c.model.n_heads,
            "context": c.model.context, "vocab_size": crate::tasks::VOCAB_SIZE,
            "temperature": c.train.temperature, "beta": knobs.beta, "epsilon": knobs.epsilon,
            "epsilon_high": knobs.epsilon_high(), "std_eps": knobs.std_eps,
            "max_grad_norm": c.train.max_grad_norm,
        },
        "policy": named_parameters(policy_before),
        "reference": named_parameters(reference),
        "prompts": batch.prompts,
        "group": batch.group_size,
        "completions": padded,
        "rewards": batch.rewards,
        "logp_old": logp_old,
        "logp": rows(logp.to_data().iter::<f64>().collect()),
        "loss": metrics.loss,
        "grad_norm": metrics.grad_norm,
    }))
}

/// What one operation of the reference step costs on a device, timed over `repeats` launches.
#[derive(Debug, Clone, Serialize)]
pub struct KernelCost {
    pub op: String,
    pub ms: f64,
}

/// Times single operations at the reference step's shapes (T = 1008 token positions: 16
/// prompts × 7 plus 128 completions × 7; d = 64): a one-element add (the fixed cost of a
/// dispatch), the MLP's two matrix products, an element-wise add, a row softmax over the
/// vocabulary and the decoder's attention. Launches queue on one stream, so reading the last
/// result back waits for all of them.
pub async fn kernel_costs(device: &Device, repeats: usize) -> Result<Vec<KernelCost>, TrainError> {
    use burn::tensor::activation::softmax;
    use burn::tensor::module::attention;
    use burn::tensor::ops::AttentionModuleOptions;
    use burn::tensor::{Bool, Distribution};

    let (t, d, v) = (1008, 64, crate::tasks::VOCAB_SIZE);
    let random = |shape: [usize; 2]| Tensor::<2>::random(shape, Distribution::Default, device);
    let (x, w_in, h, w_out) = (
        random([t, d]),
        random([d, 4 * d]),
        random([t, 4 * d]),
        random([4 * d, d]),
    );
    let logits = random([t, v]);
    let qkv = || Tensor::<4>::random([128, 4, 8, d / 4], Distribution::Default, device);
    let (q, k, val) = (qkv(), qkv(), qkv());
    let mask = Tensor::<4, Bool>::from_data(
        burn::tensor::TensorData::new(vec![false; 128 * 4 * 8 * 8], [128, 4, 8, 8]),
        device,
    );
    let one = Tensor::<2>::zeros([1, 1], device);
    type Op<'a> = Box<dyn Fn() -> Tensor<2> + 'a>;
    let ops: Vec<(&str, Op)> = vec![
        (
            "dispatch (add, 1 element)",
            Box::new(|| one.clone().add_scalar(1.0)),
        ),
        (
            "matmul [1008×64]·[64×256]",
            Box::new(|| x.clone().matmul(w_in.clone())),
        ),
        (
            "matmul [1008×256]·[256×64]",
            Box::new(|| h.clone().matmul(w_out.clone())),
        ),
        ("add [1008×256]", Box::new(|| h.clone() + h.clone())),
        ("softmax [1008×60]", Box::new(|| softmax(logits.clone(), 1))),
        (
            "attention [128×4 heads, 8 queries, 8 keys]",
            Box::new(|| {
                attention(
                    q.clone(),
                    k.clone(),
                    val.clone(),
                    Some(mask.clone()),
                    None,
                    AttentionModuleOptions {
                        scale: Some(0.25),
                        softcap: None,
                        is_causal: false,
                    },
                )
                .reshape([128 * 4 * 8, d / 4])
            }),
        ),
    ];
    let mut out = Vec::with_capacity(ops.len());
    for (name, op) in ops {
        // The first launch compiles the kernel (WebGPU); it is not timed.
        op().into_data_async()
            .await
            .map_err(|e| TrainError::Device(format!("{e:?}")))?;
        let start = crate::train::host::now_ms();
        let mut last = op();
        for _ in 1..repeats {
            last = op();
        }
        last.into_data_async()
            .await
            .map_err(|e| TrainError::Device(format!("{e:?}")))?;
        out.push(KernelCost {
            op: name.to_string(),
            ms: (crate::train::host::now_ms() - start) / repeats as f64,
        });
    }
    Ok(out)
}
