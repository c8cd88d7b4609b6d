//! The native command line: `train`, `compare`, `presets`, `objective` (see README.md).

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use burn::tensor::{Device, FloatDType};
use clap::{Parser, Subcommand, ValueEnum};
use grpo_playground::algo::{Knobs, PRESETS};
use grpo_playground::config::RunConfig;
use grpo_playground::oracle::{self, ObjectiveInput};
use grpo_playground::train::{StepMetrics, Trainer};

#[derive(Parser)]
#[command(
    version,
    about = "Group-relative policy optimizers on tiny models and verifiable toy tasks"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum DeviceChoice {
    /// burn's flex CPU backend.
    Cpu,
    /// A GPU through wgpu (build with `--features gpu`).
    Wgpu,
}

#[derive(Subcommand)]
enum Command {
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
        /// Continue from a checkpoint (its config is used; --config/--set are ignored).
        #[arg(long)]
        resume: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "cpu")]
        device: DeviceChoice,
        /// CPU threads for scoring and gradients (each takes whole groups; results differ
        /// from a 1-thread run by float rounding only).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
        threads: u16,
    },
    /// Train several configs with paired seeds and print final accuracy and steps to a target.
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
        /// Write the per-run table here as CSV.
        #[arg(long, default_value = "compare.csv")]
        csv: PathBuf,
        #[arg(long, value_enum, default_value = "cpu")]
        device: DeviceChoice,
        /// CPU threads for scoring and gradients (each takes whole groups; results differ
        /// from a 1-thread run by float rounding only).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
        threads: u16,
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
        devices: Vec<DeviceChoice>,
        #[command(flatten)]
        options: BenchOptions,
    },
    /// Print every preset: its name, the knobs it changes from the defaults, its source.
    Presets,
    /// Evaluate the objective on the JSON batch on stdin (format: shared/golden/README.md):
    /// loss, per-token advantages, kept flags, d loss / d logp, as JSON on stdout.
    Objective {
        /// Compute in f32 (the training path) instead of f64.
        #[arg(long)]
        f32: bool,
    },
}

fn device(choice: DeviceChoice) -> Result<Device, String> {
    match choice {
        DeviceChoice::Cpu => Ok(Device::flex()),
        #[cfg(feature = "gpu")]
        DeviceChoice::Wgpu => Device::wgpu_options()
            .init()
            .map_err(|e| format!("--device wgpu: no usable GPU adapter ({e:?}); use --device cpu")),
        #[cfg(not(feature = "gpu"))]
        DeviceChoice::Wgpu => Err("--device wgpu: this binary was built without GPU support; \
             rebuild with `cargo build --release --features gpu`"
            .to_string()),
    }
}

/// `trainer` set to use `threads` CPU threads (the CPU backend only).
fn with_threads(
    mut trainer: Trainer,
    choice: DeviceChoice,
    threads: u16,
) -> Result<Trainer, String> {
    if threads > 1 && !matches!(choice, DeviceChoice::Cpu) {
        return Err(format!(
            "--threads {threads}: only the cpu device uses threads; allowed with --device wgpu: 1"
        ));
    }
    trainer.set_threads(threads.into());
    Ok(trainer)
}

fn read_config(path: Option<&PathBuf>, sets: &[String]) -> Result<RunConfig, String> {
    let text = match path {
        Some(p) => std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?,
        None => "{}".to_string(),
    };
    RunConfig::from_json_with(&text, sets).map_err(|e| e.to_string())
}

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

/// Runs `trainer` to the end; returns every step's metrics.
fn run(
    trainer: &mut Trainer,
    mut out: Option<&mut dyn Write>,
    quiet: bool,
) -> Result<Vec<StepMetrics>, String> {
    let mut all = Vec::new();
    let mut last_eval = None;
    while trainer.steps_done() < trainer.total_steps() {
        let m = futures_lite::future::block_on(trainer.step()).map_err(|e| e.to_string())?;
        last_eval = m.eval_accuracy.or(last_eval);
        if let Some(out) = out.as_deref_mut() {
            writeln!(
                out,
                "{}",
                serde_json::to_string(&m).map_err(|e| e.to_string())?
            )
            .map_err(|e| e.to_string())?;
        }
        if !quiet {
            progress(&m, trainer.total_steps(), last_eval);
        }
        all.push(m);
    }
    if !quiet {
        eprintln!();
    }
    Ok(all)
}

