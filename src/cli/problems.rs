//! `grpo-playground problems` and `verify`: a task's prompts and its verifier for a tool outside
//! this crate (`scripts/train-export-trl` trains TRL's GRPOTrainer on them). Problem `i` is the
//! `i`-th draw of the task's training sampler from a [`TaskRng`] seeded with the config's seed,
//! so both commands, given the same config, mean the same problems.

use std::io::BufRead;
use std::path::PathBuf;

use grpo_playground::config::RunConfig;
use grpo_playground::tasks::vocab::{TokenId, VOCAB_SIZE, spell_all};
use grpo_playground::tasks::{AnyProblem, TaskRng};
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

use super::read_config;

/// One line of `problems`' output.
#[derive(Serialize)]
struct Posed {
    problem: usize,
    prompt: Vec<TokenId>,
    prompt_text: String,
    solution: Vec<TokenId>,
    solution_text: String,
}

/// One line of `verify`'s input: a completion of problem `problem`, EOS included when it
/// stopped on one.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Answer {
    problem: usize,
    completion: Vec<TokenId>,
}

/// The config's first `count` training problems.
fn draw(config: &RunConfig, count: usize) -> Result<Vec<AnyProblem>, String> {
    let task = config
        .task
        .build(config.seed)
        .map_err(|e| e.within("task").to_string())?;
    let mut rng = TaskRng::seed_from_u64(config.seed);
    Ok((0..count).map(|_| task.sample(&mut rng)).collect())
}

/// The first `count` problems as JSON lines: index, prompt and a correct completion (token ids
/// and spelling).
pub fn problems(config: Option<&PathBuf>, sets: &[String], count: usize) -> Result<String, String> {
    let lines = draw(&read_config(config, sets)?, count)?
        .iter()
        .enumerate()
        .map(|(problem, p)| {
            let solution = p.solution();
            serde_json::to_string(&Posed {
                problem,
                prompt_text: spell_all(&p.prompt),
                prompt: p.prompt.clone(),
                solution_text: spell_all(&solution),
                solution,
            })
            .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(lines.join("\n"))
}

/// The verdict on each answer read from `input` (JSON lines), one JSON line each.
pub fn verify(
    config: Option<&PathBuf>,
    sets: &[String],
    input: impl BufRead,
) -> Result<String, String> {
    let mut answers = Vec::new();
    for (n, line) in input.lines().enumerate() {
        let line = line.map_err(|e| format!("stdin: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let answer: Answer = serde_json::from_str(&line).map_err(|e| {
            format!(
                "stdin line {}: {e}; expected {{\"problem\": index, \"completion\": [token ids]}}",
                n + 1
            )
        })?;
        if let Some(&t) = answer
            .completion
            .iter()
            .find(|&&t| t as usize >= VOCAB_SIZE)
        {
            return Err(format!(
                "stdin line {}: completion token {t}: valid ids are 0..{VOCAB_SIZE}",
                n + 1
            ));
        }
        answers.push(answer);
    }
    let count = answers.iter().map(|a| a.problem + 1).max().unwrap_or(0);
    let config = read_config(config, sets)?;
    let problems = draw(&config, count)?;
    // Only bandits' rewards are random; their draws follow the answers' order.
    let mut rng = TaskRng::seed_from_u64(config.seed);
    let lines = answers
        .iter()
        .map(|a| serde_json::to_string(&problems[a.problem].verify(&a.completion, &mut rng)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    Ok(lines.join("\n"))
}
