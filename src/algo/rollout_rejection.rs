//! Rollout rejection sampling: where the completions were sampled by a policy π_rollout other
//! than π_old, the tokens (or whole completions) whose divergence between the two exceeds a
//! bound leave the batch, as verl's `algorithm.rollout_correction.rollout_rs` (verl b178a3cd
//! `verl/trainer/ppo/rollout_corr_helper.py` `compute_rollout_rejection_mask` L156–372, applied
//! in `compute_rollout_correction_and_add_to_batch` L943–997 by replacing `response_mask` before
//! `compute_advantage`; Liu et al., "When speed kills stability", 2025). With the log-ratio
//! ℓ_t = clamp(log π_old − log π_rollout, ±20) on real tokens, k1_t = −ℓ_t, k2_t = ½ℓ_t² and
//! k3_t = e^{ℓ_t} − 1 − ℓ_t; `token_k*` judges each token, `seq_sum_k*`, `seq_mean_k*`
//! (Σ/(n + 1e-8), verl's `masked_mean`) and `seq_max_k*` (0 for an empty completion) judge the
//! completion by its tokens' statistic. A k1 statistic is kept inside [ln `lower`, ln `upper`]
//! (a ratio band: `rollout_rs_threshold_lower`, default 1/`rollout_rs_threshold`, as verl's
//! `lower_upper` spec), a k2 or k3 one at or below `rollout_rs_threshold`. verl chains several
//! options with commas; here one option is chosen.

use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use super::indicator;

/// Which divergence, judged per token or per completion, rejects (`rollout_rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RolloutRs {
    /// No rejection.
    None,
    TokenK1,
    TokenK2,
    TokenK3,
    SeqSumK1,
    SeqSumK2,
    SeqSumK3,
    SeqMeanK1,
    SeqMeanK2,
    SeqMeanK3,
    SeqMaxK2,
    SeqMaxK3,
}

/// The per-token divergence a mode reads.
#[derive(Clone, Copy)]
enum Stat {
    K1,
    K2,
    K3,
}

/// How a mode gathers a completion's tokens' statistics.
#[derive(Clone, Copy)]
enum Level {
    Token,
    Sum,
    Mean,
    Max,
}

impl RolloutRs {
    /// Every variant's JSON name, in declaration order: the choices the schema offers.
    pub const NAMES: &'static [&'static str] = &[
        "none",
        "token_k1",
        "token_k2",
        "token_k3",
        "seq_sum_k1",
        "seq_sum_k2",
        "seq_sum_k3",
        "seq_mean_k1",
        "seq_mean_k2",
        "seq_mean_k3",
        "seq_max_k2",
        "seq_max_k3",
    ];

    /// Whether the mode judges single tokens (else whole completions).
    pub const fn is_token_level(self) -> bool {
        matches!(self, Self::TokenK1 | Self::TokenK2 | Self::TokenK3)
    }

    /// Whether the bound is a ratio band (k1) rather than an upper bound on a divergence.
    pub const fn is_k1(self) -> bool {
        matches!(self, Self::TokenK1 | Self::SeqSumK1 | Self::SeqMeanK1)
    }

    fn parts(self) -> Option<(Stat, Level)> {
        Some(match self {
            Self::None => return None,
            Self::TokenK1 => (Stat::K1, Level::Token),
            Self::TokenK2 => (Stat::K2, Level::Token),
            Self::TokenK3 => (Stat::K3, Level::Token),
            Self::SeqSumK1 => (Stat::K1, Level::Sum),
            Self::SeqSumK2 => (Stat::K2, Level::Sum),
            Self::SeqSumK3 => (Stat::K3, Level::Sum),
            Self::SeqMeanK1 => (Stat::K1, Level::Mean),
            Self::SeqMeanK2 => (Stat::K2, Level::Mean),
            Self::SeqMeanK3 => (Stat::K3, Level::Mean),
            Self::SeqMaxK2 => (Stat::K2, Level::Max),
            Self::SeqMaxK3 => (Stat::K3, Level::Max),
        })
    }

    /// 0/1 per token, `[P, G, T]`: the real tokens that stay (`mask` times the verdict), or
    /// None for [`RolloutRs::None`]. `upper` is `rollout_rs_threshold`, `lower` the k1 band's
    /// lower ratio (unset: 1/`upper`).
    pub fn keep(
        self,
        logp_old: &Tensor<3>,
        logp_rollout: &Tensor<3>,
        mask: &Tensor<3>,
        lower: Option<f64>,
        upper: f64,
    ) -> Option<Tensor<3>> {
        let (stat, level) = self.parts()?;
        let [p, g, t] = mask.dims();
        let l = (logp_old.clone() - logp_rollout.clone()).clamp(-20.0, 20.0);
        let token = match stat {
            Stat::K1 => l.neg(),
            Stat::K2 => l.powi_scalar(2).mul_scalar(0.5),
            Stat::K3 => l.clone().exp() - 1.0 - l,
        };
        let sum = || (token.clone() * mask.clone()).sum_dim(2);
        let statistic = match level {
            Level::Token => token.clone(),
            Level::Sum => sum().expand([p, g, t]),
            Level::Mean => (sum() / (mask.clone().sum_dim(2) + 1e-8)).expand([p, g, t]),
            Level::Max => {
                // Padding can never be the maximum; an empty completion's maximum is 0.
                let masked = token
                    .clone()
                    .mask_fill(mask.clone().equal_elem(0.0), f64::MIN);
                let max = masked.max_dim(2);
                max.clone()
                    .mask_fill(max.lower_equal_elem(f64::MIN / 2.0), 0.0)
                    .expand([p, g, t])
            }
        };
        let kept = match stat {
            Stat::K1 => {
                let lower = lower.unwrap_or(1.0 / upper).ln();
                statistic
                    .clone()
                    .greater_equal_elem(lower)
                    .bool_and(statistic.lower_equal_elem(upper.ln()))
            }
            Stat::K2 | Stat::K3 => statistic.lower_equal_elem(upper),
        };
        Some(indicator(kept, mask) * mask.clone())
    }
}
