//! Every lesson of `lessons/` parses and validates, and its `observe` checks hold in a majority
//! of 3 paired seeds (the lesson's own setup, natively, a shared warm-up per seed) — what
//! `grpo-playground lesson ID --seeds 3` reports.

use burn::tensor::Device;
use grpo_playground::config::RunConfig;
use grpo_playground::experiments::lesson::Lesson;
use grpo_playground::experiments::paired::{Runner, run_paired};
use grpo_playground::train::Trainer;

#[test]
fn every_lesson_parses_validates_and_is_named_after_its_file() {
    let all = Lesson::all().unwrap_or_else(|e| panic!("{e}"));
    assert!(all.len() >= 8, "at least 8 lessons, found {}", all.len());
    let mut ids: Vec<&str> = all.iter().map(|l| l.id.as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), all.len(), "lesson ids are unique");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("lessons");
    for l in &all {
        assert!(
            dir.join(format!("{}.json", l.id)).exists(),
            "lessons/{}.json",
            l.id
        );
    }
    let err = Lesson::find("nope").unwrap_err().to_string();
    assert!(
        err.contains("unknown `nope`") && err.contains("kl-beta"),
        "{err}"
    );
}

/// Runs `id` on its first 3 seeds and asserts every check held.
fn holds(id: &str) {
    let lesson = Lesson::find(id).unwrap_or_else(|e| panic!("{e}"));
    let base = lesson.base_seed();
    let configs: Vec<Vec<RunConfig>> = (0..lesson.setup.variants.len())
        .map(|v| {
            (base..base + 3)
                .map(|s| lesson.config(v, s).unwrap())
                .collect()
        })
        .collect();
    let new = |c: RunConfig| Trainer::new(c, Device::flex()).map_err(|e| e.to_string());
    let branch = |b: &[u8], c: RunConfig| {
        Trainer::branch(b, Some(c), Device::flex()).map_err(|e| e.to_string())
    };
    let runner = Runner {
        new: &new,
        branch: &branch,
        log: &|_| {},
    };
    let names: Vec<String> = lesson.setup.variants.iter().map(|v| v.id.clone()).collect();
    let runs = run_paired(&configs, &names, true, &runner).unwrap();
    let report = lesson.check(&runs);
    assert!(
        report.held,
        "{id}: {}",
        serde_json::to_string_pretty(&report).unwrap()
    );
}

macro_rules! lesson_tests {
    ($($name:ident => $id:literal,)*) => {
        $( #[test] fn $name() { holds($id); } )*
    };
}

lesson_tests! {
    group_baseline => "group-baseline",
    group_size => "group-size",
    kl_beta => "kl-beta",
    cppo => "cppo",
    gspo_off_policy => "gspo-off-policy",
    mc_grpo => "mc-grpo",
    clip_higher => "clip-higher",
    std_scaling => "std-scaling",
    dynamic_sampling => "dynamic-sampling",
    dr_grpo_length => "dr-grpo-length",
}
