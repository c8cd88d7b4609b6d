//! The rules of [`Knobs`] beyond each knob's own range: the combinations a method cannot run
//! with, each refused naming the knob and what is allowed.

use super::{
    AdvEstimator, KlCtrl, Knobs, MultiObjectiveAggregation, RolloutIs, ScaleRewards, Surrogate,
    bapo,
};
use crate::error::ConfigError;
use crate::schema::check_section;

impl Knobs {
    /// Rejects values outside each knob's range; field names are as in the JSON.
    pub fn validate(&self) -> Result<(), ConfigError> {
        // serde writes a non-finite float as null, which an optional knob reads as unset.
        for (key, value) in [
            ("epsilon_high", self.epsilon_high),
            ("clip_ratio_c", self.clip_ratio_c),
            (
                "rollout_is_threshold_lower",
                self.rollout_is_threshold_lower,
            ),
        ] {
            if let Some(x) = value.filter(|x| !x.is_finite()) {
                return Err(ConfigError::out_of_range(
                    key,
                    x,
                    "a finite number, or null",
                ));
            }
        }
        check_section(Self::KNOBS, self)?;
        if self.top_entropy_quantile < 1.0 && self.surrogate.is_sequence_level() {
            return Err(ConfigError::new(
                "top_entropy_quantile",
                format!(
                    "{} is out of range for the sequence-level surrogate {}; allowed: 1 (a token mask \
                     needs a per-token surrogate)",
                    self.top_entropy_quantile,
                    serde_json::json!(self.surrogate)
                ),
            ));
        }
        if self.kl_ctrl == KlCtrl::Adaptive && !(self.kl_in_reward && self.beta > 0.0) {
            return Err(ConfigError::new(
                "kl_ctrl",
                "adaptive needs kl_in_reward and beta > 0 (verl adapts only the reward's KL \
                 coefficient); valid here: fixed",
            ));
        }
        if self.scale_rewards == ScaleRewards::Mean && self.adv_estimator != AdvEstimator::Grpo {
            return Err(ConfigError::new(
                "scale_rewards",
                format!(
                    "mean is out of range for the {} estimator; allowed: group, batch, none (MaxRL's \
                     mean scale is defined for GRPO's advantage)",
                    serde_json::json!(self.adv_estimator)
                ),
            ));
        }
        if self.surrogate == Surrogate::Bapo {
            self.check_bapo_search()?;
        }
        if self.multi_objective_aggregation == MultiObjectiveAggregation::NormalizeThenSum {
            self.check_gdpo()?;
        }
        let sequence_level = self.surrogate.is_sequence_level();
        if let Some(threshold) = self.off_policy_mask_threshold.filter(|_| sequence_level) {
            return Err(ConfigError::new(
                "off_policy_mask_threshold",
                format!(
                    "{threshold} is out of range for the sequence-level surrogate {}; allowed: null \
                     (the mask acts on per-token surrogate terms)",
                    serde_json::json!(self.surrogate)
                ),
            ));
        }
        if self.rollout_is != RolloutIs::None && sequence_level {
            return Err(ConfigError::new(
                "rollout_is",
                format!(
                    "{} is out of range for the sequence-level surrogate {}; allowed: none (the \
                     weight acts on per-token surrogate terms)",
                    serde_json::json!(self.rollout_is),
                    serde_json::json!(self.surrogate)
                ),
            ));
        }
        if self.surrogate == Surrogate::Vespo && self.rollout_is.is_sequence_level() {
            return Err(ConfigError::new(
                "rollout_is",
                format!(
                    "{} is out of range for vespo; allowed: none, token_truncate, token_mask (VESPO \
                     folds per-token weights into its sequence weight, as TRL requires)",
                    serde_json::json!(self.rollout_is)
                ),
            ));
        }
        if let Some(lower) = self
            .rollout_is_threshold_lower
            .filter(|&lower| lower >= self.rollout_is_threshold)
        {
            return Err(ConfigError::out_of_range(
                "rollout_is_threshold_lower",
                lower,
                &format!(
                    "[0, rollout_is_threshold) = [0, {}), or null",
                    self.rollout_is_threshold
                ),
            ));
        }
        if self.use_bias_correction_kl && sequence_level {
            return Err(ConfigError::new(
                "use_bias_correction_kl",
                format!(
                    "true is out of range for the sequence-level surrogate {}; allowed: false (it \
                     weighs a per-token KL term)",
                    serde_json::json!(self.surrogate)
                ),
            ));
        }
        if self.clip_cov_lb >= self.clip_cov_ub {
            return Err(ConfigError::out_of_range(
                "clip_cov_lb",
                self.clip_cov_lb,
                &format!(
                    "[0, clip_cov_ub) (below clip_cov_ub = {})",
                    self.clip_cov_ub
                ),
            ));
        }
        if self.use_adaptive_entropy && self.entropy_coef_min > self.entropy_coef_max {
            return Err(ConfigError::out_of_range(
                "entropy_coef_max",
                self.entropy_coef_max,
                &format!(">= entropy_coef_min ({})", self.entropy_coef_min),
            ));
        }
        Ok(())
    }

