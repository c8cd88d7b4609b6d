//! verl's rollout rejection sampling (`rollout_rs`, verl b178a3cd
//! `verl/trainer/ppo/rollout_corr_helper.py` `compute_rollout_rejection_mask`), in plain loops:
//! which tokens stay, and the batch as steps 3–8 see it — each completion with its rejected
//! tokens taken out (verl zeroes them in `response_mask` before `compute_advantage`).

use super::{Completion, Input};

/// Per group, completion and token: whether the token stays under `mode` (not "none").
pub fn keep(input: &Input, mode: &str, lower: Option<f64>, upper: f64) -> Vec<Vec<Vec<bool>>> {
    let (prefix, k) = mode.split_at(mode.len() - 2);
    let level = level_of(prefix);
    let k1 = k == "k1";
    let band = |x: f64| {
        if k1 {
            let lo = lower.unwrap_or(1.0 / upper).ln();
            x >= lo && x <= upper.ln()
        } else {
            x <= upper
        }
    };
    input
        .groups
        .iter()
        .map(|group| {
            group
                .completions
                .iter()
                .map(|c| {
                    let stats = divergences(c, k);
                    let n = stats.len() as f64;
                    let sequence = match level {
                        Level::Token => return stats.iter().map(|&x| band(x)).collect(),
                        Level::Sum => stats.iter().sum::<f64>(),
                        Level::Mean => stats.iter().sum::<f64>() / (n + 1e-8),
                        Level::Max => stats.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                    };
                    let sequence = if sequence == f64::NEG_INFINITY {
                        0.0
                    } else {
                        sequence
                    };
                    vec![band(sequence); stats.len()]
                })
                .collect()
        })
        .collect()
}

enum Level {
    Token,
    Sum,
    Mean,
    Max,
}

fn level_of(prefix: &str) -> Level {
    match prefix {
        "token_" => Level::Token,
        "seq_sum_" => Level::Sum,
        "seq_mean_" => Level::Mean,
        "seq_max_" => Level::Max,
        other => panic!("validated: rollout_rs prefix {other}"),
    }
}

/// k1, k2 or k3 of every token: with ℓ = clamp(log π_old − log π_rollout, ±20), −ℓ, ½ℓ², e^ℓ − 1 − ℓ.
fn divergences(c: &Completion, k: &str) -> Vec<f64> {
    let rollout = c
        .logp_rollout()
        .expect("validated: logp_rollout with rollout_rs");
    c.logp_old
        .iter()
        .zip(rollout)
        .map(|(old, r)| {
            let l = (old - r).clamp(-20.0, 20.0);
            match k {
                "k1" => -l,
                "k2" => 0.5 * l * l,
                _ => l.exp() - 1.0 - l,
            }
        })
        .collect()
}

/// `input` with every rejected token taken out of each per-token list.
pub fn reduce(input: &Input, keep: &[Vec<Vec<bool>>]) -> Input {
    let mut out = input.clone();
    for (group, keep) in out.groups.iter_mut().zip(keep) {
        for (c, keep) in group.completions.iter_mut().zip(keep) {
            let pick = |v: &[f64]| -> Vec<f64> {
                v.iter()
                    .zip(keep)
                    .filter(|(_, k)| **k)
                    .map(|(x, _)| *x)
                    .collect()
            };
            c.logp = pick(&c.logp);
            c.logp_old = pick(&c.logp_old);
            c.logp_ref = c.logp_ref.as_deref().map(pick);
            c.side.reduce_tokens(keep);
        }
    }
    out
}

/// A per-token grid of the reduced batch back at the tokens' places, 0 on rejected ones.
pub fn expand(reduced: Vec<Vec<Vec<f64>>>, keep: &[Vec<Vec<bool>>]) -> Vec<Vec<Vec<f64>>> {
    reduced
        .into_iter()
        .zip(keep)
        .map(|(group, keep)| {
            group
                .into_iter()
                .zip(keep)
                .map(|(values, keep)| {
                    let mut values = values.into_iter();
                    keep.iter()
                        .map(|&k| if k { values.next().unwrap_or(0.0) } else { 0.0 })
                        .collect()
                })
                .collect()
        })
        .collect()
}
