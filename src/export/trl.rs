//! TRL's `GRPOConfig`. Names and meanings read from trl 1.16.0 (PyPI wheel):
//! `trl/trainer/grpo_config.py` (the fields; `__post_init__` requires num_generations ≥ 2 and a
//! generation batch of whole groups) and `trl/trainer/grpo_trainer.py` — advantages L2767–2787
//! (`scale_rewards` group/batch/none, σ + 1e-4), `_compute_loss` L3020–3180 (k3 KL in the loss;
//! `loss_type` picks the surrogate and the aggregation: `grpo` and `sapo` average per sequence,
//! `dapo` and `cispo` divide by the tokens of the accumulated batch, `dr_grpo` by
//! B·max_completion_length; `cispo` clamps r at `epsilon_high` itself; `delta` caps the unclipped
//! ratio), and L1543 (the generation batch is shuffled before it is split into
//! `steps_per_generation` minibatches). `trl/rewards/other_rewards.py`:
//! `get_soft_overlong_punishment`.

use std::fmt;

use super::{Builder, Export, Lit, name_of, write_accounts};
use crate::algo::{AdvEstimator, KlEstimator, LossAggMode, Surrogate};

/// TRL's `loss_type` for a clip surrogate aggregated as `agg`.
fn clip_loss_type(agg: LossAggMode) -> Option<&'static str> {
    match agg {
        LossAggMode::SeqMeanTokenMean => Some("grpo"),
        LossAggMode::TokenMean => Some("dapo"),
        LossAggMode::SeqMeanTokenSumNorm => Some("dr_grpo"),
        LossAggMode::SeqMeanTokenSum => None,
    }
}

pub(super) fn map(b: &mut Builder) {
    let (k, t) = (b.knobs, b.train);
    match k.adv_estimator {
        AdvEstimator::Grpo => {
            b.implicit("algo.adv_estimator", "grpo", "GRPOTrainer's only estimator");
            b.set(
                &["algo.scale_rewards"],
                "scale_rewards",
                Lit::Str(name_of(k.scale_rewards)),
            );
            if k.scale_rewards == crate::algo::ScaleRewards::None {
                b.unused(&["algo.std_eps"]);
            } else if k.std_eps == 1e-4 {
                b.implicit("algo.std_eps", k.std_eps, "TRL adds 1e-4 to σ");
            } else {
                b.unmapped("algo.std_eps", k.std_eps, "TRL adds a fixed 1e-4 to σ");
            }
        }
        other => {
            let reason = match other {
                AdvEstimator::Rloo => {
                    "GRPOTrainer computes group-normalised advantages only (RLOO is TRL's separate RLOOTrainer)"
                }
                AdvEstimator::Gae => {
                    "GRPOTrainer has no critic: PPO with a GAE value model is not expressible as a \
                     GRPOConfig (TRL's separate PPOTrainer has one, with its own config)"
                }
                _ => "GRPOTrainer computes group-normalised advantages only",
            };
            b.unmapped("algo.adv_estimator", name_of(other), reason);
            b.unused(&["algo.scale_rewards", "algo.std_eps"]);
        }
    }
    let critic = [
        ("algo.gamma", k.gamma),
        ("algo.lam", k.lam),
        ("algo.cliprange_value", k.cliprange_value),
        ("algo.vf_coef", k.vf_coef),
    ];
    for (knob, value) in critic {
        if k.adv_estimator.needs().critic {
            b.unmapped(
                knob,
                value,
                "the critic of that estimator (see algo.adv_estimator)",
            );
        } else {
            b.unused(&[knob]);
        }
    }
    b.overlong_buffer(
        |n| {
            format!(
                "a reward function in TRL, not a config field: add \
                 trl.rewards.get_soft_overlong_punishment(max_completion_len={}, \
                 soft_punish_cache={n}) to reward_funcs",
                t.max_completion_length
            )
        },
        "that reward function's weight in reward_weights",
    );
    kl(b);
    if k.dynamic_sampling {
        b.unmapped(
            "algo.dynamic_sampling",
            true,
            "GRPOTrainer has no group filter (it logs frac_reward_zero_std)",
        );
    } else {
        b.unused(&["algo.dynamic_sampling"]);
    }
    b.set(
        &["algo.mask_truncated_completions"],
        "mask_truncated_completions",
        Lit::Bool(k.mask_truncated_completions),
    );
    surrogate(b);
    cov_knobs(b);
    train(b);
}

