//! `cargo run --release --example bandit` — GRPO finds the best of 8 Bernoulli arms.
//!
//! The prompt is constant; the completion is one arm token. Watch the probability the policy
//! puts on the best arm grow as group-relative advantages favour it.

use burn::tensor::Device;
use grpo_playground::config::RunConfig;
use grpo_playground::tasks::vocab::ARM_0;
use grpo_playground::train::Trainer;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = RunConfig::from_json(
        r#"{ "task": {"name": "bandit", "arms": 8},
             "algo": {"preset": "grpo"},
             "train": {"num_generations": 8, "prompts_per_step": 4, "max_completion_length": 2,
                       "learning_rate": 0.01, "steps": 100, "eval_every": 20} }"#,
    )?;
    let mut trainer = Trainer::new(config, Device::flex())?;
    let prompt = trainer.task().eval_set()[0].prompt.clone();
    while trainer.steps_done() < trainer.total_steps() {
        let m = futures_lite::future::block_on(trainer.step())?;
        if m.step % 10 == 0 {
            let probs = futures_lite::future::block_on(trainer.next_token_probs(&prompt))?;
            let arms: Vec<String> = (0..8)
                .map(|k| format!("{:.2}", probs[(ARM_0 + k) as usize]))
                .collect();
            println!(
                "step {:>3}  reward {:.3}  regret {:.3}  arm probabilities [{}]",
                m.step,
                m.reward_mean,
                m.regret,
                arms.join(" ")
            );
        }
    }
    Ok(())
}
