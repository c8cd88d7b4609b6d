//! `cargo run --release --example maze` — 5×5 mazes: a short warm-up, then DAPO; prints a
//! held-out maze with the greedy policy's path before and after RL.

use burn::tensor::Device;
use grpo_playground::config::RunConfig;
use grpo_playground::tasks::maze::MazeTask;
use grpo_playground::tasks::{Task, TaskConfig, TaskRng};
use grpo_playground::train::Trainer;
use rand::SeedableRng;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = RunConfig::from_json(
        r#"{ "task": {"name": "maze", "size": 5},
             "algo": {"preset": "dapo"},
             "train": {"max_completion_length": 20, "learning_rate": 0.002, "sft_steps": 100,
                       "steps": 150, "eval_every": 25} }"#,
    )?;
    let mut trainer = Trainer::new(config.clone(), Device::flex())?;
    let TaskConfig::Maze(maze_config) = config.task.clone() else {
        unreachable!("the config above names the maze task")
    };
    // The same task as the trainer's (same knobs and seed), typed, to draw its mazes.
    let mazes = MazeTask::new(maze_config, config.seed);
    while trainer.steps_done() < trainer.total_steps() {
        let m = futures_lite::future::block_on(trainer.step())?;
        if let Some(acc) = m.eval_accuracy {
            println!(
                "step {:>4}  reward {:.3}  held-out greedy success {acc:.3}",
                m.step, m.reward_mean
            );
        }
    }
    let path = futures_lite::future::block_on(
        trainer.greedy_completions(&trainer.task().eval_set()[..1]),
    )?;
    let problem = &mazes.eval_set()[0];
    let verdict = mazes.verify(problem, &path[0], &mut TaskRng::seed_from_u64(0));
    println!(
        "a held-out maze, greedy path ({}):\n{}",
        verdict.details,
        mazes.render(&problem.instance, &path[0])
    );
    Ok(())
}
