//! `cargo run --release --example arithmetic` — learn 1-digit addition from scratch with GRPO,
//! then 2-digit addition after a short supervised warm-up.

use burn::tensor::Device;
use grpo_playground::config::RunConfig;
use grpo_playground::train::Trainer;

fn train(json: &str) -> Result<(), Box<dyn std::error::Error>> {
    let mut trainer = Trainer::new(RunConfig::from_json(json)?, Device::flex())?;
    while trainer.steps_done() < trainer.total_steps() {
        let m = futures_lite::future::block_on(trainer.step())?;
        if let Some(acc) = m.eval_accuracy {
            println!(
                "step {:>4}  reward {:.3}  held-out greedy accuracy {acc:.3}  ({:.0} ms/step)",
                m.step, m.reward_mean, m.wall_ms
            );
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("1-digit addition, GRPO from scratch");
    train(
        r#"{ "task": {"name": "arithmetic", "digits": 1},
               "algo": {"preset": "grpo"},
               "train": {"max_completion_length": 3, "learning_rate": 0.003, "steps": 300, "eval_every": 25} }"#,
    )?;
    println!("2-digit addition, 200 warm-up steps then Dr. GRPO");
    train(
        r#"{ "task": {"name": "arithmetic", "digits": 2},
               "algo": {"preset": "dr_grpo"},
               "train": {"max_completion_length": 4, "learning_rate": 0.002, "sft_steps": 200, "steps": 200, "eval_every": 25} }"#,
    )
}
