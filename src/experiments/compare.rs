//! Paired comparison of runs: the metrics that matter per run, their mean ± sd per config, and
//! each config's paired difference to the first (seed s of every config shares prompts, initial
//! weights and warm-up, so differences per seed cancel most of the seed-to-seed spread).

use serde::Serialize;

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

/// One measure of one config over its seeds.
#[derive(Debug, Clone, Serialize)]
pub struct Stat {
    pub metric: &'static str,
    pub mean: f64,
    pub sd: f64,
    /// Seeds that measured it.
    pub n: usize,
}

/// A config's paired difference to the first config on one measure.
#[derive(Debug, Clone, Serialize)]
pub struct Paired {
    pub config: String,
    pub vs: String,
    pub metric: &'static str,
    /// Mean over seeds of (this config − the first), on seeds where both measured it.
    pub mean: f64,
    pub sd: f64,
    /// Seeds where the difference is above 0.
    pub positive: usize,
    pub n: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConfigSummary {
    pub config: String,
    pub preset: String,
    pub stats: Vec<Stat>,
}

/// Every config's measures and the paired differences.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub seeds: usize,
    pub configs: Vec<ConfigSummary>,
    pub paired: Vec<Paired>,
    /// `values[config][seed][measure]`, for the per-run CSV.
    #[serde(skip)]
    values: Vec<Vec<Vec<Option<f64>>>>,
}

impl Summary {
    /// `runs[config][seed]` holds every step of that run.
    pub fn new(
        names: &[String],
        presets: &[String],
        runs: &[Vec<Vec<StepMetrics>>],
        target: f64,
    ) -> Self {
        let values: Vec<Vec<Vec<Option<f64>>>> = runs
            .iter()
            .map(|seeds| {
                seeds
                    .iter()
                    .map(|steps| {
                        let run = Run::new(steps, target);
                        MEASURES.iter().map(|m| (m.of)(&run)).collect()
                    })
                    .collect()
            })
            .collect();
        let configs = names
            .iter()
            .zip(presets)
            .zip(&values)
            .map(|((name, preset), seeds)| ConfigSummary {
                config: name.clone(),
                preset: preset.clone(),
                stats: MEASURES
                    .iter()
                    .enumerate()
                    .map(|(k, m)| {
                        let xs: Vec<f64> = seeds.iter().filter_map(|v| v[k]).collect();
                        let (mean, sd) = mean_sd(&xs);
                        Stat {
                            metric: m.name,
                            mean,
                            sd,
                            n: xs.len(),
                        }
                    })
                    .collect(),
            })
            .collect();
        let mut paired = Vec::new();
        for (i, name) in names.iter().enumerate().skip(1) {
            for (k, m) in MEASURES.iter().enumerate() {
                let diffs: Vec<f64> = values[i]
                    .iter()
                    .zip(&values[0])
                    .filter_map(|(a, b)| Some(a[k]? - b[k]?))
                    .collect();
                let (mean, sd) = mean_sd(&diffs);
                paired.push(Paired {
                    config: name.clone(),
                    vs: names[0].clone(),
                    metric: m.name,
                    mean,
                    sd,
                    positive: diffs.iter().filter(|&&d| d > 0.0).count(),
                    n: diffs.len(),
                });
            }
        }
        Self {
            seeds: runs.first().map_or(0, Vec::len),
            configs,
            paired,
            values,
        }
    }

    /// One row per config × seed, one column per measure.
    pub fn runs_csv(&self) -> String {
        let mut out = format!(
            "config,preset,seed,{}\n",
            MEASURES
                .iter()
                .map(|m| m.name)
                .collect::<Vec<_>>()
                .join(",")
        );
        for (c, seeds) in self.configs.iter().zip(&self.values) {
            for (seed, v) in seeds.iter().enumerate() {
                let cells: Vec<String> = v
                    .iter()
                    .map(|x| x.map_or(String::new(), |x| format!("{x}")))
                    .collect();
                out.push_str(&format!(
                    "{},{},{seed},{}\n",
                    c.config,
                    c.preset,
                    cells.join(",")
                ));
            }
        }
        out
    }

