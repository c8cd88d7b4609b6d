//! Per-task defaults (a config naming only its task gets that task's knobs), branching a run
//! from a saved warm-up under another optimizer, and the diagnostics the paper claims need.

use burn::tensor::Device;
use grpo_playground::config::RunConfig;
use grpo_playground::tasks::TaskConfig;
use grpo_playground::train::{Phase, StepMetrics, Trainer};

fn config(json: &str) -> RunConfig {
    RunConfig::from_json(json).unwrap_or_else(|e| panic!("{json}: {e}"))
}

fn trainer(config: RunConfig) -> Trainer {
    Trainer::new(config, Device::flex()).unwrap_or_else(|e| panic!("{e}"))
}

fn steps(t: &mut Trainer, n: usize) -> Vec<StepMetrics> {
    (0..n)
        .map(|_| futures_lite::future::block_on(t.step()).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

fn save(t: &Trainer) -> Vec<u8> {
    futures_lite::future::block_on(t.save()).unwrap()
}

/// Metrics without wall-clock timings.
fn comparable(mut m: Vec<StepMetrics>) -> Vec<StepMetrics> {
    for s in &mut m {
        (s.wall_ms, s.rollout_ms, s.update_ms, s.tokens_per_s) = (0.0, 0.0, 0.0, 0.0);
    }
    m
}

#[test]
fn a_config_naming_only_its_task_gets_the_tasks_defaults() {
    for task in TaskConfig::all() {
        let json = format!(r#"{{"task": {{"name": "{}"}}}}"#, task.name());
        let parsed = config(&json);
        assert_eq!(parsed, RunConfig::for_task(task.clone()), "{json}");
        let d = task.defaults();
        assert_eq!(
            (
                parsed.train.sft_steps,
                parsed.train.max_completion_length,
                parsed.train.learning_rate,
                parsed.model.d_model
            ),
            (
                d.sft_steps,
                d.max_completion_length,
                d.learning_rate,
                d.d_model
            ),
            "{json}"
        );
        // Every task's defaults build a trainer (lengths and context fit).
        trainer(parsed);
    }
    // The bandit is a one-token task with no warm-up, whatever arithmetic's defaults are.
    let bandit = config(r#"{"task": {"name": "bandit", "arms": 8}}"#);
    assert_eq!(
        (bandit.train.max_completion_length, bandit.train.sft_steps),
        (1, 0)
    );
    // Anything named explicitly overrides; the rest stays the task's.
    let named =
        config(r#"{"task": {"name": "bandit"}, "train": {"steps": 7}, "model": {"d_model": 48}}"#);
    assert_eq!((named.train.steps, named.model.d_model), (7, 48));
    assert_eq!(named.train.learning_rate, bandit.train.learning_rate);
    assert_eq!(named.model.n_layers, bandit.model.n_layers);
    // No task at all: arithmetic's.
    assert_eq!(
        config("{}"),
        RunConfig::for_task(TaskConfig::all()[0].clone())
    );
}

/// The README's embed example, `task=bandit&arms=8` with GRPO and RLOO: with arithmetic's
/// settings it used to train on reward 0 for 400 steps.
#[test]
fn the_readme_embed_example_earns_reward() {
    for preset in ["grpo", "rloo"] {
        let mut t = trainer(config(&format!(
            r#"{{"task": {{"name": "bandit", "arms": 8}}, "algo": {{"preset": "{preset}"}}}}"#
        )));
        let m = steps(&mut t, 40);
        let late = m[30..].iter().map(|s| s.reward_mean).sum::<f64>() / 10.0;
        assert!(late > 0.3, "{preset}: reward {late}");
    }
}

const WARM: &str = r#"{ "task": {"name": "chain", "max_terms": 3}, "algo": {"preset": "grpo"}, "seed": 3,
    "model": {"d_model": 32, "n_layers": 1, "n_heads": 2},
    "train": {"max_completion_length": 8, "prompts_per_step": 4, "num_generations": 4,
              "sft_steps": 6, "steps": 6, "eval_every": 3} }"#;

#[test]
fn a_branch_from_the_warm_up_trains_what_a_fresh_run_trains() {
    let mut warm = trainer(config(WARM));
    steps(&mut warm, 6);
    let bytes = save(&warm);
    let dapo = config(&WARM.replace("\"grpo\"", "\"dapo\""));
    let fresh = comparable(steps(&mut trainer(dapo.clone()), 12));
    let mut branched = Trainer::branch(&bytes, Some(dapo), Device::flex()).unwrap();
    assert_eq!(branched.steps_done(), 6);
    let rest = comparable(steps(&mut branched, 6));
    assert!(rest.iter().all(|m| m.phase == Phase::Rl));
    assert_eq!(rest, fresh[6..]);
}

#[test]
fn a_branch_may_not_change_what_made_the_saved_state() {
    let mut warm = trainer(config(WARM));
    steps(&mut warm, 3); // inside the warm-up
    let mid = save(&warm);
    steps(&mut warm, 3);
    let done = save(&warm);
    let branch = |bytes: &[u8], json: &str| {
        Trainer::branch(bytes, Some(config(json)), Device::flex())
            .err()
            .map(|e| e.to_string())
    };
    let cases = [
        ("\"max_terms\": 3", "\"max_terms\": 2", "task"),
        ("\"d_model\": 32", "\"d_model\": 48", "model"),
        ("\"seed\": 3", "\"seed\": 4", "seed"),
        ("\"sft_steps\": 6", "\"sft_steps\": 8", "train.sft_steps"),
    ];
    for (from, to, field) in cases {
        let e = branch(&done, &WARM.replace(from, to)).expect(field);
        assert!(
            e.starts_with(&format!("{field}: cannot change")),
            "{field}: {e}"
        );
    }
    // The warm-up's own knobs are fixed while it is unfinished, free once it is done.
    let wider = WARM.replace("\"prompts_per_step\": 4", "\"prompts_per_step\": 6");
    let e = branch(&mid, &wider).expect("prompts_per_step mid-warm-up");
    assert!(
        e.starts_with("train.prompts_per_step: cannot change"),
        "{e}"
    );
    assert_eq!(branch(&done, &wider), None);
    // The optimizer and the RL knobs are free.
    let other = WARM
        .replace("\"grpo\"", "\"gspo\"")
        .replace("\"steps\": 6", "\"steps\": 9");
    assert_eq!(branch(&done, &other), None);
}

#[test]
fn log_kl_measures_drift_without_changing_training() {
    // The format term gives rewards that vary within a group, so RL moves the policy.
    let base = WARM.replace("\"grpo\"", "\"dr_grpo\"").replace(
        "\"max_terms\": 3",
        "\"max_terms\": 3, \"format_weight\": 0.5",
    );
    let logged = base.replace("\"eval_every\": 3", "\"eval_every\": 3, \"log_kl\": true");
    let plain = comparable(steps(&mut trainer(config(&base)), 12));
    let with_kl = comparable(steps(&mut trainer(config(&logged)), 12));
    assert!(plain.iter().all(|m| m.kl == 0.0));
    // The first RL step samples from the reference itself (KL 0); later steps have drifted.
    assert_eq!(with_kl[6].kl, 0.0);
    assert!(with_kl[11].kl > 0.0, "{}", with_kl[11].kl);
    let without_kl = |m: &[StepMetrics]| {
        m.iter()
            .map(|s| StepMetrics {
                kl: 0.0,
                ..s.clone()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(without_kl(&with_kl), without_kl(&plain));
}

#[test]
fn rl_metrics_split_lengths_by_correctness_and_eval_by_difficulty() {
    let m = steps(&mut trainer(config(WARM)), 12);
    let rl = &m[6..];
    for s in rl {
        let total = s.completion_len_mean;
        let acc = s.accuracy;
        let (right, wrong) = (s.completion_len_correct, s.completion_len_incorrect);
        // The two means recombine into the overall mean.
        let recombined = acc * right.unwrap_or(0.0) + (1.0 - acc) * wrong.unwrap_or(0.0);
        assert!((recombined - total).abs() < 1e-9, "{s:?}");
        assert_eq!(right.is_some(), acc > 0.0);
        assert_eq!(wrong.is_some(), acc < 1.0);
    }
    let evals: Vec<_> = m
        .iter()
        .filter_map(|s| s.eval_by_difficulty.clone())
        .collect();
    assert_eq!(evals.len(), 4, "evaluations at steps 3, 6, 9, 12");
    for e in evals {
        assert_eq!(e.keys().copied().collect::<Vec<_>>(), vec![2, 3]);
    }
}
