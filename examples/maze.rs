//! `cargo run --release --example maze` — 5×5 mazes: a short warm-up, then DAPO; prints a
//! held-out maze with the greedy policy's path before and after RL.

use burn::tensor::Device;
use grpo_playground::config::RunConfig;
use grpo_playground::tasks::maze::{MazeConfig, MazeTask};
use grpo_playground::tasks::{Instance, TaskRng};
use grpo_playground::train::Trainer;
use rand::SeedableRng;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = RunConfig::from_json(
        r#"{ "task": {"name": "maze", "size": 5},
             "algo": {"preset": "dapo"},
             "train": {"max_completion_length": 20, "learning_rate": 0.002, "sft_steps": 100,
                       "steps": 150, "eval_every": 25} }"#,
    )?;
    let mut trainer = Trainer::new(config, Device::flex())?;
    let render = MazeTask::new(MazeConfig::default(), 0);
    while trainer.steps_done() < trainer.total_steps() {
        let m = futures_lite::future::block_on(trainer.step())?;
        if let Some(acc) = m.eval_accuracy {
            println!(
                "step {:>4}  reward {:.3}  held-out greedy success {acc:.3}",
                m.step, m.reward_mean
            );
        }
    }
    let problem = trainer.task().eval_set()[0].clone();
    let path =
        futures_lite::future::block_on(trainer.greedy_completions(std::slice::from_ref(&problem)))?;
    let verdict = trainer
        .task()
        .verify(&problem, &path[0], &mut TaskRng::seed_from_u64(0));
    if let Instance::Maze(maze) = &problem.instance {
        println!(
            "a held-out maze, greedy path ({}):\n{}",
            verdict.details,
            render.render(maze, &path[0])
        );
    }
    Ok(())
}
