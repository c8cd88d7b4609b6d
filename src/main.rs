//! The native command line: `train`, `compare`, `presets`, `objective` (see README.md).

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use burn::tensor::{Device, FloatDType};
use clap::{Parser, Subcommand};
use grpo_playground::algo::PRESETS;
use grpo_playground::config::{Backend, RunConfig};
use grpo_playground::export;
use grpo_playground::oracle::{self, ObjectiveInput};
use grpo_playground::train::lesson::Lesson;
use grpo_playground::train::{StepMetrics, Trainer, compare, paired, tables};

#[derive(Parser)]
#[command(
    version,
    about = "Group-relative policy optimizers on tiny models and verifiable toy tasks"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
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
        options: CompareOptions,
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
        options: BenchOptions,
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
    /// Evaluate the objective on the JSON batch on stdin (format: shared/golden/README.md):
    /// loss, per-token advantages, kept flags, d loss / d logp, as JSON on stdout.
    Objective {
        /// Compute in f32 (the training path) instead of f64.
        #[arg(long)]
        f32: bool,
    },
}

fn device(backend: Backend) -> Result<Device, String> {
    futures_lite::future::block_on(grpo_playground::device::open(backend)).map(|(device, _)| device)
}

/// `trainer` set to use `threads` CPU threads (the CPU backend only).
fn with_threads(mut trainer: Trainer, backend: Backend, threads: u16) -> Result<Trainer, String> {
    if threads > 1 && backend == Backend::Wgpu {
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
    out: Option<&mut dyn Write>,
    quiet: bool,
) -> Result<Vec<StepMetrics>, String> {
    let end = trainer.total_steps();
    run_until(trainer, end, out, quiet)
}

/// Runs `trainer` until `end` steps are done, writing each step's metrics to `out` and a
/// progress line to stderr unless `quiet`; returns the metrics of the steps it ran.
fn run_until(
    trainer: &mut Trainer,
    end: usize,
    mut out: Option<&mut dyn Write>,
    quiet: bool,
) -> Result<Vec<StepMetrics>, String> {
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
        if !quiet {
            progress(m, t.total_steps(), last_eval);
        }
        Ok(())
    })?;
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

