//! `cargo run --release --example grpo_step` — one GRPO step with every stage spelled out:
//! generate G completions per prompt → verify → group-relative advantages → log-probs with
//! gradient → the clipped surrogate with its KL term → backward → AdamW. `src/train/` runs the
//! same method with threads, DAPO's resampling, compaction, minibatches and a warm-up; this is
//! the method alone, on an 8-armed Bernoulli bandit (a completion is one arm token) and an
//! untrained policy. It ends by scoring the same completions again: the completions with A > 0
//! gain log-probability and most with A < 0 lose some (not all: every completion shares the
//! parameters, and Adam's first step moves each weight by about the learning rate). The loss
//! itself is 0 at this point — the ratios are 1 and the advantages of a group sum to 0 — while
//! its gradient is not.

use burn::module::Module;
use burn::optim::{AdamWConfig, GradientsParams};
use burn::tensor::{DType, Device, Tensor, TensorData};
use futures_lite::future::block_on;
use grpo_playground::algo::{self, AlgoConfig, PolicyInput, RolloutBatch, SideTensors};
use grpo_playground::policy::{Filters, ModelConfig, Sampling, completion_logprobs, generate};
use grpo_playground::tasks::bandit::Bandit;
use grpo_playground::tasks::vocab::spell_all;
use grpo_playground::tasks::{Task, TaskRng};
use rand::SeedableRng;

/// P prompts, G completions each, at most L tokens per completion.
const P: usize = 2;
const G: usize = 16;
const L: usize = 1;

/// Host values as a `[P, G]` or `[P, G, L]` tensor.
fn tensor<const D: usize>(values: Vec<f32>, shape: [usize; D], device: &Device) -> Tensor<D> {
    Tensor::from_data(TensorData::new(values, shape), (device, DType::F32))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The task q ~ D: "pull an arm" (reward 1 with the arm's probability); the policy π_θ: a
    // small transformer.
    let task = Bandit::new(Default::default(), 0);
    let device = Device::flex().autodiff();
    device.seed(0);
    let policy = ModelConfig::default().init(&device);
    // GRPO's row of knobs: ε = 0.2, β = 0.04 with k3 in the loss, seq-mean-token-mean.
    let knobs = AlgoConfig::preset("grpo").knobs()?;
    let mut optimizer = AdamWConfig::new().with_weight_decay(0.0).init();
    let mut rng = TaskRng::seed_from_u64(0);

    // 1. Sample P prompts and G completions o_1..o_G of each from π_old, which is π_θ before
    //    this step (detached: `valid()`); log π_old is recorded while sampling.
    let problems: Vec<_> = (0..P).map(|_| task.sample(&mut rng)).collect();
    let prompts: Vec<Vec<u32>> = problems.iter().map(|p| p.prompt.clone()).collect();
    let sampling = Sampling {
        temperature: 1.0,
        filters: Filters::default(),
        greedy: false,
        sum_pi_squared: false,
    };
    let rollout = block_on(generate(
        &policy.valid(),
        &prompts,
        G,
        L,
        sampling,
        &mut rng,
        1,
    ))?;

    // 2. The verifier scores each completion: R_i ∈ {0, 1}, drawn with the arm's mean.
    let verdicts: Vec<_> = rollout
        .tokens
        .iter()
        .enumerate()
        .map(|(i, o)| task.verify(&problems[i / G], o, &mut rng))
        .collect();
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    let mask: Vec<f32> = rollout
        .tokens
        .iter()
        .flat_map(|o| (0..L).map(move |t| flag(t < o.len())))
        .collect();
    let mask = tensor(mask, [P, G, L], &device);
    let logp_old = rollout.logp.clone().reshape([P, G, L]);
    // The reference π_ref is the policy RL starts from: π_θ itself on this first step.
    let (logp_ref, _) = completion_logprobs(
        &policy.valid(),
        &prompts,
        G,
        rollout.token_tensor.clone(),
        1.0,
    );
    let logp_ref = logp_ref.reshape([P, G, L]);

    // 3. Group-relative advantages, the same on every token of o_i:
    //    A_i = (R_i − mean(R_1..R_G)) / (std(R_1..R_G) + 1e-4).
    let batch = RolloutBatch {
        rewards: tensor(
            verdicts.iter().map(|v| v.reward as f32).collect(),
            [P, G],
            &device,
        ),
        correct: tensor(
            verdicts.iter().map(|v| flag(v.correct)).collect(),
            [P, G],
            &device,
        ),
        truncated: tensor(
            rollout.truncated.iter().map(|&t| flag(t)).collect(),
            [P, G],
            &device,
        ),
        mask: mask.clone(),
        logp_old: logp_old.clone(),
        logp_ref: Some(logp_ref.clone()),
        // GRPO reads no side inputs (`knobs.side_inputs()` is empty).
        side: SideTensors::default(),
        max_completion_length: L,
    };
    let adv = algo::advantages(&knobs, &batch)?;

    // 4. log π_θ(o_i,t | q, o_i,<t), with gradient.
    let (logp, _entropy) =
        completion_logprobs(&policy, &prompts, G, rollout.token_tensor.clone(), 1.0);

    // 5. The loss, r_i,t = π_θ/π_old:
    //    −(1/G) Σ_i (1/|o_i|) Σ_t [min(r·A_i, clip(r, 1 − ε, 1 + ε)·A_i) − β·k3(π_ref/π_θ)].
    let out = algo::policy_loss(
        &knobs,
        &PolicyInput {
            logp: logp.reshape([P, G, L]),
            logp_old,
            logp_ref: Some(logp_ref),
            mask,
            advantages: adv.advantages.clone(),
            kept: adv.kept,
            side: SideTensors::default(),
            max_completion_length: L,
        },
    )?;

    // 6. Backward, and one AdamW step on θ.
    let loss = out.loss.clone().into_scalar::<f64>();
    let grads = GradientsParams::from_grads(out.loss.backward(), &policy);
    let policy = optimizer.step(1e-2, policy, grads);

    // What the step did: log π of each sampled completion before and after.
    let score = |logp: Tensor<2>| -> Vec<f64> { logp.into_data().iter::<f64>().collect() };
    let after =
        score(completion_logprobs(&policy.valid(), &prompts, G, rollout.token_tensor, 1.0).0);
    let before = score(rollout.logp);
    let advantages: Vec<f64> = adv
        .advantages
        .narrow(2, 0, 1)
        .reshape([P * G])
        .into_data()
        .iter::<f64>()
        .collect();
    for (p, problem) in problems.iter().enumerate() {
        println!("prompt {}", spell_all(&problem.prompt));
        for i in p * G..(p + 1) * G {
            println!(
                "  o = {:<3} R = {:.0}  A = {:+.3}  log π {:.4} → {:.4}",
                spell_all(&rollout.tokens[i]),
                verdicts[i].reward,
                advantages[i],
                before[i],
                after[i]
            );
        }
    }
    println!("loss {loss:.5}");
    Ok(())
}
