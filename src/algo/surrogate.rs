//! Steps 6–8 behind one signature, [`Surrogate::loss`]: a per-token surrogate ℓ̃ with its KL
//! term and aggregation, or a sequence-level loss (GVPO's group objective) in their place.

use burn::tensor::{Tensor, activation::sigmoid};
use serde::{Deserialize, Serialize};

use super::{Knobs, indicator};

/// The per-token surrogate (`surrogate`); A = A_{i,t}, r the [`super::RatioLevel`] ratio,
/// εl = `epsilon`, εh = `epsilon_high`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Surrogate {
    /// ℓ̃ = −min(r·A, clip(r, 1 − εl, 1 + εh)·A) (PPO 1707.06347; clip-higher, DAPO 2503.14476);
    /// with `clip_ratio_c` c, for A < 0: ℓ̃ = −max(min(…), c·A) (dual clip, 1912.09729).
    Clip,
    /// ℓ̃ = −A·logp: no ratio, no clip (REINFORCE; RLOO, GPG, ReMax as in their papers).
    Reinforce,
    /// ℓ̃ = −(4/τ)·sigmoid(τ(r − 1))·A, τ = `sapo_tau_pos` if A > 0 else `sapo_tau_neg` (SAPO 2511.20347).
    Sapo,
    /// ℓ̃ = −sg(clip(r, 1 − εl, 1 + εh))·A·logp: a clipped, gradient-free IS weight (MiniMax-M1 2506.13585).
    Cispo,
    /// Per group, Rθ_i = `gvpo_beta`·Σ_t (logp − logp_old) and
    /// L = (1/(G−1))·Σ_i ½[(Rθ_i − mean_j Rθ_j) − A_i]²; loss = mean over groups with ≥ 2 kept
    /// (GVPO 2504.19599). Replaces steps 6–8; no KL term.
    Gvpo,
}

/// What a surrogate's loss reads (steps 6–8), all `[P, G, T]` unless noted.
pub struct LossTerms<'a> {
    /// log π_θ, with gradient.
    pub logp: &'a Tensor<3>,
    /// log π_old, constant.
    pub logp_old: &'a Tensor<3>,
    /// Importance ratio (token or sequence level).
    pub ratio: &'a Tensor<3>,
    /// A_{i,t}.
    pub advantages: &'a Tensor<3>,
    /// 1 on real tokens.
    pub mask: &'a Tensor<3>,
    /// Keep flags, `[P, G]`.
    pub kept: &'a Tensor<2>,
    /// log π_ref, when the loss carries a KL term (β > 0, not in the reward).
    pub logp_ref: Option<&'a Tensor<3>>,
    /// L_max.
    pub max_completion_length: usize,
}

