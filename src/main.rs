//! The native command line: `presets`, `objective` (see README.md).

use std::io::Read;
use std::process::ExitCode;

use burn::tensor::{Device, FloatDType};
use clap::{Parser, Subcommand};
use grpo_playground::algo::{Knobs, PRESETS};
use grpo_playground::oracle::{self, ObjectiveInput};

#[derive(Parser)]
#[command(version, about = "Group-relative policy optimizers on tiny models")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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

fn presets_table() -> String {
    let rows: Vec<[String; 3]> = PRESETS
        .iter()
        .map(|p| {
            let knobs = p
                .knobs
                .differences(&Knobs::DEFAULT)
                .into_iter()
                .map(|(k, v)| format!("{k}={v}"))
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
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
