//! Step 8: the one place where per-token losses become a scalar.

use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use super::declaration::Declaration;
use super::indicator;

/// How per-token losses ℓ̃ are reduced over the kept completions (B of them, N tokens)
/// (`loss_agg_mode`, verl's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LossAggMode {
    /// Σ ℓ̃ / N: every token weighs the same (DAPO 2503.14476).
    #[serde(rename = "token-mean")]
    TokenMean,
    /// (1/B) Σ_i mean_t ℓ̃: every completion weighs the same (GRPO, DeepSeekMath 2402.03300).
    #[serde(rename = "seq-mean-token-mean")]
    SeqMeanTokenMean,
    /// (1/B) Σ_i Σ_t ℓ̃: summed sequence log-probability (RLOO 2402.14740).
    #[serde(rename = "seq-mean-token-sum")]
    SeqMeanTokenSum,
    /// Σ ℓ̃ / (B·L_max): a constant normaliser, no length bias (Dr. GRPO 2503.20783).
    #[serde(rename = "seq-mean-token-sum-norm")]
    SeqMeanTokenSumNorm,
}

impl LossAggMode {
    /// Every variant's JSON name, in declaration order: the choices the schema offers.
    pub const NAMES: &'static [&'static str] = &[
        "token-mean",
        "seq-mean-token-mean",
        "seq-mean-token-sum",
        "seq-mean-token-sum-norm",
    ];

    /// The scalar loss, `[1]`. With nothing kept it is 0 (and so is its gradient).
    ///
    /// # Shapes
    /// `per_token`, `mask`: `[P, G, T]`; `kept` (0/1): `[P, G]` → `[1]`
    pub fn aggregate(
        self,
        per_token: Tensor<3>,
        mask: &Tensor<3>,
        kept: &Tensor<2>,
        max_completion_length: usize,
    ) -> Tensor<1> {
        let weights = mask.clone() * kept.clone().unsqueeze_dim::<3>(2);
        // B counts the kept completions with a token left (verl's `seq_mask`: a completion
        // whose every token `rollout_rs` rejected is out, as a filtered one).
        let [p, g, _] = mask.dims();
        let present = indicator(mask.clone().sum_dim(2).greater_elem(0.0), mask).reshape([p, g]);
        let b = (kept.clone() * present).sum().clamp_min(1.0);
        let weighted = per_token * weights.clone();
        match self {
            Self::TokenMean => weighted.sum() / weights.sum().clamp_min(1.0),
            Self::SeqMeanTokenMean => {
                let per_seq = weighted.sum_dim(2) / mask.clone().sum_dim(2).clamp_min(1.0);
                per_seq.sum() / b
            }
            Self::SeqMeanTokenSum => weighted.sum() / b,
            Self::SeqMeanTokenSumNorm => {
                weighted.sum() / b.mul_scalar(max_completion_length as f64)
            }
        }
    }
}

impl LossAggMode {
    /// The aggregation as KaTeX (notation: [`super::tex::SYMBOLS`]).
    pub const fn tex(self) -> &'static str {
        match self {
            Self::TokenMean => r"L = \dfrac{1}{\vN}\textstyle\sum_{i,t} \ell_{i,t}",
            Self::SeqMeanTokenMean => {
                r"L = \dfrac{1}{\vB}\textstyle\sum_i \dfrac{1}{|o_i|}\sum_t \ell_{i,t}"
            }
            Self::SeqMeanTokenSum => r"L = \dfrac{1}{\vB}\textstyle\sum_i \sum_t \ell_{i,t}",
            Self::SeqMeanTokenSumNorm => {
                r"L = \dfrac{1}{\vB\,\vLmax}\textstyle\sum_{i,t} \ell_{i,t}"
            }
        }
    }

    /// What the aggregation declares beside its formula: nothing of its own.
    pub const fn declaration(self) -> Declaration {
        match self {
            Self::TokenMean
            | Self::SeqMeanTokenMean
            | Self::SeqMeanTokenSum
            | Self::SeqMeanTokenSumNorm => Declaration::NONE,
        }
    }
}
