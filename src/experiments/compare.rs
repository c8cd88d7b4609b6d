//! Paired comparison of runs: the metrics that matter per run, their mean ± sd per config, and
//! each config's paired difference to the first (seed s of every config shares prompts, initial
//! weights and warm-up, so differences per seed cancel most of the seed-to-seed spread).

use serde::Serialize;

use super::measures::{MEASURES, Run, mean_sd};
use crate::train::{Phase, StepMetrics};

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
    "kl_coef",
    "rollout_kl",
    "rollout_is_mean",
    "rollout_is_cut_frac",
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
    use crate::experiments::measures::tests::run;

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
