//! The measures of a run: the summary numbers `compare` reports and lessons check, each declared
//! with its name, label and doc (the schema lists them) and computed from the run's steps.

use crate::train::{Phase, StepMetrics};

/// One summary number of a run, from its steps; `None` when the run never measured it.
#[derive(serde::Serialize)]
pub struct Measure {
    pub name: &'static str,
    /// What it measures, as a noun a sentence can use ("held-out accuracy").
    pub label: &'static str,
    /// Over which steps, and how.
    pub doc: &'static str,
    #[serde(skip)]
    pub of: fn(&Run) -> Option<f64>,
}

/// A run's steps, split where RL starts, and the target accuracy `steps_to_target` counts to.
pub struct Run<'a> {
    pub warm_up: &'a [StepMetrics],
    pub rl: &'a [StepMetrics],
    pub target: f64,
}

impl<'a> Run<'a> {
    pub fn new(steps: &'a [StepMetrics], target: f64) -> Self {
        let split = steps
            .iter()
            .position(|m| m.phase == Phase::Rl)
            .unwrap_or(steps.len());
        let (warm_up, rl) = steps.split_at(split);
        Self {
            warm_up,
            rl,
            target,
        }
    }

    /// The last fifth of the RL steps (at least one): where a run has settled.
    fn window(&self) -> &[StepMetrics] {
        &self.rl[self.rl.len() - (self.rl.len() / 5).max(1).min(self.rl.len())..]
    }

    /// Mean of `f` over the window's steps that measured it.
    fn late(&self, f: impl Fn(&StepMetrics) -> Option<f64>) -> Option<f64> {
        mean(&self.window().iter().filter_map(f).collect::<Vec<_>>())
    }

    fn evals(&self) -> impl Iterator<Item = f64> + '_ {
        self.rl.iter().filter_map(|m| m.eval_accuracy)
    }
}

fn mean(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64)
}

/// Mean and sample standard deviation (0 for one value).
pub fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let m = mean(xs).unwrap_or(f64::NAN);
    let var = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (xs.len() as f64 - 1.0).max(1.0);
    (m, var.sqrt())
}