/// β, the KL estimator and where the KL goes: TRL has one form, k3 in the loss.
fn kl(b: &mut Builder) {
    let k = b.knobs;
    if k.needs_reference() && k.kl_estimator == KlEstimator::K3 {
        if k.kl_clamp {
            b.unmapped("algo.kl_clamp", true, "TRL's k3 is not clamped");
        } else {
            b.implicit("algo.kl_clamp", false, "TRL's k3 is not clamped");
        }
    } else {
        b.unused(&["algo.kl_clamp"]);
    }
    if !k.needs_reference() {
        if k.beta == 0.0 {
            b.set(&["algo.beta"], "beta", Lit::Float(0.0));
        } else {
            b.unused(&["algo.beta"]);
        }
        b.unused(&["algo.kl_estimator", "algo.kl_in_reward"]);
        return;
    }
    let estimator = name_of(k.kl_estimator);
    if !k.kl_in_reward && k.kl_estimator == KlEstimator::K3 {
        b.set(&["algo.beta"], "beta", Lit::Float(k.beta));
        b.implicit("algo.kl_estimator", "k3", "TRL's KL term is k3");
        b.implicit("algo.kl_in_reward", false, "TRL's KL term is in the loss");
        return;
    }
    b.unmapped(
        "algo.beta",
        k.beta,
        format!(
            "TRL's beta weighs a k3 KL in the loss; this config puts {estimator} in the {}",
            if k.kl_in_reward { "reward" } else { "loss" }
        ),
    );
    if k.kl_estimator == KlEstimator::K3 {
        b.implicit("algo.kl_estimator", "k3", "TRL's KL term is k3");
    } else {
        b.unmapped("algo.kl_estimator", estimator, "TRL's KL term is k3");
    }
    if k.kl_in_reward {
        b.unmapped("algo.kl_in_reward", true, "TRL has the KL in the loss only");
    } else {
        b.implicit("algo.kl_in_reward", false, "TRL's KL term is in the loss");
    }
}

