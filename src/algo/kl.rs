//! KL penalties against the frozen reference policy: per-token estimators (Schulman's k1/k2/k3)
//! and the token-level returns when the penalty goes into the reward (RLOO, REINFORCE++).

use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use super::declaration::Declaration;

/// Per-token estimator of KL(π_θ ‖ π_ref) on tokens sampled from the policy, as a function of
/// x = logp_ref − logp (J. Schulman, "Approximating KL divergence", 2020).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KlEstimator {
    /// k1 = −x: unbiased, high variance, can be negative.
    K1,
    /// k2 = x²/2: biased, low variance (REINFORCE++-baseline's KL loss).
    K2,
    /// k3 = eˣ − x − 1: unbiased and non-negative (GRPO, DeepSeekMath 2402.03300).
    K3,
}

impl KlEstimator {
    /// Every variant's JSON name, in declaration order: the choices the schema offers.
    pub const NAMES: &'static [&'static str] = &["k1", "k2", "k3"];

    /// Elementwise penalty of `x` = logp_ref − logp.
    pub fn penalty<const D: usize>(self, x: Tensor<D>) -> Tensor<D> {
        match self {
            Self::K1 => x.neg(),
            Self::K2 => x.powi_scalar(2).mul_scalar(0.5),
            Self::K3 => x.clone().exp() - x - 1.0,
        }
    }

    /// [`KlEstimator::penalty`], with verl's `low_var_kl` clamps on k3 when `kl_clamp` is set:
    /// x clamped to [−20, 20] before eˣ and k3 to [−10, 10] after (a clamp that binds passes no
    /// gradient). verl clamps k3 always; ALGORITHMS.md (and this knob's default) never does.
    pub fn penalty_with<const D: usize>(self, x: Tensor<D>, kl_clamp: bool) -> Tensor<D> {
        match self {
            Self::K3 if kl_clamp => self.penalty(x.clamp(-20.0, 20.0)).clamp(-10.0, 10.0),
            _ => self.penalty(x),
        }
    }
}

/// The KL penalty in the reward, per token: −β·k(logp_ref_t − logp_old_t) (k clamped per
/// `kl_clamp`), 0 on padding.
///
/// # Shapes
/// `logp_old`, `logp_ref`, `mask`: `[P, G, T]` → `[P, G, T]`
pub fn kl_rewards(
    logp_old: &Tensor<3>,
    logp_ref: &Tensor<3>,
    mask: &Tensor<3>,
    beta: f64,
    estimator: KlEstimator,
    kl_clamp: bool,
) -> Tensor<3> {
    estimator
        .penalty_with(logp_ref.clone() - logp_old.clone(), kl_clamp)
        .mul_scalar(-beta)
        * mask.clone()
}

/// Returns-to-go with the KL penalty in the reward (γ = 1): token rewards
/// r_t = [`kl_rewards`], plus the shaped reward at the last token, and G_t = Σ_{s ≥ t} r_s.
/// Padding positions come out 0.
///
/// # Shapes
/// `shaped`: `[P, G]`; `kl_rewards`, `mask`: `[P, G, T]` → `[P, G, T]`
pub fn returns_with_kl(shaped: &Tensor<2>, kl_rewards: Tensor<3>, mask: &Tensor<3>) -> Tensor<3> {
    // Σ_{s ≥ t}: a cumulative sum over the reversed token axis.
    let to_go = kl_rewards.flip([2]).cumsum(2).flip([2]);
    (to_go + shaped.clone().unsqueeze_dim::<3>(2)) * mask.clone()
}

/// Token rewards r_t: the shaped reward on each completion's last real token, plus the KL
/// penalty (`kl_rewards`) when it is in the reward; what GAE discounts.
///
/// # Shapes
/// `shaped`: `[P, G]`; `kl_rewards`, `mask`: `[P, G, T]` → `[P, G, T]`
pub fn token_rewards(
    shaped: &Tensor<2>,
    kl_rewards: Option<Tensor<3>>,
    mask: &Tensor<3>,
) -> Tensor<3> {
    // The mask is a prefix: the last real token is where it steps down from 1 to 0.
    let last = mask.clone() - super::next_token(mask.clone());
    let outcome = shaped.clone().unsqueeze_dim::<3>(2) * last;
    match kl_rewards {
        Some(kl) => outcome + kl,
        None => outcome,
    }
}

impl KlEstimator {
    /// The estimator k(x), x = log π_ref − log π, as KaTeX (notation: [`super::tex::SYMBOLS`]).
    pub const fn tex(self) -> &'static str {
        match self {
            Self::K1 => r"k_1 = \vlogp - \vlogpref",
            Self::K2 => r"k_2 = \tfrac12\,(\vlogpref - \vlogp)^2",
            Self::K3 => r"k_3 = e^{\vlogpref - \vlogp} - (\vlogpref - \vlogp) - 1",
        }
    }

    /// What the estimator declares beside its formula: k3 reads `kl_clamp`
    /// ([`KlEstimator::penalty_with`]).
    pub const fn declaration(self) -> Declaration {
        match self {
            Self::K1 | Self::K2 => Declaration::NONE,
            Self::K3 => Declaration::reads(&["kl_clamp"]),
        }
    }

    /// Where the penalty goes when the KL is in the loss (step 7), as KaTeX.
    pub const IN_LOSS_TEX: &'static str = r"\vell \mathrel{+}= \vbeta\,k";
    /// Where it goes with `kl_in_reward` (step 2), as KaTeX.
    pub const IN_REWARD_TEX: &'static str = r"r_t = -\vbeta\,k(\log\pi_{\text{ref}} - \log\pi_{\text{old}}),\quad \vGt = \textstyle\sum_{s \ge t} r_s + \vR";
}
