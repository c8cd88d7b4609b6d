//! The step inspector's view of a trained step is the objective oracle's, on exactly the batch
//! the step trained on: `shown` equals `evaluate(input)`, the advantages and keep flags equal
//! the trainer's own, and every token's numbers are consistent with the knobs.

use burn::tensor::{Device, FloatDType};
use grpo_playground::config::RunConfig;
use grpo_playground::oracle::{ClipState, evaluate};
use grpo_playground::train::Trainer;
use serde_json::json;

/// Two RL steps of `algo` on 1-digit addition after a short warm-up.
fn trained(algo: serde_json::Value) -> Trainer {
    trained_with(algo, 0)
}

/// [`trained`], the sampler `sampler_lag` updates behind.
fn trained_with(algo: serde_json::Value, sampler_lag: usize) -> Trainer {
    trained_on(
        json!({"name": "arithmetic", "digits": 1}),
        algo,
        sampler_lag,
    )
}

/// [`trained_with`] on `task`.
fn trained_on(task: serde_json::Value, algo: serde_json::Value, sampler_lag: usize) -> Trainer {
    let config = json!({
        "task": task,
        "algo": algo,
        "train": {"sft_steps": 30, "steps": 2, "prompts_per_step": 6, "num_generations": 4,
                  "max_completion_length": 4, "eval_every": 100, "sampler_lag": sampler_lag}
    });
    let mut t = Trainer::new(
        RunConfig::from_json(&config.to_string()).unwrap(),
        Device::flex(),
    )
    .unwrap();
    while t.steps_done() < t.total_steps() {
        futures_lite::future::block_on(t.step()).unwrap();
    }
    t
}

#[test]
fn the_inspection_is_the_oracle_on_the_trained_batch() {
    for algo in [
        json!({"preset": "grpo"}),
        json!({"preset": "dapo"}),
        json!({"preset": "cppo"}),
        json!({"preset": "remax"}),
        json!({"preset": "mc_grpo"}),
        json!({"preset": "gvpo"}),
        json!({"preset": "vespo"}),
        json!({"preset": "raft"}),
        json!({"preset": "reinforce_rej"}),
        json!({"preset": "optimal_token_baseline"}),
        json!({"preset": "grpo", "clip_ratio_c": 3.0, "beta": 0.0}),
    ] {
        let t = trained(algo.clone());
        let view = futures_lite::future::block_on(t.inspect())
            .unwrap()
            .expect("an RL step ran");
        let i = &view.inspection;
        let device = Device::flex().autodiff();
        let oracle =
            futures_lite::future::block_on(evaluate(&i.input, &device, FloatDType::F64)).unwrap();
        assert_eq!(i.shown, oracle, "{algo}: shown is the oracle's output");
        // The trainer's sample viewer read the same advantages and keep flags (in f32).
        let g = t.last_batch().unwrap().group_size;
        for (r, s) in t.samples().iter().enumerate() {
            let c = &i.groups[r / g].completions[r % g];
            assert_eq!(c.kept, s.kept, "{algo}: row {r} kept");
            let a = c.tokens[0].advantage;
            assert!(
                (a - s.advantage).abs() <= 1e-4 * a.abs().max(1.0),
                "{algo}: row {r}"
            );
            assert_eq!(
                c.kept,
                c.dropped_by.is_empty(),
                "{algo}: a dropped completion says why"
            );
            assert_eq!(view.text[r / g][r % g].len(), c.tokens.len());
        }
        for token in i
            .groups
            .iter()
            .flat_map(|g| &g.completions)
            .flat_map(|c| &c.tokens)
        {
            // The first update's view: log π = log π_old, so every ratio is 1 and nothing clips.
            assert_eq!(token.ratio, 1.0, "{algo}");
            assert_eq!(token.clip, ClipState::Inside, "{algo}");
            assert_eq!(token.surrogate.is_none(), i.sequence_level, "{algo}");
        }
    }
}

#[test]
fn a_lagging_samplers_step_is_inspected_with_its_log_probs() {
    let t = trained_with(json!({"preset": "grpo", "rollout_is": "token_truncate"}), 1);
    let view = futures_lite::future::block_on(t.inspect())
        .unwrap()
        .expect("an RL step ran");
    let i = &view.inspection;
    let input = serde_json::to_value(&i.input).unwrap();
    let first = &input["groups"][0]["completions"][0];
    assert_eq!(
        first["logp_rollout"].as_array().map(Vec::len),
        first["logp"].as_array().map(Vec::len),
        "the sampler's log-probs travel with the batch"
    );
    let oracle = futures_lite::future::block_on(evaluate(
        &i.input,
        &Device::flex().autodiff(),
        FloatDType::F64,
    ))
    .unwrap();
    assert_eq!(i.shown, oracle);
}

#[test]
fn pruned_and_pivot_completions_name_their_filter() {
    let cppo = trained(json!({"preset": "cppo"}));
    let view = futures_lite::future::block_on(cppo.inspect())
        .unwrap()
        .unwrap();
    let dropped: Vec<_> = view
        .inspection
        .groups
        .iter()
        .flat_map(|g| &g.completions)
        .filter(|c| !c.kept)
        .collect();
    assert!(!dropped.is_empty(), "CPPO prunes half of every group");
    assert!(
        dropped
            .iter()
            .all(|c| c.dropped_by.contains(&"prune_ratio"))
    );
    let mc = trained(json!({"preset": "mc_grpo"}));
    let view = futures_lite::future::block_on(mc.inspect())
        .unwrap()
        .unwrap();
    for g in &view.inspection.groups {
        let pivots = g
            .completions
            .iter()
            .filter(|c| c.dropped_by.contains(&"adv_estimator"))
            .count();
        assert_eq!(pivots, 1, "one pivot per group of G + 1");
    }
}