    /// BAPO's search tries at most [`bapo::MAX_CANDIDATES`] bound pairs: each is a pass over
    /// the batch.
    fn check_bapo_search(&self) -> Result<(), ConfigError> {
        let tries = |start: f64, max: f64, step: f64| {
            if step > 0.0 && start < max {
                ((max - start) / step).ceil()
            } else {
                0.0
            }
        };
        let lower = tries(
            self.ratio_lower_start,
            self.ratio_lower_max,
            self.ratio_lower_step,
        );
        let upper = tries(
            self.ratio_upper_start,
            self.ratio_upper_max,
            self.ratio_upper_step,
        );
        let most = (bapo::MAX_CANDIDATES - 1) as f64;
        if lower + upper <= most {
            return Ok(());
        }
        // The search with more tries is too fine: its step, given the other's tries.
        let (key, step, span, other) = if upper >= lower {
            let span = self.ratio_upper_max - self.ratio_upper_start;
            ("ratio_upper_step", self.ratio_upper_step, span, lower)
        } else {
            let span = self.ratio_lower_max - self.ratio_lower_start;
            ("ratio_lower_step", self.ratio_lower_step, span, upper)
        };
        let least = span / (most - other).max(1.0);
        Err(ConfigError::out_of_range(
            key,
            step,
            &format!(
                "0, or at least {least:.3e} (BAPO's search tries at most {} bound pairs)",
                bapo::MAX_CANDIDATES
            ),
        ))
    }
}

impl Knobs {
    /// GDPO normalises the reward components of GRPO's advantage: refused with another
    /// estimator, another σ (TRL ignores `scale_rewards` there), or a shaping of the summed
    /// reward, which has no component to normalise.
    fn check_gdpo(&self) -> Result<(), ConfigError> {
        let why = "normalize_then_sum normalises each reward component (GDPO)";
        if self.adv_estimator != AdvEstimator::Grpo {
            return Err(ConfigError::new(
                "multi_objective_aggregation",
                format!(
                    "normalize_then_sum is out of range for the {} estimator; allowed: \
                     sum_then_normalize ({why} in GRPO's advantage)",
                    serde_json::json!(self.adv_estimator)
                ),
            ));
        }
        if self.scale_rewards != ScaleRewards::Group {
            return Err(ConfigError::new(
                "scale_rewards",
                format!(
                    "{} is out of range with multi_objective_aggregation normalize_then_sum; \
                     allowed: group ({why} in its group, then over the batch)",
                    serde_json::json!(self.scale_rewards)
                        .as_str()
                        .unwrap_or_default()
                ),
            ));
        }
        let shaped = [
            ("lead_length_alpha", self.lead_length_alpha > 0.0, "0"),
            (
                "overlong_buffer_len",
                self.overlong_buffer_len != super::OverlongBufferLen::Tokens(0),
                "0",
            ),
            (
                "kl_in_reward",
                self.kl_in_reward && self.beta > 0.0,
                "false",
            ),
        ];
        if let Some((knob, _, off)) = shaped.into_iter().find(|s| s.1) {
            return Err(ConfigError::new(
                knob,
                format!(
                    "shapes the summed reward, which multi_objective_aggregation normalize_then_sum \
                     does not read; allowed: {off} ({why})"
                ),
            ));
        }
        Ok(())
    }
}
