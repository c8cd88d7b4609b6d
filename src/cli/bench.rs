//! `grpo-playground bench`: the training step of the reference configuration timed on each
//! device (README "Performance"), and how the tables print it.

use std::path::PathBuf;

use futures_lite::future::block_on as block;
use grpo_playground::config::{Backend, RunConfig};
use grpo_playground::experiments::bench::{self, DecodeCost, KernelCost, Timing};
use grpo_playground::train::{TrainError, Trainer};

use super::with_threads;

/// How `bench` measures.
#[derive(clap::Args)]
pub struct BenchOptions {
    /// CPU threads for scoring and gradients (each takes whole groups; results differ
    /// from a 1-thread run by float rounding only).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub threads: u16,
    /// Unmeasured steps first.
    #[arg(long, default_value_t = 5)]
    pub warmup: usize,
    /// Measured steps (medians are reported).
    #[arg(long, default_value_t = 30)]
    pub steps: usize,
    /// Only the reference row: no scaling table, no decode cost.
    #[arg(long)]
    pub quick: bool,
    /// Print one JSON object per measurement instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Also write the last CPU step's batch, weights, loss and gradient norm here, for
    /// `benches/reference/grpo_reference.py check`.
    #[arg(long)]
    pub dump_batch: Option<PathBuf>,
}

/// `bench`: the reference step timed on each device, as tables (or one JSON object per line).
pub fn bench(sets: Vec<String>, devices: Vec<Backend>, o: BenchOptions) -> Result<String, String> {
    let base =
        RunConfig::from_json_with(bench::REFERENCE_CONFIG, &sets).map_err(|e| e.to_string())?;
    let devices = if devices.is_empty() {
        if cfg!(feature = "gpu") {
            vec![Backend::Cpu, Backend::Wgpu]
        } else {
            vec![Backend::Cpu]
        }
    } else {
        devices
    };
    let err = |e: TrainError| e.to_string();
    let rows = if o.quick {
        vec![("reference", base.clone())]
    } else {
        bench::scaling_configs(&base)
    };
    let mut out = String::new();
    if !o.json {
        out += &reference_line(&base)?;
    }
    for choice in devices {
        let name = serde_json::to_value(choice).map_err(|e| e.to_string())?;
        let name = name.as_str().unwrap_or("?");
        let (dev, described) = match block(grpo_playground::device::open(choice)) {
            Ok(d) => d,
            Err(e) => {
                out += &format!("{name}: unavailable ({e})\n");
                continue;
            }
        };
        if !o.json {
            out += &backend_header(name, &described, &o);
        }
        for (label, config) in &rows {
            let trainer = Trainer::new(config.clone(), dev.clone()).map_err(err)?;
            let mut trainer = with_threads(trainer, choice, o.threads)?;
            let timing: Timing =
                block(bench::measure(&mut trainer, o.warmup, o.steps)).map_err(err)?;
            out += &if o.json {
                timing_json(&timing, name, &described, o.threads, label)?
            } else {
                timing_row(label, &timing)
            };
            if *label != "reference" {
                continue;
            }
            if !o.json {
                out += &format!(
                    "{:<12} prompt tokens encoded per step {} ({} if each completion re-encoded its prompt)\n",
                    "", timing.prompt_tokens_encoded, timing.prompt_tokens_unshared
                );
            }
            if !o.quick {
                let cost = block(bench::decode_cost(&trainer, &[8, 16, 32, 64], 5)).map_err(err)?;
                out += &if o.json {
                    json_line(name, "decode", &cost)?
                } else {
                    decode_lines(&cost)
                };
                let costs = block(bench::kernel_costs(&dev, 50)).map_err(err)?;
                out += &if o.json {
                    json_line(name, "kernels", &costs)?
                } else {
                    kernel_lines(&costs)
                };
            }
            if let (Some(path), Backend::Cpu) = (&o.dump_batch, choice) {
                let before = trainer.policy().clone();
                let metrics = block(trainer.step()).map_err(err)?;
                let dump = bench::shared_batch(&trainer, &before, &metrics)?;
                std::fs::write(path, dump.to_string())
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                if !o.json {
                    out += &format!("{:<12} shared batch written to {}\n", "", path.display());
                }
            }
        }
    }
    Ok(out)
}

/// The first line of the tables: what the reference run is.
fn reference_line(base: &RunConfig) -> Result<String, String> {
    let t = &base.train;
    Ok(format!(
        "reference: {} | d_model {} · {} layers · {} heads | {} prompts × G {} | ≤ {} tokens | preset {}\n",
        serde_json::to_string(&base.task).map_err(|e| e.to_string())?,
        base.model.d_model,
        base.model.n_layers,
        base.model.n_heads,
        t.prompts_per_step,
        t.num_generations,
        t.max_completion_length,
        base.algo.preset,
    ))
}

/// A device's heading and the column names of its table.
fn backend_header(name: &str, described: &str, o: &BenchOptions) -> String {
    format!(
        "\nbackend {name}: {described} ({} CPU thread(s)), medians of {} steps after {} warm-up steps\n{:<12} {:>11} {:>10} {:>9} {:>14} {:>16}\n",
        o.threads,
        o.steps,
        o.warmup,
        "",
        "rollout ms",
        "update ms",
        "step ms",
        "completions/s",
        "dispatches/step"
    )
}

/// One row of the table: a config's medians.
fn timing_row(label: &str, timing: &Timing) -> String {
    let dispatches = timing
        .dispatches_per_step
        .map_or("–".to_string(), |d| format!("{d:.1}"));
    format!(
        "{label:<12} {:>11.2} {:>10.2} {:>9.2} {:>14.0} {dispatches:>16}\n",
        timing.rollout_ms, timing.update_ms, timing.step_ms, timing.completions_per_s
    )
}

/// A config's medians as one JSON line, with where they were measured.
fn timing_json(
    timing: &Timing,
    backend: &str,
    device: &str,
    threads: u16,
    row: &str,
) -> Result<String, String> {
    let mut v = serde_json::to_value(timing).map_err(|e| e.to_string())?;
    v["impl"] = "grpo-playground".into();
    v["backend"] = backend.into();
    v["device"] = device.into();
    v["threads"] = threads.into();
    v["row"] = row.into();
    Ok(format!("{v}\n"))
}

/// `{"impl", "backend", key: value}` as one JSON line.
fn json_line(backend: &str, key: &str, value: &impl serde::Serialize) -> Result<String, String> {
    let mut v = serde_json::json!({"impl": "grpo-playground", "backend": backend});
    v[key] = serde_json::to_value(value).map_err(|e| e.to_string())?;
    Ok(format!("{v}\n"))
}

/// The decode cost per token at each length, with and without the KV cache.
fn decode_lines(cost: &[DecodeCost]) -> String {
    let cells = |f: fn(&DecodeCost) -> f64| {
        cost.iter()
            .map(|c| format!("{:.2} @ {}", f(c), c.length))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "{:<12} decode, ms per token with the KV cache: {}\n{:<12} without a cache the last token would cost: {}\n",
        "",
        cells(|c| c.cached_ms_per_token),
        "",
        cells(|c| c.uncached_last_token_ms),
    )
}

/// One line per single operation at the step's shapes.
fn kernel_lines(costs: &[KernelCost]) -> String {
    costs
        .iter()
        .map(|c| format!("{:<12} {:>8.3} ms  {}\n", "", c.ms, c.op))
        .collect()
}