/// The surrogate, the ratio level, the clip ranges and the aggregation: TRL's `loss_type`
/// names a surrogate and an aggregation together.
fn surrogate(b: &mut Builder) {
    let (k, t) = (b.knobs, b.train);
    let agg = name_of(k.loss_agg_mode);
    let level = Lit::Str(name_of(k.ratio_level));
    let taus = ["algo.sapo_tau_pos", "algo.sapo_tau_neg"];
    let clip = ["algo.epsilon", "algo.epsilon_high", "algo.clip_ratio_c"];
    match k.surrogate {
        Surrogate::Gvpo => {
            b.unused(&["algo.ratio_level", "algo.loss_agg_mode"]);
            b.unused(&clip);
            b.unused(&taus);
        }
        Surrogate::Reinforce if t.num_iterations > 1 => {
            b.unmapped(
                "algo.surrogate",
                "reinforce",
                "GRPOTrainer has no REINFORCE loss (−A·log π); with num_iterations=1 its clip \
                 loss has the same gradient",
            );
            b.unused(&["algo.ratio_level", "algo.loss_agg_mode"]);
            b.unused(&clip);
            b.unused(&taus);
        }
        Surrogate::Clip | Surrogate::Reinforce => {
            match clip_loss_type(k.loss_agg_mode) {
                Some(loss_type) if k.surrogate == Surrogate::Reinforce => b.set_noted(
                    &["algo.surrogate", "algo.loss_agg_mode"],
                    "loss_type",
                    Lit::str(loss_type),
                    "TRL has no REINFORCE loss (−A·log π): with num_iterations=1 the ratio is 1 \
                     and its clip loss has the same gradient",
                ),
                Some(loss_type) => b.set(
                    &["algo.surrogate", "algo.loss_agg_mode"],
                    "loss_type",
                    Lit::str(loss_type),
                ),
                None => {
                    b.implicit(
                        "algo.surrogate",
                        name_of(k.surrogate),
                        "every clip loss_type of TRL; loss_type is left at TRL's default",
                    );
                    b.unmapped(
                        "algo.loss_agg_mode",
                        agg,
                        "TRL has no per-sequence token sum (loss_type: grpo, dr_grpo, dapo, bnpo)",
                    );
                }
            }
            b.unused(&taus);
            if k.surrogate == Surrogate::Reinforce {
                b.unused(&["algo.ratio_level"]);
                b.unused(&clip);
                return;
            }
            b.set(&["algo.ratio_level"], "importance_sampling_level", level);
            b.set(&["algo.epsilon"], "epsilon", Lit::Float(k.epsilon));
            match k.epsilon_high {
                Some(high) => b.set(&["algo.epsilon_high"], "epsilon_high", Lit::Float(high)),
                None => b.implicit("algo.epsilon_high", "null", "= epsilon, as TRL's None"),
            }
            match k.clip_ratio_c {
                Some(c) if c > 1.0 + k.epsilon_high() => b.set_noted(
                    &["algo.clip_ratio_c"],
                    "delta",
                    Lit::Float(c),
                    "TRL's delta caps the unclipped ratio: for A < 0 that is dual clip with c = \
                     delta, for A > 0 it changes nothing since delta > 1 + epsilon_high",
                ),
                Some(c) => b.unmapped(
                    "algo.clip_ratio_c",
                    c,
                    "TRL's delta equals dual clip only when it exceeds 1 + epsilon_high",
                ),
                None => b.unused(&["algo.clip_ratio_c"]),
            }
        }
        Surrogate::Sapo => {
            if k.loss_agg_mode == LossAggMode::SeqMeanTokenMean {
                b.set(
                    &["algo.surrogate", "algo.loss_agg_mode"],
                    "loss_type",
                    Lit::str("sapo"),
                );
            } else {
                b.set(&["algo.surrogate"], "loss_type", Lit::str("sapo"));
                b.unmapped(
                    "algo.loss_agg_mode",
                    agg,
                    "TRL's sapo loss averages per sequence (seq-mean-token-mean)",
                );
            }
            b.set(&["algo.ratio_level"], "importance_sampling_level", level);
            b.set(
                &["algo.sapo_tau_pos"],
                "sapo_temperature_pos",
                Lit::Float(k.sapo_tau_pos),
            );
            b.set(
                &["algo.sapo_tau_neg"],
                "sapo_temperature_neg",
                Lit::Float(k.sapo_tau_neg),
            );
            b.unused(&clip);
        }
        Surrogate::Cispo => {
            if k.loss_agg_mode == LossAggMode::TokenMean {
                b.set(
                    &["algo.surrogate", "algo.loss_agg_mode"],
                    "loss_type",
                    Lit::str("cispo"),
                );
            } else {
                b.set(&["algo.surrogate"], "loss_type", Lit::str("cispo"));
                b.unmapped(
                    "algo.loss_agg_mode",
                    agg,
                    "TRL's cispo loss divides by the batch's tokens (token-mean)",
                );
            }
            b.set(&["algo.ratio_level"], "importance_sampling_level", level);
            b.set_noted(
                &["algo.epsilon_high"],
                "epsilon_high",
                Lit::Float(1.0 + k.epsilon_high()),
                "TRL's cispo caps the ratio at epsilon_high itself, this crate at 1 + epsilon_high",
            );
            if 1.0 - k.epsilon <= 0.0 {
                b.implicit(
                    "algo.epsilon",
                    k.epsilon,
                    "no lower bound (1 − epsilon ≤ 0), as TRL's cispo",
                );
            } else {
                b.unmapped(
                    "algo.epsilon",
                    k.epsilon,
                    "TRL's cispo has no lower bound on the ratio",
                );
            }
            b.unused(&["algo.clip_ratio_c"]);
            b.unused(&taus);
        }
        Surrogate::Gmpo | Surrogate::ClipCov | Surrogate::KlCov => {
            let what = match k.surrogate {
                Surrogate::Gmpo => "GMPO's geometric-mean sequence loss",
                Surrogate::ClipCov => "Clip-Cov's covariance-selected gradient cut",
                _ => "KL-Cov's covariance-selected |log-ratio| penalty",
            };
            b.unmapped(
                "algo.surrogate",
                name_of(k.surrogate),
                format!("GRPOTrainer has no {what} (its loss_type offers grpo, dapo, dr_grpo, bnpo, sapo, cispo)"),
            );
            let bounds: &[&'static str] = if k.surrogate == Surrogate::KlCov {
                b.unused(&clip);
                &[]
            } else {
                &["algo.epsilon", "algo.epsilon_high"]
            };
            for &knob in bounds {
                let value = if knob == "algo.epsilon" {
                    k.epsilon
                } else {
                    k.epsilon_high()
                };
                b.unmapped(
                    knob,
                    value,
                    "the clip range of that loss (see algo.surrogate)",
                );
            }
            if k.surrogate != Surrogate::KlCov {
                match k.clip_ratio_c {
                    Some(c) if k.surrogate == Surrogate::ClipCov => b.unmapped(
                        "algo.clip_ratio_c",
                        c,
                        "the dual clip of that loss (see algo.surrogate)",
                    ),
                    _ => b.unused(&["algo.clip_ratio_c"]),
                }
            }
            if k.surrogate == Surrogate::Gmpo {
                b.unused(&["algo.ratio_level", "algo.loss_agg_mode"]);
            } else {
                b.unmapped(
                    "algo.loss_agg_mode",
                    agg,
                    "TRL's loss_type sets the aggregation with its surrogate (see algo.surrogate)",
                );
                b.unmapped(
                    "algo.ratio_level",
                    name_of(k.ratio_level),
                    "the ratio of that loss (see algo.surrogate)",
                );
            }
            b.unused(&taus);
        }
    }
}