impl Surrogate {
    /// Every variant's JSON name, in declaration order: the choices the schema offers.
    pub const NAMES: &'static [&'static str] = &["clip", "reinforce", "sapo", "cispo", "gvpo"];

    /// Whether the loss is one per sequence or group rather than a sum of per-token terms:
    /// such a loss replaces steps 6–8 whole (no per-token KL term, no aggregation mode).
    pub fn is_sequence_level(self) -> bool {
        match self {
            Self::Gvpo => true,
            Self::Clip | Self::Reinforce | Self::Sapo | Self::Cispo => false,
        }
    }

    /// The scalar loss, `[1]`: the per-token surrogate ℓ̃ (step 6), plus β·k(logp_ref − logp)
    /// when the KL is in the loss (step 7), aggregated by `loss_agg_mode` (step 8); or a
    /// sequence-level loss such as GVPO's in their place.
    pub fn loss(self, knobs: &Knobs, t: &LossTerms) -> Tensor<1> {
        match self.parts(knobs, t) {
            Parts::Tokens { surrogate, kl } => {
                let per_token = match kl {
                    Some(kl) => surrogate + kl,
                    None => surrogate,
                };
                knobs
                    .loss_agg_mode
                    .aggregate(per_token, t.mask, t.kept, t.max_completion_length)
            }
            Parts::Sequence(loss) => loss,
        }
    }

    /// What [`Surrogate::loss`] is made of: per-token terms before aggregation, or a whole
    /// sequence-level loss (what the step inspector shows per token).
    pub fn parts(self, knobs: &Knobs, t: &LossTerms) -> Parts {
        let (ratio, a) = (t.ratio.clone(), t.advantages.clone());
        let clip = |r: Tensor<3>| r.clamp(1.0 - knobs.epsilon, 1.0 + knobs.epsilon_high());
        let per_token = match self {
            Self::Clip => {
                let objective = (ratio.clone() * a.clone()).min_pair(clip(ratio) * a.clone());
                let objective = match knobs.clip_ratio_c {
                    Some(c) => {
                        let negative = a.clone().lower_elem(0.0);
                        objective
                            .clone()
                            .mask_where(negative, objective.max_pair(a * c))
                    }
                    None => objective,
                };
                objective.neg()
            }
            Self::Reinforce => (a * t.logp.clone()).neg(),
            Self::Sapo => {
                let positive = indicator(a.clone().greater_elem(0.0), &a);
                let tau = positive.clone() * knobs.sapo_tau_pos
                    + (positive.neg() + 1.0) * knobs.sapo_tau_neg;
                let gate = sigmoid((ratio - 1.0) * tau.clone());
                (gate * a * tau.recip()).mul_scalar(-4.0)
            }
            Self::Cispo => (clip(ratio).detach() * a * t.logp.clone()).neg(),
            Self::Gvpo => {
                let [p, g, _] = t.advantages.dims();
                let seq_advantages = t.advantages.clone().narrow(2, 0, 1).reshape([p, g]);
                return Parts::Sequence(gvpo_loss(
                    t.logp,
                    t.logp_old,
                    t.mask,
                    &seq_advantages,
                    t.kept,
                    knobs.gvpo_beta,
                ));
            }
        };
        let kl = match t.logp_ref {
            Some(logp_ref) if !knobs.kl_in_reward => Some(
                knobs
                    .kl_estimator
                    .penalty(logp_ref.clone() - t.logp.clone())
                    .mul_scalar(knobs.beta),
            ),
            _ => None,
        };
        Parts::Tokens {
            surrogate: per_token,
            kl,
        }
    }

    /// 0/1 per token where a clip changed the term (`clip_ratio/low_mean`,
    /// `clip_ratio/high_mean`): for `clip`, r < 1 − εl with A < 0 (low), r > 1 + εh with A > 0
    /// (high), and with `clip_ratio_c` c, A < 0 with r > c (dual); for `cispo`, whose clip bounds
    /// a weight, r outside the range whatever A; 0 for the others.
    pub fn clipped_tokens(
        self,
        knobs: &Knobs,
        ratio: &Tensor<3>,
        advantages: &Tensor<3>,
    ) -> Clipped {
        let below = ratio.clone().lower_elem(1.0 - knobs.epsilon);
        let above = ratio.clone().greater_elem(1.0 + knobs.epsilon_high());
        let none = || ratio.zeros_like();
        match self {
            Self::Clip => {
                let negative = advantages.clone().lower_elem(0.0);
                Clipped {
                    low: indicator(below.bool_and(negative.clone()), ratio),
                    high: indicator(above.bool_and(advantages.clone().greater_elem(0.0)), ratio),
                    dual: match knobs.clip_ratio_c {
                        Some(c) => {
                            indicator(ratio.clone().greater_elem(c).bool_and(negative), ratio)
                        }
                        None => none(),
                    },
                }
            }
            Self::Cispo => Clipped {
                low: indicator(below, ratio),
                high: indicator(above, ratio),
                dual: none(),
            },
            Self::Reinforce | Self::Sapo | Self::Gvpo => Clipped {
                low: none(),
                high: none(),
                dual: none(),
            },
        }
    }
}

