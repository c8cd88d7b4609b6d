//! The wgpu backend against the CPU, natively (`cargo test --features gpu`; needs a GPU adapter,
//! and Mesa's lavapipe counts): the same weights give the same loss on a fixed batch — the
//! native half of the page's cross-backend check (`www/tests/browser.test.mjs`), and what keeps
//! burn's fusion honest when it rewrites the kernels — and a step trained on the GPU matches the
//! CPU's step and comes back through a checkpoint.
#![cfg(feature = "gpu")]

use burn::tensor::Device;
use grpo_playground::config::{Backend, RunConfig};
use grpo_playground::train::{StepMetrics, Trainer};

/// The page's self-test config (`www/src/selftest.ts`).
const CONFIG: &str = r#"{
  "task": {"name": "arithmetic", "digits": 1},
  "model": {"d_model": 32, "n_layers": 1, "n_heads": 2},
  "algo": {"preset": "grpo"},
  "train": {"max_completion_length": 3, "num_generations": 4, "prompts_per_step": 4},
  "seed": 0
}"#;

fn gpu() -> Device {
    futures_lite::future::block_on(grpo_playground::device::open(Backend::Wgpu))
        .unwrap_or_else(|e| panic!("{e}"))
        .0
}

fn block<T, E: std::fmt::Display>(f: impl Future<Output = Result<T, E>>) -> T {
    futures_lite::future::block_on(f).unwrap_or_else(|e| panic!("{e}"))
}

fn step(t: &mut Trainer) -> StepMetrics {
    block(t.step())
}

/// Relative agreement to 1e-4, the browser test's tolerance (f32 kernels that sum in another
/// order).
fn assert_agrees(cpu: f64, gpu: f64, what: &str) {
    assert!(
        cpu.is_finite() && gpu.is_finite(),
        "{what}: cpu {cpu}, gpu {gpu}"
    );
    assert!(
        (cpu - gpu).abs() <= 1e-4 * cpu.abs().max(1.0),
        "{what}: cpu {cpu}, gpu {gpu}"
    );
}

#[test]
fn the_same_weights_give_the_same_probe_loss_and_step_on_wgpu_and_on_the_cpu() {
    let config = RunConfig::from_json(CONFIG).unwrap_or_else(|e| panic!("{e}"));
    let mut cpu = Trainer::new(config, Device::flex()).unwrap_or_else(|e| panic!("{e}"));
    let fresh = block(cpu.save());
    let on_gpu = Trainer::load(&fresh, gpu()).unwrap_or_else(|e| panic!("{e}"));
    let initial = block(cpu.probe_loss());
    assert_agrees(
        initial,
        block(on_gpu.probe_loss()),
        "probe loss, initial weights",
    );
    // And back: the GPU's checkpoint resumes on the CPU with exactly the weights it was given.
    let back = Trainer::load(&block(on_gpu.save()), Device::flex()).unwrap();
    assert_eq!(block(back.probe_loss()), initial);

    // Trained weights, and one more step from them on each device: the step samples from the
    // same seeded noise, so both score the same completions, and the loss and the gradient
    // norm (taken before the optimizer moves anything) agree as the probe does.
    for _ in 0..3 {
        step(&mut cpu);
    }
    let mut on_gpu = Trainer::load(&block(cpu.save()), gpu()).unwrap_or_else(|e| panic!("{e}"));
    assert_agrees(
        block(cpu.probe_loss()),
        block(on_gpu.probe_loss()),
        "probe loss, trained weights",
    );
    let (a, b) = (step(&mut cpu), step(&mut on_gpu));
    assert_eq!(a.reward_mean, b.reward_mean, "the same completions");
    assert_agrees(a.loss, b.loss, "loss of the next step");
    assert_agrees(a.grad_norm, b.grad_norm, "gradient norm of the next step");
}