#[test]
fn there_is_nothing_to_inspect_before_the_first_rl_step() {
    let config = RunConfig::from_json(r#"{"task": {"name": "bandit"}}"#).unwrap();
    let t = Trainer::new(config, Device::flex()).unwrap();
    assert!(
        futures_lite::future::block_on(t.inspect())
            .unwrap()
            .is_none()
    );
}

#[test]
fn vespos_curve_is_its_weighted_reinforce_term() {
    use grpo_playground::algo::AlgoConfig;
    use grpo_playground::oracle::surrogate_curve;
    let knobs = AlgoConfig::preset("vespo").knobs().unwrap();
    let curve = futures_lite::future::block_on(surrogate_curve(&knobs))
        .unwrap()
        .expect("vespo has per-token terms");
    // Each point a one-token completion: w = r, and for A = 1 the objective φ(r)·ln r with
    // φ = exp(λ + k ln r − λ r), k 2, λ 3; for A = −1, −φ(r)·ln r with k 3, λ 2.
    for (i, &r) in curve.ratio.iter().enumerate() {
        let phi = |k: f64, lambda: f64| (lambda + k * r.ln() - lambda * r).exp();
        assert_close(curve.positive[i], phi(2.0, 3.0) * r.ln());
        assert_close(curve.negative[i], -phi(3.0, 2.0) * r.ln());
    }
}

fn assert_close(got: f64, want: f64) {
    assert!(
        (got - want).abs() <= 1e-9 * want.abs().max(1.0),
        "{got} vs {want}"
    );
}

#[test]
fn the_surrogate_curve_is_the_clipped_objective() {
    use grpo_playground::algo::AlgoConfig;
    use grpo_playground::oracle::surrogate_curve;
    let mut config = AlgoConfig::preset("dapo");
    config.clip_ratio_c = Some(Some(3.0));
    let knobs = config.knobs().unwrap();
    let curve = futures_lite::future::block_on(surrogate_curve(&knobs))
        .unwrap()
        .expect("clip has per-token terms");
    let (lo, hi) = (1.0 - knobs.epsilon, 1.0 + knobs.epsilon_high());
    for bound in [lo, hi, 3.0] {
        assert!(
            curve.ratio.contains(&bound),
            "{bound} is a point of its own"
        );
    }
    for (i, &r) in curve.ratio.iter().enumerate() {
        // A = +1: min(r, clip(r)); A = −1: max(min(−r, −clip(r)), −c).
        let clip = r.clamp(lo, hi);
        assert!((curve.positive[i] - r.min(clip)).abs() < 1e-12, "r = {r}");
        assert!(
            (curve.negative[i] - (-r).min(-clip).max(-3.0)).abs() < 1e-12,
            "r = {r}"
        );
    }
    let gvpo = AlgoConfig::preset("gvpo").knobs().unwrap();
    assert!(
        futures_lite::future::block_on(surrogate_curve(&gvpo))
            .unwrap()
            .is_none()
    );
}

/// GDPO's step is inspected with each completion's reward components and the task's weights,
/// which the oracle's advantages read; the reward shown is their weighted sum.
#[test]
fn gdpo_is_inspected_with_each_completions_reward_components() {
    let task = json!({"name": "arithmetic", "digits": 1, "reward_weights": {"format": 0.5}});
    let t = trained_on(task, json!({"preset": "gdpo"}), 0);
    let view = futures_lite::future::block_on(t.inspect())
        .unwrap()
        .expect("an RL step ran");
    assert_eq!(view.reward_components, ["exact", "partial", "format"]);
    let i = &view.inspection;
    assert_eq!(i.input.reward_weights, Some(vec![1.0, 0.0, 0.5]));
    let device = Device::flex().autodiff();
    let oracle =
        futures_lite::future::block_on(evaluate(&i.input, &device, FloatDType::F64)).unwrap();
    assert_eq!(i.shown, oracle);
    let g = t.last_batch().unwrap().group_size;
    for (r, s) in t.samples().iter().enumerate() {
        let c = &i.groups[r / g].completions[r % g];
        assert_eq!(c.reward_components.len(), 3, "row {r}");
        let sum = c.reward_components[0] + 0.5 * c.reward_components[2];
        assert!(
            (c.reward - sum).abs() < 1e-12,
            "row {r}: {} vs {sum}",
            c.reward
        );
        let a = c.tokens[0].advantage;
        assert!(
            (a - s.advantage).abs() <= 1e-4 * a.abs().max(1.0),
            "row {r}"
        );
    }
    // Any method's step shows them.
    let t = trained(json!({"preset": "grpo"}));
    let view = futures_lite::future::block_on(t.inspect())
        .unwrap()
        .unwrap();
    let c = &view.inspection.groups[0].completions[0];
    assert_eq!(c.reward_components.len(), 3);
}