/// The knobs of Clip-Cov and KL-Cov, losses TRL does not have (see `algo.surrogate`).
fn cov_knobs(b: &mut Builder) {
    let k = b.knobs;
    let cov_knobs: &[(&'static str, String)] = &[
        ("algo.clip_cov_ratio", k.clip_cov_ratio.to_string()),
        ("algo.clip_cov_lb", k.clip_cov_lb.to_string()),
        ("algo.clip_cov_ub", k.clip_cov_ub.to_string()),
        ("algo.cov_seed", k.cov_seed.to_string()),
        ("algo.kl_cov_ratio", k.kl_cov_ratio.to_string()),
        ("algo.ppo_kl_coef", k.ppo_kl_coef.to_string()),
    ];
    for (knob, value) in cov_knobs {
        let read = match k.surrogate {
            Surrogate::ClipCov => knob.contains("clip_cov") || *knob == "algo.cov_seed",
            Surrogate::KlCov => *knob == "algo.kl_cov_ratio" || *knob == "algo.ppo_kl_coef",
            _ => false,
        };
        if read {
            b.unmapped(knob, value, "a knob of that loss (see algo.surrogate)");
        } else {
            b.unused(&[knob]);
        }
    }
}

/// The trainer's knobs.
fn train(b: &mut Builder) {
    let t = b.train;
    let g = t.num_generations;
    if g >= 2 {
        b.set(
            &["train.num_generations"],
            "num_generations",
            Lit::Int(g as u64),
        );
    } else {
        b.unmapped(
            "train.num_generations",
            g,
            "TRL requires at least 2 completions per prompt",
        );
    }
    let (per, n, equal) = b.minibatch_shape();
    let p = t.prompts_per_step;
    if equal {
        b.set_noted(
            &["train.prompts_per_step", "train.minibatches"],
            "per_device_train_batch_size",
            Lit::Int((per * g) as u64),
            format!(
                "counts completions ({per} prompts × {g}), per device: with N processes divide it \
                 by N"
            ),
        );
        if n > 1 {
            b.set_noted(
                &["train.minibatches"],
                "steps_per_generation",
                Lit::Int(n as u64),
                "TRL shuffles completions across groups before splitting the generation batch; \
                 here a minibatch holds whole groups",
            );
        } else {
            b.set(&["train.minibatches"], "steps_per_generation", Lit::Int(1));
        }
    } else {
        b.set_noted(
            &["train.prompts_per_step"],
            "per_device_train_batch_size",
            Lit::Int((p * g) as u64),
            format!("counts completions ({p} prompts × {g}), per device"),
        );
        b.set(
            &["train.prompts_per_step"],
            "steps_per_generation",
            Lit::Int(1),
        );
        b.unmapped(
            "train.minibatches",
            t.minibatches,
            format!(
                "{p} prompts in minibatches of {per} leave a smaller last one; TRL's are equal"
            ),
        );
    }
    b.set(
        &["train.prompts_per_step"],
        "gradient_accumulation_steps",
        Lit::Int(1),
    );
    b.set(
        &["train.num_iterations"],
        "num_iterations",
        Lit::Int(t.num_iterations as u64),
    );
    b.set(
        &["train.max_completion_length"],
        "max_completion_length",
        Lit::Int(t.max_completion_length as u64),
    );
    b.set(
        &["train.temperature"],
        "temperature",
        Lit::Float(t.temperature),
    );
    b.set(&["train.top_p"], "top_p", Lit::Float(t.top_p));
    b.set(
        &["train.learning_rate"],
        "learning_rate",
        Lit::Float(t.learning_rate),
    );
    b.set_noted(
        &["train.learning_rate"],
        "lr_scheduler_type",
        Lit::str("constant"),
        "TrainingArguments decays the rate linearly by default; this crate keeps it constant",
    );
    b.set(
        &["train.adam_beta1"],
        "adam_beta1",
        Lit::Float(t.adam_beta1),
    );
    b.set(
        &["train.adam_beta2"],
        "adam_beta2",
        Lit::Float(t.adam_beta2),
    );
    b.set(
        &["train.weight_decay"],
        "weight_decay",
        Lit::Float(t.weight_decay),
    );
    b.set(
        &["train.max_grad_norm"],
        "max_grad_norm",
        Lit::Float(t.max_grad_norm),
    );
    b.set(
        &["algo.entropy_coeff"],
        "entropy_coef",
        Lit::Float(b.knobs.entropy_coeff),
    );
    b.set(&["train.steps"], "max_steps", Lit::Int(t.steps as u64));
    b.unmapped(
        "train.eval_every",
        t.eval_every,
        "TRL's evaluation samples completions; this one is greedy on held-out problems (set \
         eval_strategy=\"steps\" and eval_steps with an eval_dataset if wanted)",
    );
    b.set(&["seed"], "seed", Lit::Int(b.seed));
}

pub(super) fn render(e: &Export, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    writeln!(
        f,
        "# TRL GRPOConfig for grpo-playground preset `{}` on task `{}` (grpo-playground export --to trl).\n\
         # Names as in trl 1.16.0 (trl/trainer/grpo_config.py). Pass it to trl.GRPOTrainer with your\n\
         # model, train dataset and reward functions. Batch sizes assume one process.\n\
         from trl import GRPOConfig\n\nconfig = GRPOConfig(\n    output_dir=\"grpo-playground-{}\",",
        e.preset, e.task, e.preset
    )?;
    for m in &e.mapped {
        writeln!(
            f,
            "    {}={},  # {}",
            m.name,
            m.value.python(),
            m.knobs.join(", ")
        )?;
    }
    writeln!(f, ")")?;
    write_accounts(e, f, "TRL")
}
