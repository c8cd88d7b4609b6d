//! The native command line, one file per command: the commands and their flags (help text
//! included) are declared here, with what several commands share (the device, CPU threads, a
//! config from a file and `--set`); `main.rs` dispatches.

pub mod bench;
pub mod compare;
pub mod export;
pub mod lesson;
pub mod objective;
pub mod presets;
pub mod problems;
pub mod schema;
pub mod tasks;
pub mod train;

use std::path::PathBuf;

use burn::tensor::Device;
use clap::{Parser, Subcommand};
use grpo_playground::config::{Backend, RunConfig};
use grpo_playground::train::Trainer;

#[derive(Parser)]
#[command(
    version,
    about = "Group-relative policy optimizers on tiny models and verifiable toy tasks"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Train one run; metrics as JSONL, a progress line on stderr.
    Train {
        /// Run config (JSON); fields left out keep their defaults.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Override a field: `--set train.steps=50 --set algo.preset=dapo`.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// Write one JSON object per step here.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Save a checkpoint here at the end.
        #[arg(long)]
        save: Option<PathBuf>,
        /// Continue from a checkpoint: under its own config, or under `--config` and `--set`
        /// (laid over the checkpoint's config), which may change `algo.*` and the RL phase's
        /// `train.*` knobs but not the task, model, seed or warm-up, e.g. to branch presets from
        /// one warm-up.
        #[arg(long)]
        resume: Option<PathBuf>,
        /// Where tensors live; default: the config's `backend` (auto = cpu natively).
        #[arg(long, value_enum)]
        device: Option<Backend>,
        /// CPU threads for scoring and gradients (each takes whole groups; results differ
        /// from a 1-thread run by float rounding only).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
        threads: u16,
    },
    /// Train several configs on paired seeds; print each metric that matters per config and its
    /// paired difference to the first config (mean ± sd over seeds, how many seeds are above).
    Compare {
        /// A run config; give two or more.
        #[arg(long = "config", required = true, num_args = 1)]
        configs: Vec<PathBuf>,
        /// Overrides applied to every config.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// Seeds 0..N per config; seed s gives every config the same prompts and initial weights.
        #[arg(long, default_value_t = 3)]
        seeds: u64,
        /// Eval accuracy that counts as reached.
        #[arg(long, default_value_t = 0.9)]
        target: f64,
        #[command(flatten)]
        options: compare::CompareOptions,
    },
    /// Time the training step of the reference configuration (README "Performance"): medians of
    /// rollout, update and whole step, completions/s, a scaling table and the decode cost per
    /// token.
    Bench {
        /// Override a field of the reference config, e.g. `--set train.num_generations=16`.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// Backends to measure (repeat the flag); default: cpu, and wgpu in a `gpu` build.
        #[arg(long = "device", value_enum)]
        devices: Vec<Backend>,
        #[command(flatten)]
        options: bench::BenchOptions,
    },
    /// Print every preset: its name, the knobs it changes from the defaults, its source.
    Presets {
        /// As the README's Markdown table.
        #[arg(long)]
        markdown: bool,
    },
    /// Print every knob (algo, train, model, task) with its default, range, help, source and
    /// whether it is live or restart, plus presets, task defaults, metrics and tokens, as JSON.
    Schema {
        /// The knobs as the README's Markdown tables instead.
        #[arg(long)]
        markdown: bool,
    },
    /// Print every task's defaults: its knobs, and the trainer and model knobs a config naming
    /// only that task gets (as a Markdown table).
    Tasks,
    /// Run a lesson (`lessons/ID.json`) on paired seeds and evaluate its checks: per check the
    /// paired difference per seed, its mean ± sd and how many seeds held. Exit status 0 when
    /// every check holds in a majority of seeds, 1 when one does not, 2 on bad input.
    Lesson {
        /// The lesson's id (see `--list`).
        #[arg(required_unless_present_any = ["list", "file"])]
        id: Option<String>,
        /// Print one line per lesson: id, title, paper (tab-separated).
        #[arg(long, conflicts_with_all = ["id", "file"])]
        list: bool,
        /// Run a lesson file that is not built in (a draft: `lessons/` files are embedded at
        /// build time).
        #[arg(long, conflicts_with = "id")]
        file: Option<PathBuf>,
        /// Paired seeds; default: the lesson's own.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=64))]
        seeds: Option<u64>,
        /// The first seed; default: the lesson's own.
        #[arg(long)]
        seed_base: Option<u64>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
        /// CPU threads for scoring and gradients.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
        threads: u16,
    },
    /// Print a config as the settings of the tools that train real models: a TRL
    /// `GRPOConfig(...)` snippet or verl command-line overrides. Knobs without a counterpart are
    /// listed in a comment with the reason.
    Export {
        /// The tool: trl or verl.
        #[arg(long)]
        to: String,
        /// Run config (JSON); fields left out keep their defaults.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Override a field: `--set algo.preset=dapo`.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
    },
    /// Print the config's task's first COUNT training problems as JSON lines: `problem` (the
    /// index `verify` takes), `prompt` and a correct completion `solution` as token ids (the
    /// schema's `tokens` spell them) and as `prompt_text`, `solution_text`.
    Problems {
        /// Run config (JSON); fields left out keep their defaults.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Override a field: `--set task.digits=1`.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// How many problems.
        #[arg(long, default_value_t = 16)]
        count: usize,
    },
    /// Score completions with the config's task's verifier: JSON lines on stdin
    /// `{"problem": index, "completion": [token ids]}` (an index of `problems` under the same
    /// config; EOS included where generation stopped on it), one verdict per line on stdout
    /// (`reward`, `correct`, `well_formed`, `regret`, `details`).
    Verify {
        /// Run config (JSON); fields left out keep their defaults.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Override a field: `--set task.digits=1`.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
    },
    /// Evaluate the objective on the JSON batch on stdin (format: shared/golden/README.md):
    /// loss, per-token advantages, kept flags, d loss / d logp, as JSON on stdout.
    Objective {
        /// Compute in f32 (the training path) instead of f64.
        #[arg(long)]
        f32: bool,
    },
}

/// The device for `backend`.
pub fn device(backend: Backend) -> Result<Device, String> {
    futures_lite::future::block_on(grpo_playground::device::open(backend)).map(|(device, _)| device)
}

/// `trainer` set to use `threads` CPU threads (the CPU backend only).
pub fn with_threads(
    mut trainer: Trainer,
    backend: Backend,
    threads: u16,
) -> Result<Trainer, String> {
    if threads > 1 && backend == Backend::Wgpu {
        return Err(format!(
            "--threads {threads}: only the cpu device uses threads; allowed with --device wgpu: 1"
        ));
    }
    trainer.set_threads(threads.into());
    Ok(trainer)
}

/// The run config at `path` (`{}` without one) with `sets` laid over it.
pub fn read_config(path: Option<&PathBuf>, sets: &[String]) -> Result<RunConfig, String> {
    let text = match path {
        Some(p) => std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?,
        None => "{}".to_string(),
    };
    RunConfig::from_json_with(&text, sets).map_err(|e| e.to_string())
}