/// What a surrogate's loss is made of ([`Surrogate::parts`]). Built once per loss and taken
/// apart at once, so the size difference of the variants costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
pub enum Parts {
    /// ℓ̃ per token and the KL term per token (when the KL is in the loss), `[P, G, T]`, before
    /// aggregation.
    Tokens {
        surrogate: Tensor<3>,
        kl: Option<Tensor<3>>,
    },
    /// The whole loss of a sequence-level surrogate, `[1]`.
    Sequence(Tensor<1>),
}

/// 0/1 per token, `[P, G, T]`: where each clip changed the term ([`Surrogate::clipped_tokens`]).
pub struct Clipped {
    pub low: Tensor<3>,
    pub high: Tensor<3>,
    /// The dual clip's bound c·A, for A < 0.
    pub dual: Tensor<3>,
}

/// GVPO's group loss (see [`Surrogate::Gvpo`]), `[1]`.
///
/// # Shapes
/// `logp`, `logp_old`, `mask`: `[P, G, T]`; `seq_advantages`, `kept` (0/1): `[P, G]` → `[1]`
pub fn gvpo_loss(
    logp: &Tensor<3>,
    logp_old: &Tensor<3>,
    mask: &Tensor<3>,
    seq_advantages: &Tensor<2>,
    kept: &Tensor<2>,
    gvpo_beta: f64,
) -> Tensor<1> {
    let [p, g, _] = logp.dims();
    let r_theta = ((logp.clone() - logp_old.clone()) * mask.clone())
        .sum_dim(2)
        .reshape([p, g])
        .mul_scalar(gvpo_beta);
    let n = kept.clone().sum_dim(1); // [P, 1]
    let mean = (r_theta.clone() * kept.clone()).sum_dim(1) / n.clone().clamp_min(1.0);
    let residual = (r_theta - mean) - seq_advantages.clone();
    let per_group = (residual.powi_scalar(2) * kept.clone())
        .sum_dim(1)
        .mul_scalar(0.5)
        / (n.clone() - 1.0).clamp_min(1.0);
    let counted = indicator(n.greater_equal_elem(2.0), kept);
    (per_group * counted.clone()).sum() / counted.sum().clamp_min(1.0)
}

impl Surrogate {
    /// The per-token loss ℓ̃ (GVPO: the group loss) as KaTeX (notation: [`super::tex::SYMBOLS`]).
    pub const fn tex(self) -> &'static str {
        match self {
            Self::Clip => {
                r"\vell = -\min\big(\vr\,\vA,\ \operatorname{clip}(\vr, 1 - \vepsl, 1 + \vepsh)\,\vA\big)"
            }
            Self::Reinforce => r"\vell = -\vA\,\vlogp",
            Self::Sapo => r"\vell = -\dfrac{4}{\vtau}\,\sigma\big(\vtau\,(\vr - 1)\big)\,\vA",
            Self::Cispo => {
                r"\vell = -\operatorname{sg}\big(\operatorname{clip}(\vr, 1 - \vepsl, 1 + \vepsh)\big)\,\vA\,\vlogp"
            }
            Self::Gvpo => {
                r"L = \tfrac{1}{G - 1}\textstyle\sum_i \tfrac12\big[(R^\theta_i - \overline{R^\theta}) - (\vR - \vmu)\big]^2,\ R^\theta_i = \vgvpobeta \textstyle\sum_t (\log\pi_\theta - \log\pi_{\text{old}})"
            }
        }
    }

    /// The dual clip (`clip_ratio_c`) as KaTeX: what `clip` does for A < 0 when c is set.
    pub const DUAL_CLIP_TEX: &'static str =
        r"\vA < 0:\ \vell = -\max\big(\min(\dots),\ \vc\,\vA\big)";
}