    /// The human-readable table: per config mean ± sd, then the paired differences.
    pub fn table(&self) -> String {
        let mut out = format!("{:<16}", "metric");
        for c in &self.configs {
            out.push_str(&format!(" {:>24}", short(&c.config)));
        }
        out.push('\n');
        for (k, m) in MEASURES.iter().enumerate() {
            out.push_str(&format!("{:<16}", m.name));
            for c in &self.configs {
                let s = &c.stats[k];
                let cell = if s.n == 0 {
                    "-".to_string()
                } else {
                    format!("{:.3} ± {:.3} ({})", s.mean, s.sd, s.n)
                };
                out.push_str(&format!(" {cell:>24}"));
            }
            out.push('\n');
        }
        if !self.paired.is_empty() {
            out.push_str(&format!(
                "\npaired difference to {} (mean ± sd over seeds, seeds above 0):\n",
                short(&self.configs[0].config)
            ));
            for p in &self.paired {
                if p.n == 0 {
                    continue;
                }
                out.push_str(&format!(
                    "  {:<24} {:<16} {:+.4} ± {:.4}  {}/{} above\n",
                    short(&p.config),
                    p.metric,
                    p.mean,
                    p.sd,
                    p.positive,
                    p.n
                ));
            }
        }
        out
    }
}

/// A config path's file name, for table headers.
fn short(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The steps' columns of [`steps_csv`] (a subset of [`StepMetrics`], by its JSON names).
const STEP_COLUMNS: &[&str] = &[
    "step",
    "phase",
    "reward_mean",
    "accuracy",
    "eval_accuracy",
    "loss",
    "kl",
    "entropy",
    "clip_frac_low",
    "clip_frac_high",
    "ratio_mean",
    "ratio_max",
    "completion_len_mean",
    "completion_len_correct",
    "completion_len_incorrect",
    "truncated_frac",
    "zero_std_group_frac",
    "kept_frac",
    "resample_rounds",
    "grad_norm",
    "rollout_ms",
    "update_ms",
    "wall_ms",
];

/// Every step of every run: `config,preset,seed,rl_step,` then [`STEP_COLUMNS`]; `rl_step`
/// counts RL steps only (empty during the warm-up).
pub fn steps_csv(names: &[String], presets: &[String], runs: &[Vec<Vec<StepMetrics>>]) -> String {
    let mut out = format!("config,preset,seed,rl_step,{}\n", STEP_COLUMNS.join(","));
    for ((name, preset), seeds) in names.iter().zip(presets).zip(runs) {
        for (seed, steps) in seeds.iter().enumerate() {
            let mut rl_step = 0;
            for m in steps {
                let value = serde_json::to_value(m).unwrap_or_default();
                let cells: Vec<String> = STEP_COLUMNS
                    .iter()
                    .map(|c| match value.get(c) {
                        Some(serde_json::Value::String(s)) => s.clone(),
                        Some(v) => v.to_string(),
                        None => String::new(),
                    })
                    .collect();
                let rl = if m.phase == Phase::Rl {
                    rl_step += 1;
                    rl_step.to_string()
                } else {
                    String::new()
                };
                out.push_str(&format!(
                    "{name},{preset},{seed},{rl},{}\n",
                    cells.join(",")
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
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
    fn run(evals: &[f64], entropy: f64) -> Vec<StepMetrics> {
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

    #[test]
    fn paired_differences_count_seeds_above_zero() {
        let names = vec!["a".to_string(), "b".to_string()];
        let presets = vec!["grpo".to_string(), "dapo".to_string()];
        let runs = vec![
            vec![run(&[0.5], 1.0), run(&[0.6], 2.0), run(&[0.7], 3.0)],
            vec![run(&[0.6], 1.5), run(&[0.8], 2.5), run(&[0.6], 2.0)],
        ];
        let s = Summary::new(&names, &presets, &runs, 0.9);
        let final_eval = s.paired.iter().find(|p| p.metric == "final_eval").unwrap();
        assert_eq!((final_eval.positive, final_eval.n), (2, 3));
        assert!((final_eval.mean - (0.1 + 0.2 - 0.1) / 3.0).abs() < 1e-12);
        let entropy = s.paired.iter().find(|p| p.metric == "entropy").unwrap();
        assert_eq!(entropy.positive, 2);
        assert!((entropy.mean - 0.0).abs() < 1e-12);
        // Per config: final eval of "a" is 0.6 ± 0.1 over 3 seeds.
        let a = &s.configs[0].stats[0];
        assert_eq!((a.metric, a.n), ("final_eval", 3));
        assert!((a.mean - 0.6).abs() < 1e-12 && (a.sd - 0.1).abs() < 1e-12);
        assert_eq!(s.runs_csv().lines().count(), 1 + 6);
        let csv = steps_csv(&names, &presets, &runs);
        assert_eq!(csv.lines().count(), 1 + 6 * 4);
        assert!(csv.lines().nth(3).unwrap().starts_with("a,grpo,0,1,3,rl,"));
    }
}
