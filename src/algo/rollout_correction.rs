//! Rollout correction: when the completions were sampled by a policy π_rollout other than π_old
//! (a sampler that lags the trainer, an inference engine's rounding), each token's surrogate
//! term is weighted by an importance weight w of π_old against π_rollout, as TRL's
//! `vllm_importance_sampling_mode` (trl f2cd577 `grpo_trainer.py` `_generate_and_score_completions`
//! L2579–2623, applied in `_compute_loss` L3117; TIS: Yao et al., "Your efficient RL framework
//! secretly brings you off-policy RL training", 2025; MIS: Liu et al., "When speed kills
//! stability", 2025). With d_t = log π_old − log π_rollout on real tokens,
//! w_t = exp(d_t) (`token_*`) or w = exp(Σ_t d_t) for the whole completion (`sequence_*`);
//! `*_truncate` clamps w to [`rollout_is_threshold_lower`, `rollout_is_threshold`], `*_mask`
//! sets it to 0 outside that range. w is a constant (no gradient); the KL term and every
//! normaliser are untouched, as TRL multiplies only the policy-gradient term.

use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use super::{KeptTokens, KlEstimator, indicator};

/// How π_old/π_rollout weighs the surrogate terms (TRL's `vllm_importance_sampling_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RolloutIs {
    /// No weight (w = 1): the sampler's mismatch goes uncorrected.
    None,
    /// w_t = clamp(exp(d_t), lower, upper): truncated IS per token (TIS).
    TokenTruncate,
    /// w_t = exp(d_t) inside [lower, upper], else 0: masked IS per token.
    TokenMask,
    /// w = clamp(exp(Σ_t d_t), lower, upper) on every token of the completion.
    SequenceTruncate,
    /// w = exp(Σ_t d_t) inside [lower, upper], else 0: the completion's surrogate terms drop.
    SequenceMask,
}

impl RolloutIs {
    /// Every variant's JSON name, in declaration order: the choices the schema offers.
    pub const NAMES: &'static [&'static str] = &[
        "none",
        "token_truncate",
        "token_mask",
        "sequence_truncate",
        "sequence_mask",
    ];

    pub const fn is_sequence_level(self) -> bool {
        matches!(self, Self::SequenceTruncate | Self::SequenceMask)
    }

    pub const fn truncates(self) -> bool {
        matches!(self, Self::TokenTruncate | Self::SequenceTruncate)
    }
}

/// The weights, `[P, G, T]` (constants), and which kept tokens' weights the bounds changed.
pub struct RolloutWeights {
    pub weights: Tensor<3>,
    /// 1 where w was truncated or masked, `[P, G, T]`.
    pub cut: Tensor<3>,
}

/// w of every token for `mode` (not [`RolloutIs::None`]), from log π_old and log π_rollout.
pub fn rollout_weights(
    mode: RolloutIs,
    logp_old: &Tensor<3>,
    logp_rollout: &Tensor<3>,
    mask: &Tensor<3>,
    lower: Option<f64>,
    upper: f64,
) -> RolloutWeights {
    let [p, g, t] = mask.dims();
    let d = (logp_old.clone() - logp_rollout.clone()) * mask.clone();
    let raw = if mode.is_sequence_level() {
        d.sum_dim(2).exp().expand([p, g, t])
    } else {
        d.exp()
    };
    // Compared, never multiplied: a sequence's exp(Σ d) can overflow to ∞, and ∞·0 is NaN.
    let mut outside = raw.clone().greater_elem(upper);
    if let Some(lower) = lower {
        outside = outside.bool_or(raw.clone().lower_elem(lower));
    }
    let weights = match (mode.truncates(), lower) {
        (true, Some(lower)) => raw.clamp(lower, upper),
        (true, None) => raw.clamp_max(upper),
        (false, _) => raw.mask_fill(outside.clone(), 0.0),
    };
    RolloutWeights {
        cut: indicator(outside, &weights),
        weights: weights.detach(),
    }
}

/// The rollout's mismatch and the correction's effect, each `[1]`, over the kept tokens.
pub struct RolloutMetrics {
    /// k3 of π_old against π_rollout: an estimate of KL(π_rollout ‖ π_old) from its samples.
    pub kl: Tensor<1>,
    /// Mean weight w, when a correction is on.
    pub is_mean: Option<Tensor<1>>,
    /// Fraction of tokens whose weight the bounds truncated or masked, when a correction is on.
    pub is_cut_frac: Option<Tensor<1>>,
}

pub(crate) fn rollout_metrics(
    kept: &KeptTokens,
    logp_old: &Tensor<3>,
    logp_rollout: &Tensor<3>,
    weights: Option<&RolloutWeights>,
) -> RolloutMetrics {
    let kl = KlEstimator::K3.penalty(logp_old.clone() - logp_rollout.clone());
    RolloutMetrics {
        kl: kept.mean(kl),
        is_mean: weights.map(|w| kept.mean(w.weights.clone())),
        is_cut_frac: weights.map(|w| kept.mean(w.cut.clone())),
    }
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Device, TensorData};

    use super::*;

    fn t(values: Vec<f32>) -> Tensor<3> {
        let n = values.len();
        Tensor::from_data(TensorData::new(values, [1, 1, n]), &Device::flex())
    }

    fn values(x: Tensor<3>) -> Vec<f32> {
        x.into_data().iter::<f32>().collect()
    }

    #[test]
    fn each_mode_truncates_or_masks_its_weights() {
        let (old, rollout, mask) = (
            t(vec![0.0, 0.0, 0.0]),
            t(vec![-1.0, 0.5, 0.0]),
            t(vec![1.0, 1.0, 0.0]),
        );
        let w =
            |mode, lower| values(rollout_weights(mode, &old, &rollout, &mask, lower, 2.0).weights);
        let e = |x: f32| x.exp();
        assert_eq!(w(RolloutIs::TokenTruncate, None), vec![2.0, e(-0.5), 1.0]);
        assert_eq!(w(RolloutIs::TokenMask, Some(0.7)), vec![0.0, 0.0, 1.0]);
        let sequence = w(RolloutIs::SequenceTruncate, None);
        assert!(
            sequence.iter().all(|&x| (x - e(0.5)).abs() < 1e-6),
            "{sequence:?}"
        );
        let cut = rollout_weights(RolloutIs::TokenTruncate, &old, &rollout, &mask, None, 2.0).cut;
        assert_eq!(values(cut), vec![1.0, 0.0, 0.0]);
    }

    #[test]
    fn a_sequence_weight_that_overflows_is_masked_to_zero_not_nan() {
        let old = t(vec![60.0, 60.0]);
        let (rollout, mask) = (t(vec![0.0, 0.0]), t(vec![1.0, 1.0]));
        let masked = rollout_weights(RolloutIs::SequenceMask, &old, &rollout, &mask, None, 2.0);
        assert_eq!(values(masked.weights), vec![0.0, 0.0]);
        let truncated = rollout_weights(
            RolloutIs::SequenceTruncate,
            &old,
            &rollout,
            &mask,
            None,
            2.0,
        );
        assert_eq!(values(truncated.weights), vec![2.0, 2.0]);
    }
}