fn train(
    config: Option<PathBuf>,
    sets: Vec<String>,
    out: Option<PathBuf>,
    save: Option<PathBuf>,
    resume: Option<PathBuf>,
    choice: DeviceChoice,
    threads: u16,
) -> Result<String, String> {
    let trainer = match &resume {
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
            Trainer::load(&bytes, device(choice)?).map_err(|e| e.to_string())?
        }
        None => Trainer::new(read_config(config.as_ref(), &sets)?, device(choice)?)
            .map_err(|e| e.to_string())?,
    };
    let mut trainer = with_threads(trainer, choice, threads)?;
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
    let metrics = run(
        &mut trainer,
        file.as_mut().map(|f| f as &mut dyn Write),
        false,
    )?;
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

fn mean_std(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, var.sqrt())
}

fn compare(
    configs: Vec<PathBuf>,
    sets: Vec<String>,
    seeds: u64,
    target: f64,
    csv: PathBuf,
    choice: DeviceChoice,
    threads: u16,
) -> Result<String, String> {
    let mut rows =
        vec!["config,preset,seed,final_eval_accuracy,steps_to_target,wall_s".to_string()];
    let mut table = format!(
        "{:<28} {:<22} {:>18} {:>16}\n",
        "config", "preset", "final eval acc", "steps to target"
    );
    for path in &configs {
        let (mut finals, mut reached) = (Vec::new(), Vec::new());
        let mut preset = String::new();
        for seed in 0..seeds {
            let mut with_seed = sets.clone();
            with_seed.push(format!("seed={seed}"));
            let config = read_config(Some(path), &with_seed)?;
            preset = config.algo.preset.clone();
            let trainer = Trainer::new(config, device(choice)?).map_err(|e| e.to_string())?;
            let mut trainer = with_threads(trainer, choice, threads)?;
            eprintln!("{} seed {seed}", path.display());
            let metrics = run(&mut trainer, None, false)?;
            let final_eval = metrics
                .iter()
                .rev()
                .find_map(|m| m.eval_accuracy)
                .unwrap_or(0.0);
            let to_target = metrics
                .iter()
                .find(|m| m.eval_accuracy.is_some_and(|a| a >= target))
                .map(|m| m.step);
            let wall: f64 = metrics.iter().map(|m| m.wall_ms).sum::<f64>() / 1e3;
            rows.push(format!(
                "{},{preset},{seed},{final_eval},{},{wall:.2}",
                path.display(),
                to_target.map_or(String::new(), |s| s.to_string())
            ));
            finals.push(final_eval);
            if let Some(s) = to_target {
                reached.push(s as f64);
            }
        }
        let (m, s) = mean_std(&finals);
        let steps = if reached.is_empty() {
            "never".to_string()
        } else {
            let (rm, _) = mean_std(&reached);
            format!("{rm:.0} ({}/{seeds} seeds)", reached.len())
        };
        table.push_str(&format!(
            "{:<28} {:<22} {:>11.3} ± {:.3} {:>16}\n",
            path.display().to_string(),
            preset,
            m,
            s,
            steps
        ));
    }
    std::fs::write(&csv, rows.join("\n") + "\n").map_err(|e| format!("{}: {e}", csv.display()))?;
    Ok(format!("{table}(per run: {})", csv.display()))
}

fn device_name(choice: DeviceChoice) -> &'static str {
    match choice {
        DeviceChoice::Cpu => "cpu",
        DeviceChoice::Wgpu => "wgpu",
    }
}