fn compare(
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
struct CompareOptions {
    /// Write the per-run summary (one row per config × seed) here as CSV.
    #[arg(long, default_value = "compare.csv")]
    csv: PathBuf,
    /// Write every step of every run here as CSV.
    #[arg(long, default_value = "compare_steps.csv")]
    steps_csv: PathBuf,
    /// Train the warm-up (`train.sft_steps`) once per seed, with the first config, and branch
    /// every config from it; the configs must agree on everything the warm-up reads.
    #[arg(long)]
    shared_warmup: bool,
    /// Print the summary as JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Where tensors live; default: each config's `backend` (auto = cpu natively).
    #[arg(long, value_enum)]
    device: Option<Backend>,
    /// CPU threads for scoring and gradients (each takes whole groups; results differ
    /// from a 1-thread run by float rounding only).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    threads: u16,
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

fn bench(sets: Vec<String>, devices: Vec<Backend>, o: BenchOptions) -> Result<String, String> {
    use grpo_playground::train::bench::{self, Timing};
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
        let name = serde_json::to_value(choice).map_err(|e| e.to_string())?;
        let name = name.as_str().unwrap_or("?");
        let (dev, described) =
            match futures_lite::future::block_on(grpo_playground::device::open(choice)) {
                Ok(d) => d,
                Err(e) => {
                    out.push_str(&format!("{name}: unavailable ({e})\n"));
                    continue;
                }
            };
        if !o.json {
            out.push_str(&format!(
                "\nbackend {name}: {described} ({} CPU thread(s)), medians of {} steps after {} warm-up steps\n{:<12} {:>11} {:>10} {:>9} {:>14} {:>16}\n",
                o.threads, o.steps, o.warmup, "", "rollout ms", "update ms", "step ms", "completions/s", "dispatches/step"
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
                v["device"] = described.as_str().into();
                v["threads"] = o.threads.into();
                v["row"] = (*label).into();
                out.push_str(&format!("{v}\n"));
            } else {
                let dispatches = timing
                    .dispatches_per_step
                    .map_or("–".to_string(), |d| format!("{d:.1}"));
                out.push_str(&format!(
                    "{label:<12} {:>11.2} {:>10.2} {:>9.2} {:>14.0} {dispatches:>16}\n",
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
            if let (Some(path), Backend::Cpu) = (&o.dump_batch, choice) {
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
            [
                p.name.to_string(),
                tables::preset_knobs(p),
                p.source.to_string(),
            ]
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

/// `config` (with `sets`) as `to`'s settings.
fn export(to: &str, config: Option<&PathBuf>, sets: &[String]) -> Result<String, String> {
    let target: export::Target = to
        .parse()
        .map_err(|e: grpo_playground::ConfigError| format!("--{e}"))?;
    let config = read_config(config, sets)?;
    export::export(&config, target)
        .map(|e| e.to_string())
        .map_err(|e| e.to_string())
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

/// `lesson --list`: one line per lesson, `id<TAB>title<TAB>paper`.
fn lesson_list() -> Result<(String, bool), String> {
    let all = Lesson::all().map_err(|e| e.to_string())?;
    let lines: Vec<String> = all
        .iter()
        .map(|l| {
            format!(
                "{}\t{}\t{} (arXiv {})",
                l.id, l.title, l.paper.title, l.paper.arxiv
            )
        })
        .collect();
    Ok((lines.join("\n"), true))
}

/// `lesson --list`, or the lesson's report and whether every check held.
fn lesson(
    id: Option<String>,
    file: Option<PathBuf>,
    seeds: Option<u64>,
    seed_base: Option<u64>,
    json: bool,
    threads: u16,
) -> Result<(String, bool), String> {
    let lesson = match (id, file) {
        (Some(id), _) => Lesson::find(&id).map_err(|e| e.to_string())?,
        (None, Some(path)) => {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("--file {}: {e}", path.display()))?;
            Lesson::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?
        }
        (None, None) => return lesson_list(),
    };
    let base = seed_base.unwrap_or(lesson.base_seed());
    let n = seeds.unwrap_or(lesson.setup.seeds as u64);
    let configs = (0..lesson.setup.variants.len())
        .map(|v| {
            (base..base + n)
                .map(|seed| lesson.config(v, seed).map_err(|e| e.to_string()))
                .collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<Vec<_>, _>>()?;
    let new = |config: RunConfig| {
        let t = Trainer::new(config, Device::flex()).map_err(|e| e.to_string())?;
        with_threads(t, Backend::Cpu, threads)
    };
    let branch = |bytes: &[u8], config: RunConfig| {
        let t = Trainer::branch(bytes, Some(config), Device::flex()).map_err(|e| e.to_string())?;
        with_threads(t, Backend::Cpu, threads)
    };
    let log = |line: &str| eprintln!("{line}");
    let runner = paired::Runner {
        new: &new,
        branch: &branch,
        log: &log,
    };
    let names: Vec<String> = lesson.setup.variants.iter().map(|v| v.id.clone()).collect();
    let runs = paired::run_paired(&configs, &names, true, &runner)?;
    let report = lesson.check(&runs);
    let text = if json {
        serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
    } else {
        let mut out = format!("{} — {}\n{}\n\n", lesson.id, lesson.title, lesson.claim);
        for c in &report.checks {
            let diffs: Vec<String> = c
                .per_seed
                .iter()
                .map(|d| d.map_or("-".into(), |d| format!("{d:+.4}")))
                .collect();
            out += &format!(
                "{:<14} {} − {}  expect {:<7}  per seed [{}]  mean {:+.4} ± {:.4}  {}/{} seeds  {}\n",
                c.metric,
                c.variants[0],
                c.variants[1],
                serde_json::to_value(c.expect)
                    .map_err(|e| e.to_string())?
                    .as_str()
                    .unwrap_or(""),
                diffs.join(", "),
                c.paired_mean,
                c.paired_sd,
                c.seeds_held,
                c.seeds,
                if c.held { "held" } else { "NOT held" }
            );
        }
        out + if report.held {
            "every check held"
        } else {
            "a check did not hold"
        }
    };
    Ok((text, report.held))
}

fn main() -> ExitCode {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    keep_large_allocations_in_the_heap();
    let cli = Cli::parse();
    // What to print, and whether it succeeded (a lesson whose checks fail exits with 1).
    let done = |out: String| (out, true);
    let result = match cli.command {
        Command::Train {
            config,
            sets,
            out,
            save,
            resume,
            device,
            threads,
        } => train(config, sets, out, save, resume, device, threads).map(done),
        Command::Compare {
            configs,
            sets,
            seeds,
            target,
            options,
        } => compare(configs, sets, seeds, target, options).map(done),
        Command::Bench {
            sets,
            devices,
            options,
        } => bench(sets, devices, options).map(done),
        Command::Presets { markdown } => Ok(done(if markdown {
            tables::presets()
        } else {
            presets_table()
        })),
        Command::Tasks => Ok(done(tables::tasks())),
        Command::Schema { markdown } => Ok(done(if markdown {
            tables::knobs()
        } else {
            grpo_playground::train::schema::schema().to_string()
        })),
        Command::Objective { f32 } => objective(f32).map(done),
        Command::Export { to, config, sets } => export(&to, config.as_ref(), &sets).map(done),
        Command::Lesson {
            id,
            file,
            seeds,
            seed_base,
            json,
            threads,
            ..
        } => lesson(id, file, seeds, seed_base, json, threads),
    };
    match result {
        Ok((out, held)) => {
            println!("{}", out.trim_end());
            ExitCode::from(if held { 0 } else { 1 })
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}