/// What `compare` reports, in order.
pub const MEASURES: &[Measure] = &[
    Measure {
        name: "final_eval",
        label: "held-out accuracy",
        doc: "held-out accuracy at the last evaluation",
        of: |r| {
            r.evals()
                .last()
                .or_else(|| r.warm_up.iter().rev().find_map(|m| m.eval_accuracy))
        },
    },
    Measure {
        name: "rl_start_eval",
        label: "held-out accuracy",
        doc: "held-out accuracy where RL started (the warm-up's last evaluation)",
        of: |r| r.warm_up.iter().rev().find_map(|m| m.eval_accuracy),
    },
    Measure {
        name: "rl_eval_mean",
        label: "held-out accuracy",
        doc: "mean held-out accuracy over the RL phase's evaluations (area under the curve)",
        of: |r| mean(&r.evals().collect::<Vec<_>>()),
    },
    Measure {
        name: "steps_to_target",
        label: "RL steps to the target accuracy",
        doc: "RL steps (warm-up not counted) until held-out accuracy first reached --target",
        of: |r| {
            r.rl.iter()
                .position(|m| m.eval_accuracy.is_some_and(|a| a >= r.target))
                .map(|i| (i + 1) as f64)
        },
    },
    Measure {
        name: "reward",
        label: "reward",
        doc: "mean reward, last fifth of the RL steps",
        of: |r| r.late(|m| Some(m.reward_mean)),
    },
    Measure {
        name: "entropy",
        label: "entropy",
        doc: "mean policy entropy, last fifth",
        of: |r| r.late(|m| Some(m.entropy)),
    },
    Measure {
        name: "kl",
        label: "KL",
        doc: "k3 KL to the policy RL started from, last fifth (β > 0 or train.log_kl)",
        of: |r| r.late(|m| Some(m.kl)),
    },
    Measure {
        name: "len_correct",
        label: "length of correct answers",
        doc: "mean length of correct completions, last fifth",
        of: |r| r.late(|m| m.completion_len_correct),
    },
    Measure {
        name: "len_incorrect",
        label: "length of wrong answers",
        doc: "mean length of incorrect completions, last fifth",
        of: |r| r.late(|m| m.completion_len_incorrect),
    },
    Measure {
        name: "clip_frac",
        label: "clipped fraction of tokens",
        doc: "fraction of tokens clipped (low + high), last fifth",
        of: |r| r.late(|m| Some(m.clip_frac_low + m.clip_frac_high)),
    },
    Measure {
        name: "clip_frac_high",
        label: "fraction of tokens clipped above",
        // Whole phase, not the last fifth: the variants start from one policy, so the higher bound
        // clips less by construction early on, while late the runs have drifted apart and a
        // policy that moved further can clip as often (seen in the page's float rounding).
        doc: "fraction of tokens the upper clip bound changed (ratio > 1 + ε_high, A > 0), whole RL phase",
        of: |r| mean(&r.rl.iter().map(|m| m.clip_frac_high).collect::<Vec<_>>()),
    },
    Measure {
        name: "ratio_max",
        label: "largest importance ratio",
        doc: "largest importance ratio over the RL phase",
        of: |r| r.rl.iter().map(|m| m.ratio_max).reduce(f64::max),
    },
    Measure {
        name: "rollout_kl",
        label: "sampler mismatch KL",
        doc: "k3 of π_old against a lagging sampler (train.sampler_lag > 0), whole RL phase",
        of: |r| mean(&r.rl.iter().filter_map(|m| m.rollout_kl).collect::<Vec<_>>()),
    },
    Measure {
        name: "rollout_is_cut",
        label: "share of rollout IS weights cut",
        doc: "fraction of tokens whose rollout-correction weight was truncated or masked, whole RL phase",
        of: |r| {
            mean(
                &r.rl
                    .iter()
                    .filter_map(|m| m.rollout_is_cut_frac)
                    .collect::<Vec<_>>(),
            )
        },
    },
    Measure {
        name: "zero_std",
        label: "share of all-equal groups",
        doc: "fraction of groups with all-equal rewards before any resampling, whole RL phase",
        of: |r| {
            mean(
                &r.rl
                    .iter()
                    .map(|m| m.zero_std_group_frac)
                    .collect::<Vec<_>>(),
            )
        },
    },
    Measure {
        name: "kept_frac",
        label: "share of completions kept",
        doc: "fraction of completions the filters kept, whole RL phase",
        of: |r| mean(&r.rl.iter().map(|m| m.kept_frac).collect::<Vec<_>>()),
    },
    Measure {
        name: "grad_norm",
        label: "gradient norm",
        doc: "gradient norm before clipping, last fifth",
        of: |r| r.late(|m| Some(m.grad_norm)),
    },
    Measure {
        name: "update_ms",
        label: "update time per step",
        doc: "mean update time per RL step (ms)",
        of: |r| mean(&r.rl.iter().map(|m| m.update_ms).collect::<Vec<_>>()),
    },
    Measure {
        name: "step_ms",
        label: "time per step",
        doc: "mean wall time per RL step (ms)",
        of: |r| mean(&r.rl.iter().map(|m| m.wall_ms).collect::<Vec<_>>()),
    },
];

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn step(step: usize, phase: Phase, eval: Option<f64>, entropy: f64) -> StepMetrics {
        StepMetrics {
            step,
            phase,
            eval_accuracy: eval,
            entropy,
            ..StepMetrics::default()
        }
    }

    /// Two warm-up steps, then RL steps with eval every other step and a given entropy.
    pub(crate) fn run(evals: &[f64], entropy: f64) -> Vec<StepMetrics> {
        let mut steps = vec![
            step(1, Phase::Sft, None, 0.0),
            step(2, Phase::Sft, Some(0.1), 0.0),
        ];
        for (i, &e) in evals.iter().enumerate() {
            steps.push(step(3 + 2 * i, Phase::Rl, None, entropy));
            steps.push(step(4 + 2 * i, Phase::Rl, Some(e), entropy));
        }
        steps
    }

    #[test]
    fn steps_to_target_counts_rl_steps_only() {
        let steps = run(&[0.2, 0.5, 0.9], 1.0);
        let r = Run::new(&steps, 0.5);
        let of = |name| (MEASURES.iter().find(|m| m.name == name).unwrap().of)(&r);
        assert_eq!(of("steps_to_target"), Some(4.0));
        assert_eq!(of("rl_start_eval"), Some(0.1));
        assert_eq!(of("final_eval"), Some(0.9));
        let never = Run::new(&steps, 0.95);
        assert_eq!(
            (MEASURES
                .iter()
                .find(|m| m.name == "steps_to_target")
                .unwrap()
                .of)(&never),
            None
        );
    }
}
