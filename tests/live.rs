//! Live knobs: a running trainer takes a new learning rate, clip range, β or temperature between
//! steps without a reset, reports the change in the next step's metrics, and refuses restart
//! knobs and out-of-range values, changing nothing.

use burn::tensor::Device;
use grpo_playground::config::RunConfig;
use grpo_playground::train::{StepMetrics, Trainer};
use serde_json::json;

/// GRPO without its KL term on the bandit.
fn bandit() -> Trainer {
    let config = RunConfig::from_json(
        r#"{"task": {"name": "bandit"}, "algo": {"preset": "grpo", "beta": 0.0},
            "train": {"steps": 20, "eval_every": 100}}"#,
    )
    .unwrap();
    Trainer::new(config, Device::flex()).unwrap()
}

fn step(t: &mut Trainer) -> StepMetrics {
    futures_lite::future::block_on(t.step()).unwrap()
}

#[test]
fn a_live_change_applies_from_the_next_step_and_is_reported_once() {
    let mut t = bandit();
    step(&mut t);
    t.set_live(&json!({"train": {"learning_rate": 0.002}, "algo": {"epsilon": 0.1}}))
        .unwrap();
    let m = step(&mut t);
    assert_eq!(m.lr, 0.002);
    let changes = m.live_changes.expect("the step after a change lists it");
    assert_eq!(changes["train.learning_rate"], json!(0.002));
    assert_eq!(changes["algo.epsilon"], json!(0.1));
    assert_eq!(t.config().algo.epsilon, Some(0.1));
    assert_eq!(step(&mut t).live_changes, None, "reported once");
}

#[test]
fn restart_knobs_unknown_knobs_and_bad_values_are_refused_and_change_nothing() {
    let mut t = bandit();
    let before = t.config().clone();
    let refused =
        |t: &mut Trainer, changes: serde_json::Value| t.set_live(&changes).expect_err("refused");
    let e = refused(&mut t, json!({"train": {"num_generations": 4}}));
    assert_eq!(e.field, "train.num_generations");
    assert!(e.problem.contains("restart knob"), "{e}");
    assert!(
        e.problem.contains("train.learning_rate"),
        "lists the live knobs: {e}"
    );
    assert_eq!(
        refused(&mut t, json!({"algo": {"nonsense": 1}})).field,
        "algo.nonsense"
    );
    // A valid change next to an invalid one is not applied either.
    let e = refused(
        &mut t,
        json!({"train": {"learning_rate": 0.5}, "algo": {"beta": -1.0}}),
    );
    assert_eq!(e.field, "algo.beta");
    assert_eq!(
        refused(&mut t, json!({"train": {"temperature": 0.0}})).field,
        "train.temperature"
    );
    assert_eq!(t.config(), &before);
}

#[test]
fn a_live_beta_anchors_to_the_policy_rl_started_from() {
    let mut t = bandit();
    for _ in 0..5 {
        assert_eq!(
            step(&mut t).kl,
            0.0,
            "no KL term, no KL reported at beta = 0"
        );
    }
    t.set_live(&json!({"algo": {"beta": 0.5}})).unwrap();
    let kl = step(&mut t).kl;
    assert!(
        kl > 0.0,
        "five steps moved the policy off its start: kl = {kl}"
    );
}
