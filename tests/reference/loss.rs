//! Steps 5–8 of ALGORITHMS.md (ratio, surrogate, KL in the loss, aggregation; GVPO's group loss
//! in their place) in dual numbers, and d loss / d logp by seeding one token at a time.

use super::advantages::Advantages;
use super::dual::Dual;
use super::knobs::{Knobs, LossAggMode, RatioLevel, Surrogate};
use super::{Completion, Input, mean};

/// The loss and d loss / d logp (group × completion × token).
pub fn loss_and_grad(
    input: &Input,
    knobs: &Knobs,
    adv: &Advantages,
    kept: &[Vec<bool>],
) -> (f64, Vec<Vec<Vec<f64>>>) {
    let loss = objective(input, knobs, adv, kept, None).v;
    // Every token is seeded, kept or not: that filtered ones get 0 is checked, not assumed.
    let grad = input
        .groups
        .iter()
        .enumerate()
        .map(|(g, group)| {
            group
                .completions
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    (0..c.logp.len())
                        .map(|t| objective(input, knobs, adv, kept, Some((g, i, t))).d)
                        .collect()
                })
                .collect()
        })
        .collect();
    (loss, grad)
}

/// The loss with the derivative along the logp of token `seed` (group, completion, token).
fn objective(
    input: &Input,
    knobs: &Knobs,
    adv: &Advantages,
    kept: &[Vec<bool>],
    seed: Option<(usize, usize, usize)>,
) -> Dual {
    let logp = |g: usize, i: usize, c: &Completion| -> Vec<Dual> {
        c.logp
            .iter()
            .enumerate()
            .map(|(t, &x)| {
                if seed == Some((g, i, t)) {
                    Dual::var(x)
                } else {
                    Dual::c(x)
                }
            })
            .collect()
    };
    if knobs.surrogate == Surrogate::Gvpo {
        return gvpo(input, knobs, adv, kept, &logp);
    }
    // (Σ_t ℓ̃_t, |o_i|) of every kept completion.
    let mut sums = Vec::new();
    for (g, group) in input.groups.iter().enumerate() {
        for (i, c) in group.completions.iter().enumerate() {
            if kept[g][i] {
                let terms = token_losses(c, &logp(g, i, c), &adv.advantages[g][i], knobs);
                sums.push((terms.into_iter().sum::<Dual>(), c.logp.len() as f64));
            }
        }
    }
    if sums.is_empty() {
        return Dual::c(0.0);
    }
    let b = sums.len() as f64;
    let n: f64 = sums.iter().map(|(_, len)| len).sum();
    let total = || sums.iter().map(|(s, _)| *s).sum::<Dual>();
    match knobs.loss_agg_mode {
        LossAggMode::TokenMean => total() / n,
        LossAggMode::SeqMeanTokenMean => sums.iter().map(|(s, len)| *s / *len).sum::<Dual>() / b,
        LossAggMode::SeqMeanTokenSum => total() / b,
        LossAggMode::SeqMeanTokenSumNorm => total() / (b * input.max_completion_length as f64),
    }
}

/// ℓ̃_t of one completion: steps 5–7.
fn token_losses(c: &Completion, logp: &[Dual], adv: &[f64], knobs: &Knobs) -> Vec<Dual> {
    let log_ratio: Vec<Dual> = logp
        .iter()
        .zip(&c.logp_old)
        .map(|(&lp, &old)| (lp - old).clamp(-20.0, 20.0))
        .collect();
    let ratio: Vec<Dual> = match knobs.ratio_level {
        RatioLevel::Token => log_ratio.iter().map(|l| l.exp()).collect(),
        RatioLevel::Sequence => {
            let s = (log_ratio.iter().copied().sum::<Dual>() / log_ratio.len() as f64).exp();
            vec![s; log_ratio.len()]
        }
    };
    let (lo, hi) = (1.0 - knobs.epsilon, 1.0 + knobs.epsilon_high());
    let kl_in_loss = knobs.beta > 0.0 && !knobs.kl_in_reward;
    (0..logp.len())
        .map(|t| {
            let (r, a, lp) = (ratio[t], adv[t], logp[t]);
            let surrogate = match knobs.surrogate {
                Surrogate::Clip => {
                    let pessimistic = (r * a).min(r.clamp(lo, hi) * a);
                    match knobs.clip_ratio_c {
                        Some(c) if a < 0.0 => -pessimistic.max(Dual::c(c * a)),
                        _ => -pessimistic,
                    }
                }
                Surrogate::Reinforce => -(lp * a),
                Surrogate::Sapo => {
                    let tau = if a > 0.0 {
                        knobs.sapo_tau_pos
                    } else {
                        knobs.sapo_tau_neg
                    };
                    -(((r - 1.0) * tau).sigmoid() * (4.0 / tau * a))
                }
                // The clipped ratio is a stop-gradient weight: only its value enters.
                Surrogate::Cispo => -(lp * (r.v.clamp(lo, hi) * a)),
                Surrogate::Gvpo => unreachable!("GVPO replaces steps 6–8"),
            };
            if !kl_in_loss {
                return surrogate;
            }
            let logp_ref = c
                .logp_ref
                .as_ref()
                .expect("validated: logp_ref with beta > 0");
            surrogate + knobs.kl_estimator.penalty(-lp + logp_ref[t]) * knobs.beta
        })
        .collect()
}

/// GVPO: per group of kept completions K (|K| ≥ 2), Rθ_i = β·Σ_t (logp − logp_old) and
/// L = 1/(|K| − 1)·Σ_{i∈K} ½[(Rθ_i − mean_K Rθ) − (G0_i − μ_group)]²; the loss is the mean of L
/// over those groups. μ_group is step 3's mean over the whole group.
fn gvpo(
    input: &Input,
    knobs: &Knobs,
    adv: &Advantages,
    kept: &[Vec<bool>],
    logp: &dyn Fn(usize, usize, &Completion) -> Vec<Dual>,
) -> Dual {
    let mut losses = Vec::new();
    for (g, group) in input.groups.iter().enumerate() {
        let g0: Vec<f64> = adv.returns[g].iter().map(|c| c[0]).collect();
        let mu = mean(&g0);
        let members: Vec<(Dual, f64)> = group
            .completions
            .iter()
            .enumerate()
            .filter(|&(i, _)| kept[g][i])
            .map(|(i, c)| {
                let r_theta = logp(g, i, c)
                    .into_iter()
                    .zip(&c.logp_old)
                    .map(|(lp, &old)| lp - old)
                    .sum::<Dual>()
                    * knobs.gvpo_beta;
                (r_theta, g0[i] - mu)
            })
            .collect();
        if members.len() < 2 {
            continue;
        }
        let k = members.len() as f64;
        let r_mean = members.iter().map(|(r, _)| *r).sum::<Dual>() / k;
        let sq = members
            .iter()
            .map(|&(r, centred)| {
                let e = r - r_mean - centred;
                e * e * 0.5
            })
            .sum::<Dual>();
        losses.push(sq / (k - 1.0));
    }
    if losses.is_empty() {
        return Dual::c(0.0);
    }
    let n = losses.len() as f64;
    losses.into_iter().sum::<Dual>() / n
}
