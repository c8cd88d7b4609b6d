//! Step 5: the importance ratio between the policy being trained and the one that sampled.

use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use super::declaration::Declaration;
use super::masked_token_mean;

/// At which level the ratio is taken (`ratio_level`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RatioLevel {
    /// r_t = exp(ℓ_t), ℓ_t = clamp(logp_t − logp_old_t, −20, 20) (PPO, GRPO).
    Token,
    /// Every token uses s_i = exp(mean_t ℓ_t), the gradient flowing through the mean (GSPO 2507.18071).
    Sequence,
}

impl RatioLevel {
    /// Every variant's JSON name, in declaration order: the choices the schema offers.
    pub const NAMES: &'static [&'static str] = &["token", "sequence"];

    /// The ratio at every token position, `[P, G, T]` (padding positions are meaningless; the
    /// aggregation masks them).
    pub fn ratio(self, logp: &Tensor<3>, logp_old: &Tensor<3>, mask: &Tensor<3>) -> Tensor<3> {
        let log_ratio = (logp.clone() - logp_old.clone()).clamp(-20.0, 20.0);
        match self {
            Self::Token => log_ratio.exp(),
            Self::Sequence => masked_token_mean(log_ratio, mask).exp().expand(logp.dims()),
        }
    }
}

impl RatioLevel {
    /// The ratio's formula as KaTeX (notation: [`super::tex::SYMBOLS`]).
    pub const fn tex(self) -> &'static str {
        match self {
            Self::Token => r"\vr = e^{\vlogp - \vlogpold}",
            Self::Sequence => {
                r"\vr = \exp\Big(\tfrac{1}{|o_i|}\textstyle\sum_t (\log\pi_\theta - \log\pi_{\text{old}})\Big)"
            }
        }
    }

    /// What the ratio declares beside its formula: nothing of its own.
    pub const fn declaration(self) -> Declaration {
        match self {
            Self::Token | Self::Sequence => Declaration::NONE,
        }
    }
}