/// How `bench` measures.
#[derive(clap::Args)]
struct BenchOptions {
    /// CPU threads for scoring and gradients (each takes whole groups; results differ
    /// from a 1-thread run by float rounding only).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    threads: u16,
    /// Unmeasured steps first.
    #[arg(long, default_value_t = 5)]
    warmup: usize,
    /// Measured steps (medians are reported).
    #[arg(long, default_value_t = 30)]
    steps: usize,
    /// Only the reference row: no scaling table, no decode cost.
    #[arg(long)]
    quick: bool,
    /// Print one JSON object per measurement instead of tables.
    #[arg(long)]
    json: bool,
    /// Also write the last CPU step's batch, weights, loss and gradient norm here, for
    /// `benches/reference/grpo_reference.py check`.
    #[arg(long)]
    dump_batch: Option<PathBuf>,
}

fn bench(sets: Vec<String>, devices: Vec<DeviceChoice>, o: BenchOptions) -> Result<String, String> {
    use grpo_playground::train::bench::{self, Timing};
    let base =
        RunConfig::from_json_with(bench::REFERENCE_CONFIG, &sets).map_err(|e| e.to_string())?;
    let devices = if devices.is_empty() {
        if cfg!(feature = "gpu") {
            vec![DeviceChoice::Cpu, DeviceChoice::Wgpu]
        } else {
            vec![DeviceChoice::Cpu]
        }
    } else {
        devices
    };
    use futures_lite::future::block_on as block;
    let err = |e: grpo_playground::train::TrainError| e.to_string();
    let rows = if o.quick {
        vec![("reference", base.clone())]
    } else {
        bench::scaling_configs(&base)
    };
    let mut out = String::new();
    let t = &base.train;
    if !o.json {
        out.push_str(&format!(
            "reference: {} | d_model {} · {} layers · {} heads | {} prompts × G {} | ≤ {} tokens | preset {}\n",
            serde_json::to_string(&base.task).map_err(|e| e.to_string())?,
            base.model.d_model,
            base.model.n_layers,
            base.model.n_heads,
            t.prompts_per_step,
            t.num_generations,
            t.max_completion_length,
            base.algo.preset,
        ));
    }
    for choice in devices {
        let name = device_name(choice);
        let dev = match device(choice) {
            Ok(d) => d,
            Err(e) => {
                out.push_str(&format!("{name}: unavailable ({e})\n"));
                continue;
            }
        };
        if !o.json {
            out.push_str(&format!(
                "\nbackend {name} ({} CPU thread(s)), medians of {} steps after {} warm-up steps\n{:<12} {:>11} {:>10} {:>9} {:>14}\n",
                o.threads, o.steps, o.warmup, "", "rollout ms", "update ms", "step ms", "completions/s"
            ));
        }
        for (label, config) in &rows {
            let trainer = Trainer::new(config.clone(), dev.clone()).map_err(err)?;
            let mut trainer = with_threads(trainer, choice, o.threads)?;
            let timing: Timing =
                block(bench::measure(&mut trainer, o.warmup, o.steps)).map_err(err)?;
            if o.json {
                let mut v = serde_json::to_value(&timing).map_err(|e| e.to_string())?;
                v["impl"] = "grpo-playground".into();
                v["backend"] = name.into();
                v["threads"] = o.threads.into();
                v["row"] = (*label).into();
                out.push_str(&format!("{v}\n"));
            } else {
                out.push_str(&format!(
                    "{label:<12} {:>11.2} {:>10.2} {:>9.2} {:>14.0}\n",
                    timing.rollout_ms, timing.update_ms, timing.step_ms, timing.completions_per_s
                ));
            }
            if *label != "reference" {
                continue;
            }
            if !o.json {
                out.push_str(&format!(
                    "{:<12} prompt tokens encoded per step {} ({} if each completion re-encoded its prompt)\n",
                    "", timing.prompt_tokens_encoded, timing.prompt_tokens_unshared
                ));
            }
            if !o.quick {
                let lengths = [8, 16, 32, 64];
                let cost = block(bench::decode_cost(&trainer, &lengths, 5)).map_err(err)?;
                if o.json {
                    let v = serde_json::json!({"impl": "grpo-playground", "backend": name, "decode": cost});
                    out.push_str(&format!("{v}\n"));
                } else {
                    let cells = |f: fn(&bench::DecodeCost) -> f64| {
                        cost.iter()
                            .map(|c| format!("{:.2} @ {}", f(c), c.length))
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    out.push_str(&format!(
                        "{:<12} decode, ms per token with the KV cache: {}\n{:<12} without a cache the last token would cost: {}\n",
                        "",
                        cells(|c| c.cached_ms_per_token),
                        "",
                        cells(|c| c.uncached_last_token_ms),
                    ));
                }
            }
            if !o.quick {
                let costs = block(bench::kernel_costs(&dev, 50)).map_err(err)?;
                if o.json {
                    let v = serde_json::json!({"impl": "grpo-playground", "backend": name, "kernels": costs});
                    out.push_str(&format!("{v}\n"));
                } else {
                    for c in &costs {
                        out.push_str(&format!("{:<12} {:>8.3} ms  {}\n", "", c.ms, c.op));
                    }
                }
            }
            if let (Some(path), DeviceChoice::Cpu) = (&o.dump_batch, choice) {
                let before = trainer.policy().clone();
                let metrics = block(trainer.step()).map_err(err)?;
                let dump = bench::shared_batch(&trainer, &before, &metrics)?;
                std::fs::write(path, dump.to_string())
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                if !o.json {
                    out.push_str(&format!(
                        "{:<12} shared batch written to {}\n",
                        "",
                        path.display()
                    ));
                }
            }
        }
    }
    Ok(out)
}

fn presets_table() -> String {
    let rows: Vec<[String; 3]> = PRESETS
        .iter()
        .map(|p| {
            let knobs = p
                .knobs
                .differences(&Knobs::DEFAULT)
                .into_iter()
                .map(|(k, v)| match v.as_str() {
                    Some(s) => format!("{k}={s}"),
                    None => format!("{k}={v}"),
                })
                .collect::<Vec<_>>()
                .join(" ");
            [p.name.to_string(), knobs, p.source.to_string()]
        })
        .collect();
    let header = [
        "preset".to_string(),
        "knobs (vs defaults)".into(),
        "source".into(),
    ];
    let width = |i: usize| {
        rows.iter()
            .chain([&header])
            .map(|r| r[i].chars().count())
            .max()
            .unwrap_or(0)
    };
    let (w0, w1) = (width(0), width(1));
    std::iter::once(&header)
        .chain(&rows)
        .map(|r| format!("{:w0$}  {:w1$}  {}\n", r[0], r[1], r[2]))
        .collect()
}

fn objective(f32: bool) -> Result<String, String> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| format!("stdin: {e}"))?;
    let input = ObjectiveInput::from_json(&text).map_err(|e| e.to_string())?;
    let dtype = if f32 {
        FloatDType::F32
    } else {
        FloatDType::F64
    };
    let device = Device::flex().autodiff();
    let output = futures_lite::future::block_on(oracle::evaluate(&input, &device, dtype))
        .map_err(|e| e.to_string())?;
    serde_json::to_string(&output).map_err(|e| e.to_string())
}

/// glibc gives every allocation above 128 KiB its own mapping and unmaps it on free, so each
/// step's larger tensors page-fault afresh, and two threads queue on the kernel's memory-map
/// lock. Keeping them in the heap made the reference step 6–11 % faster.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_large_allocations_in_the_heap() {
    // SAFETY: mallopt only tunes glibc's allocator; called first, before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
        libc::mallopt(libc::M_TOP_PAD, 64 << 20);
    }
}

fn main() -> ExitCode {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    keep_large_allocations_in_the_heap();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Train {
            config,
            sets,
            out,
            save,
            resume,
            device,
            threads,
        } => train(config, sets, out, save, resume, device, threads),
        Command::Compare {
            configs,
            sets,
            seeds,
            target,
            csv,
            device,
            threads,
        } => compare(configs, sets, seeds, target, csv, device, threads),
        Command::Bench {
            sets,
            devices,
            options,
        } => bench(sets, devices, options),
        Command::Presets => Ok(presets_table()),
        Command::Objective { f32 } => objective(f32),
    };
    match result {
        Ok(out) => {
            println!("{}", out.trim_end());
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}
