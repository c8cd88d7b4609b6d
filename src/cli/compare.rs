//! `grpo-playground compare`: several configs trained on paired seeds; each measure per config
//! and its paired difference to the first.

use std::path::PathBuf;

use grpo_playground::config::{Backend, RunConfig};
use grpo_playground::experiments::{compare, paired};
use grpo_playground::train::Trainer;

use super::{device, read_config, with_threads};

/// `compare`: every config on paired seeds; the summary table (or JSON), the CSVs written.
pub fn compare(
    paths: Vec<PathBuf>,
    sets: Vec<String>,
    seeds: u64,
    target: f64,
    o: CompareOptions,
) -> Result<String, String> {
    let mut configs = Vec::new();
    for path in &paths {
        let per_seed = (0..seeds)
            .map(|seed| {
                let mut with_seed = sets.clone();
                with_seed.push(format!("seed={seed}"));
                read_config(Some(path), &with_seed).map_err(|e| format!("{}: {e}", path.display()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        configs.push(per_seed);
    }
    let backend = |config: &RunConfig| o.device.unwrap_or(config.backend);
    let trainer = |config: RunConfig| {
        let on = backend(&config);
        let t = Trainer::new(config, device(on)?).map_err(|e| e.to_string())?;
        with_threads(t, on, o.threads)
    };
    let branch = |bytes: &[u8], config: RunConfig| {
        let on = backend(&config);
        let t = Trainer::branch(bytes, Some(config), device(on)?).map_err(|e| e.to_string())?;
        with_threads(t, on, o.threads)
    };
    let log = |line: &str| eprintln!("{line}");
    let runner = paired::Runner {
        new: &trainer,
        branch: &branch,
        log: &log,
    };
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let runs = paired::run_paired(&configs, &names, o.shared_warmup, &runner)?;
    let presets: Vec<String> = configs.iter().map(|c| c[0].algo.preset.clone()).collect();
    let summary = compare::Summary::new(&names, &presets, &runs, target);
    std::fs::write(&o.csv, summary.runs_csv()).map_err(|e| format!("{}: {e}", o.csv.display()))?;
    std::fs::write(&o.steps_csv, compare::steps_csv(&names, &presets, &runs))
        .map_err(|e| format!("{}: {e}", o.steps_csv.display()))?;
    if o.json {
        return serde_json::to_string_pretty(&summary).map_err(|e| e.to_string());
    }
    Ok(format!(
        "{}(per run: {}; per step: {})",
        summary.table(),
        o.csv.display(),
        o.steps_csv.display()
    ))
}

/// How `compare` runs and what it writes.
#[derive(clap::Args)]
pub struct CompareOptions {
    /// Write the per-run summary (one row per config × seed) here as CSV.
    #[arg(long, default_value = "compare.csv")]
    pub csv: PathBuf,
    /// Write every step of every run here as CSV.
    #[arg(long, default_value = "compare_steps.csv")]
    pub steps_csv: PathBuf,
    /// Train the warm-up (`train.sft_steps`) once per seed, with the first config, and branch
    /// every config from it; the configs must agree on everything the warm-up reads.
    #[arg(long)]
    pub shared_warmup: bool,
    /// Print the summary as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Where tensors live; default: each config's `backend` (auto = cpu natively).
    #[arg(long, value_enum)]
    pub device: Option<Backend>,
    /// CPU threads for scoring and gradients (each takes whole groups; results differ
    /// from a 1-thread run by float rounding only).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub threads: u16,
}
