//! `grpo-playground lesson`: a lesson's checks on paired seeds, or `--list`.

use std::path::PathBuf;

use burn::tensor::Device;
use grpo_playground::config::{Backend, RunConfig};
use grpo_playground::experiments::lesson::Lesson;
use grpo_playground::experiments::paired;
use grpo_playground::train::Trainer;

use super::with_threads;

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
pub fn lesson(
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
