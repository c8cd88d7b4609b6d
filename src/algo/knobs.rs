//! Every knob of the objective, declared once: the resolved [`Knobs`] (one value per knob, what
//! the math reads) and the user-facing [`AlgoConfig`] (a preset name plus optional overrides,
//! what JSON configs and URLs hold) both come from the single list below.

use serde::{Deserialize, Serialize};

use super::{
    AdvEstimator, KlEstimator, LossAggMode, OverlongBufferLen, PRESETS, RatioLevel, ScaleRewards,
    Surrogate,
};
use crate::error::{ConfigError, check_f64};

macro_rules! knobs {
    ($( $(#[$doc:meta])* $name:ident : $ty:ty = $default:expr, )*) => {
        /// The knob values one objective call uses (a preset row, after overrides).
        #[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct Knobs {
            $( $(#[$doc])* pub $name: $ty, )*
        }

        impl Knobs {
            /// The values every preset starts from (ALGORITHMS.md "everything unnamed").
            pub const DEFAULT: Knobs = Knobs { $( $name: $default, )* };

            /// The knobs whose value differs from `base`, in declaration order, as JSON values.
            pub fn differences(&self, base: &Knobs) -> Vec<(&'static str, serde_json::Value)> {
                let mut out = Vec::new();
                $( if self.$name != base.$name {
                    out.push((stringify!($name), serde_json::json!(self.$name)));
                } )*
                out
            }
        }

        /// `{"preset": "dapo", "epsilon_high": 0.3, ...}`: a preset and the knobs it overrides.
        /// Unknown fields are errors.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct AlgoConfig {
            /// Name of a row of [`PRESETS`].
            #[serde(default = "default_preset")]
            pub preset: String,
            $(
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $name: Option<$ty>,
            )*
        }

        impl AlgoConfig {
            /// A preset with no overrides.
            pub fn preset(name: &str) -> Self {
                Self { preset: name.to_string(), $( $name: None, )* }
            }

            fn apply_overrides(&self, mut knobs: Knobs) -> Knobs {
                $( if let Some(v) = self.$name { knobs.$name = v; } )*
                knobs
            }
        }
    };
}

fn default_preset() -> String {
    "grpo".to_string()
}

impl Default for AlgoConfig {
    fn default() -> Self {
        Self::preset(&default_preset())
    }
}

knobs! {
    /// Advantage estimator, step 3.
    adv_estimator: AdvEstimator = AdvEstimator::Grpo,
    /// σ dividing GRPO's centred rewards: `group`, `batch` or `none`.
    scale_rewards: ScaleRewards = ScaleRewards::Group,
    /// ε added to σ in GRPO advantages (TRL's 1e-4).
    std_eps: f64 = 1e-4,
    /// ε added to the MAD in MC-GRPO advantages.
    mad_eps: f64 = 1e-3,
    /// GRPO-LEAD length reward α; 0 = off.
    lead_length_alpha: f64 = 0.0,
    /// GRPO-LEAD difficulty weight on advantages.
    lead_difficulty_weight: bool = false,
    /// DAPO soft-overlong buffer L_c: tokens (0 = off) or `{"fraction_of_max": f}`.
    overlong_buffer_len: OverlongBufferLen = OverlongBufferLen::Tokens(0),
    /// Factor on DAPO's overlong penalty.
    overlong_penalty_factor: f64 = 1.0,
    /// KL coefficient β; 0 = no reference policy at all.
    beta: f64 = 0.0,
    /// KL estimator k1/k2/k3.
    kl_estimator: KlEstimator = KlEstimator::K3,
    /// Put the KL penalty in the reward (token returns) instead of the loss.
    kl_in_reward: bool = false,
    /// DAPO dynamic sampling: drop groups whose raw rewards are all equal.
    dynamic_sampling: bool = false,
    /// Drop completions that hit max_completion_length.
    mask_truncated_completions: bool = false,
    /// CPPO pruning ratio P: keep max(1, ⌊G(1 − P)⌋) completions of largest |A| per group.
    prune_ratio: f64 = 0.0,
    /// Token or sequence (GSPO) importance ratio.
    ratio_level: RatioLevel = RatioLevel::Token,
    /// Per-token surrogate loss.
    surrogate: Surrogate = Surrogate::Clip,
    /// Lower clip range εl.
    epsilon: f64 = 0.2,
    /// Upper clip range εh; `null` = εl.
    epsilon_high: Option<f64> = None,
    /// Dual-clip constant c (> 1) bounding the loss for A < 0; `null` = off.
    clip_ratio_c: Option<f64> = None,
    /// SAPO temperature for A > 0.
    sapo_tau_pos: f64 = 1.0,
    /// SAPO temperature for A ≤ 0.
    sapo_tau_neg: f64 = 1.05,
    /// GVPO β scaling the policy's implicit reward.
    gvpo_beta: f64 = 0.1,
    /// Loss aggregation over kept completions.
    loss_agg_mode: LossAggMode = LossAggMode::SeqMeanTokenMean,
}

impl Default for Knobs {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl Knobs {
    /// εh, which defaults to εl.
    pub fn epsilon_high(&self) -> f64 {
        self.epsilon_high.unwrap_or(self.epsilon)
    }

    /// The smallest group the estimator is defined for: ReMax needs one sampled completion (its
    /// baseline is the greedy one), MC-GRPO an odd G+1 ≥ 3, every other estimator two.
    pub fn min_group_size(&self) -> usize {
        match self.adv_estimator {
            AdvEstimator::Remax => 1,
            AdvEstimator::McGrpo => 3,
            _ => 2,
        }
    }

    /// Whether the objective needs log-probs of the frozen reference policy.
    pub fn needs_reference(&self) -> bool {
        self.beta > 0.0 && (self.kl_in_reward || self.surrogate != Surrogate::Gvpo)
    }

    /// Rejects values outside each knob's range; field names are as in the JSON.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let positive = |x: f64| x > 0.0;
        let non_negative = |x: f64| x >= 0.0;
        check_f64("std_eps", self.std_eps, positive, "> 0 (finite)")?;
        check_f64("mad_eps", self.mad_eps, positive, "> 0 (finite)")?;
        check_f64(
            "lead_length_alpha",
            self.lead_length_alpha,
            non_negative,
            ">= 0 (0 = off)",
        )?;
        if let OverlongBufferLen::FractionOfMax { fraction_of_max } = self.overlong_buffer_len {
            check_f64(
                "overlong_buffer_len.fraction_of_max",
                fraction_of_max,
                |f| f > 0.0 && f <= 1.0,
                "(0, 1]",
            )?;
        }
        check_f64(
            "overlong_penalty_factor",
            self.overlong_penalty_factor,
            non_negative,
            ">= 0",
        )?;
        check_f64("beta", self.beta, non_negative, ">= 0")?;
        check_f64(
            "prune_ratio",
            self.prune_ratio,
            |p| (0.0..1.0).contains(&p),
            "[0, 1)",
        )?;
        check_f64("epsilon", self.epsilon, non_negative, ">= 0")?;
        if let Some(eh) = self.epsilon_high {
            check_f64(
                "epsilon_high",
                eh,
                non_negative,
                ">= 0, or null for epsilon",
            )?;
        }
        if let Some(c) = self.clip_ratio_c {
            check_f64(
                "clip_ratio_c",
                c,
                |c| c > 1.0,
                "> 1, or null for no dual clip",
            )?;
        }
        check_f64("sapo_tau_pos", self.sapo_tau_pos, positive, "> 0")?;
        check_f64("sapo_tau_neg", self.sapo_tau_neg, positive, "> 0")?;
        check_f64("gvpo_beta", self.gvpo_beta, positive, "> 0")?;
        Ok(())
    }
}

impl AlgoConfig {
    /// The preset's row with the overrides applied, validated.
    pub fn knobs(&self) -> Result<Knobs, ConfigError> {
        let preset = super::presets::find(&self.preset).ok_or_else(|| {
            let names: Vec<&str> = PRESETS.iter().map(|p| p.name).collect();
            ConfigError::new(
                "preset",
                format!(
                    "unknown preset `{}`; valid: {}",
                    self.preset,
                    names.join(", ")
                ),
            )
        })?;
        let knobs = self.apply_overrides(preset.knobs);
        knobs.validate()?;
        Ok(knobs)
    }
}
