//! Paired runs: seed k of every config shares prompts and initial weights, and with a shared
//! warm-up one warm-up too, trained once and branched into every config. `compare` and
//! `lesson` run through here; the caller says how a trainer is built (device, threads).

use crate::config::RunConfig;
use crate::train::{StepMetrics, Trainer};

/// Steps `trainer` until `end` steps are done, handing each step's metrics to `on_step`;
/// returns them all.
pub fn run_until(
    trainer: &mut Trainer,
    end: usize,
    on_step: &mut dyn FnMut(&StepMetrics, &Trainer) -> Result<(), String>,
) -> Result<Vec<StepMetrics>, String> {
    let mut all = Vec::new();
    while trainer.steps_done() < end {
        let m = futures_lite::future::block_on(trainer.step()).map_err(|e| e.to_string())?;
        on_step(&m, trainer)?;
        all.push(m);
    }
    Ok(all)
}

/// Builds a fresh trainer for a config.
pub type NewTrainer<'a> = &'a dyn Fn(RunConfig) -> Result<Trainer, String>;
/// Builds a trainer continuing a saved state under a config.
pub type BranchTrainer<'a> = &'a dyn Fn(&[u8], RunConfig) -> Result<Trainer, String>;

/// How paired runs get their trainers.
pub struct Runner<'a> {
    pub new: NewTrainer<'a>,
    pub branch: BranchTrainer<'a>,
    /// Called with a line before each run starts (progress).
    pub log: &'a dyn Fn(&str),
}

/// Every step of every run, `runs[config][seed]`, for `configs[config][seed]` (named `names`
/// in messages). With `shared_warmup`, seed k's warm-up (`train.sft_steps`) is trained once,
/// under the first config, and every config branches from it; the configs must agree on what
/// the warm-up reads.
pub fn run_paired(
    configs: &[Vec<RunConfig>],
    names: &[String],
    shared_warmup: bool,
    runner: &Runner,
) -> Result<Vec<Vec<Vec<StepMetrics>>>, String> {
    let seeds = configs.first().map_or(0, Vec::len);
    let mut runs: Vec<Vec<Vec<StepMetrics>>> = vec![Vec::new(); configs.len()];
    let mut quiet = |_: &StepMetrics, _: &Trainer| Ok(());
    for seed in 0..seeds {
        let warm = if shared_warmup {
            let first = &configs[0][seed];
            for (i, c) in configs.iter().enumerate().skip(1) {
                c[seed]
                    .check_branch(first, 0)
                    .map_err(|e| format!("{}: cannot share the warm-up: {e}", names[i]))?;
            }
            (runner.log)(&format!(
                "seed {seed}: shared warm-up ({} steps)",
                first.train.sft_steps
            ));
            let mut t = (runner.new)(first.clone())?;
            let metrics = run_until(&mut t, first.train.sft_steps, &mut quiet)?;
            let bytes = futures_lite::future::block_on(t.save()).map_err(|e| e.to_string())?;
            Some((bytes, metrics))
        } else {
            None
        };
        for (i, per_seed) in configs.iter().enumerate() {
            let config = per_seed[seed].clone();
            (runner.log)(&format!("{} seed {seed}", names[i]));
            let metrics = match &warm {
                Some((bytes, warm_metrics)) => {
                    let mut t = (runner.branch)(bytes, config)?;
                    let end = t.total_steps();
                    let mut all = warm_metrics.clone();
                    all.extend(run_until(&mut t, end, &mut quiet)?);
                    all
                }
                None => {
                    let mut t = (runner.new)(config)?;
                    let end = t.total_steps();
                    run_until(&mut t, end, &mut quiet)?
                }
            };
            runs[i].push(metrics);
        }
    }
    Ok(runs)
}
