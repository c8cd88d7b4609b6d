//! `grpo-playground train`: one run; metrics as JSONL, a progress line on stderr.

use std::io::Write;
use std::path::PathBuf;

use grpo_playground::config::{Backend, RunConfig};
use grpo_playground::experiments::paired;
use grpo_playground::train::{StepMetrics, Trainer};

use super::{device, read_config, with_threads};

/// The progress line on stderr, rewritten in place each step.
fn progress(m: &StepMetrics, total: usize, last_eval: Option<f64>) {
    let eval = last_eval.map_or("   -".to_string(), |a| format!("{a:.2}"));
    eprint!(
        "\rstep {:>5}/{total}  reward {:>6.3}  acc {:.2}  eval {eval}  {:>6.1} steps/s   ",
        m.step,
        m.reward_mean,
        m.accuracy,
        1e3 / m.wall_ms.max(1e-9)
    );
}

/// Runs `trainer` to the end, writing each step's metrics to `out` and a progress line to
/// stderr; returns every step's metrics.
fn run(trainer: &mut Trainer, mut out: Option<&mut dyn Write>) -> Result<Vec<StepMetrics>, String> {
    let end = trainer.total_steps();
    let mut last_eval = None;
    let all = paired::run_until(trainer, end, &mut |m, t| {
        last_eval = m.eval_accuracy.or(last_eval);
        if let Some(out) = out.as_deref_mut() {
            writeln!(
                out,
                "{}",
                serde_json::to_string(m).map_err(|e| e.to_string())?
            )
            .map_err(|e| e.to_string())?;
        }
        progress(m, t.total_steps(), last_eval);
        Ok(())
    })?;
    eprintln!();
    Ok(all)
}

/// `train`: one run, from a config or a checkpoint; returns the closing summary line.
pub fn train(
    config: Option<PathBuf>,
    sets: Vec<String>,
    out: Option<PathBuf>,
    save: Option<PathBuf>,
    resume: Option<PathBuf>,
    device_flag: Option<Backend>,
    threads: u16,
) -> Result<String, String> {
    let backend = |config: &RunConfig| device_flag.unwrap_or(config.backend);
    let trainer = match &resume {
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let branched = if config.is_some() || !sets.is_empty() {
                let base = match &config {
                    Some(p) => {
                        std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?
                    }
                    None => serde_json::to_string(
                        &Trainer::saved_config(&bytes).map_err(|e| e.to_string())?,
                    )
                    .map_err(|e| e.to_string())?,
                };
                Some(RunConfig::from_json_with(&base, &sets).map_err(|e| e.to_string())?)
            } else {
                None
            };
            let on = match &branched {
                Some(c) => backend(c),
                None => backend(&Trainer::saved_config(&bytes).map_err(|e| e.to_string())?),
            };
            Trainer::branch(&bytes, branched, device(on)?).map_err(|e| e.to_string())?
        }
        None => {
            let config = read_config(config.as_ref(), &sets)?;
            let on = backend(&config);
            Trainer::new(config, device(on)?).map_err(|e| e.to_string())?
        }
    };
    let on = backend(trainer.config());
    let mut trainer = with_threads(trainer, on, threads)?;
    eprintln!(
        "task {}, preset {}, {} parameters",
        trainer.task().name(),
        trainer.config().algo.preset,
        trainer.policy().parameter_count()
    );
    let mut file = match &out {
        Some(p) => Some(std::fs::File::create(p).map_err(|e| format!("{}: {e}", p.display()))?),
        None => None,
    };
    let metrics = run(&mut trainer, file.as_mut().map(|f| f as &mut dyn Write))?;
    if let Some(path) = save {
        let bytes = futures_lite::future::block_on(trainer.save()).map_err(|e| e.to_string())?;
        std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let last_eval = metrics.iter().rev().find_map(|m| m.eval_accuracy);
    let wall: f64 = metrics.iter().map(|m| m.wall_ms).sum();
    Ok(format!(
        "{} steps in {:.1} s ({:.1} ms/step); final eval accuracy {}",
        metrics.len(),
        wall / 1e3,
        wall / metrics.len().max(1) as f64,
        last_eval.map_or("-".into(), |a| format!("{a:.3}"))
    ))
}
