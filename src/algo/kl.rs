//! KL penalties against the frozen reference policy: per-token estimators (Schulman's k1/k2/k3)
//! and the token-level returns when the penalty goes into the reward (RLOO, REINFORCE++).

use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use super::declaration::Declaration;

/// Per-token estimator of KL(π_θ ‖ π_ref) on tokens sampled from the policy, as a function of
/// x = logp_ref − logp (J. Schulman, "Approximating KL divergence", 2020), with verl's further
/// forms (verl 0.9.1 `core_algos.kl_penalty` and `kl_penalty_forward`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KlEstimator {
    /// k1 = −x: unbiased, high variance, can be negative.
    K1,
    /// k2 = x²/2: biased, low variance (REINFORCE++-baseline's KL loss).
    K2,
    /// k3 = eˣ − x − 1: unbiased and non-negative (GRPO, DeepSeekMath 2402.03300).
    K3,
    /// |x| (verl `abs`).
    Abs,
    /// k1's value with k2's gradient, a straight-through estimator (verl `k1+`): k1 and k3
    /// estimate the KL's value without bias but not its gradient, which k2's gradient does.
    #[serde(rename = "k1+")]
    K1Plus,
    /// k3's value with k2's gradient (verl `k3+`), as `k1+`.
    #[serde(rename = "k3+")]
    K3Plus,
}

impl KlEstimator {
    /// Every variant's JSON name, in declaration order: the choices the schema offers.
    pub const NAMES: &'static [&'static str] = &["k1", "k2", "k3", "abs", "k1+", "k3+"];

    /// Elementwise penalty of `x` = logp_ref − logp.
    pub fn penalty<const D: usize>(self, x: Tensor<D>) -> Tensor<D> {
        self.penalty_with(x, false)
    }

    /// [`KlEstimator::penalty`], with verl's `low_var_kl` clamps on k3 (and k3+'s value) when
    /// `kl_clamp` is set: x clamped to [−20, 20] before eˣ and k3 to [−10, 10] after (a clamp
    /// that binds passes no gradient). verl clamps k3 always; ALGORITHMS.md (and this knob's
    /// default) never does.
    pub fn penalty_with<const D: usize>(self, x: Tensor<D>, kl_clamp: bool) -> Tensor<D> {
        match self {
            Self::K1 => x.neg(),
            Self::K2 => x.powi_scalar(2).mul_scalar(0.5),
            Self::K3 if kl_clamp => k3(x.clamp(-20.0, 20.0)).clamp(-10.0, 10.0),
            Self::K3 => k3(x),
            Self::Abs => x.abs(),
            Self::K1Plus => straight_through(Self::K1.penalty(x.clone()), x),
            Self::K3Plus => straight_through(Self::K3.penalty_with(x.clone(), kl_clamp), x),
        }
    }
}

fn k3<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    x.clone().exp() - x - 1.0
}

/// `value` forward, k2's gradient backward: k2 − sg(k2) + sg(value).
fn straight_through<const D: usize>(value: Tensor<D>, x: Tensor<D>) -> Tensor<D> {
    let k2 = KlEstimator::K2.penalty(x);
    k2.clone() - k2.detach() + value.detach()
}

/// How β moves when the KL is in the reward (verl's `algorithm.kl_ctrl.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KlCtrl {
    /// β stays as set.
    Fixed,
    /// Ziegler et al.'s controller (arXiv 1909.08593 §2.2, as verl 0.9.1's
    /// `AdaptiveKLController`): after each rollout, β ← β·(1 + clip(KL/target_kl − 1, ±0.2)·n/horizon),
    /// KL the batch mean of each completion's token-mean penalty and n its completions.
    Adaptive,
}

impl KlCtrl {
    /// Every variant's JSON name, in declaration order: the choices the schema offers.
    pub const NAMES: &'static [&'static str] = &["fixed", "adaptive"];

    /// β after a rollout whose reward KL was `kl`, over `n` completions.
    pub fn next_beta(self, beta: f64, kl: f64, target_kl: f64, horizon: usize, n: usize) -> f64 {
        match self {
            Self::Fixed => beta,
            Self::Adaptive => {
                let error = (kl / target_kl - 1.0).clamp(-0.2, 0.2);
                beta * (1.0 + error * n as f64 / horizon as f64)
            }
        }
    }
}

/// The batch mean of each completion's token-mean reward KL penalty k(logp_ref − logp_old)
/// (verl's `current_kl` in `apply_kl_penalty`), `[1]`.
///
/// # Shapes
/// `logp_old`, `logp_ref`, `mask`: `[P, G, T]` → `[1]`
pub fn reward_kl(
    logp_old: &Tensor<3>,
    logp_ref: &Tensor<3>,
    mask: &Tensor<3>,
    estimator: KlEstimator,
    kl_clamp: bool,
) -> Tensor<1> {
    let k = estimator.penalty_with(logp_ref.clone() - logp_old.clone(), kl_clamp) * mask.clone();
    let per_completion = k.sum_dim(2) / mask.clone().sum_dim(2).clamp_min(1.0);
    per_completion.mean().reshape([1])
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
            Self::Abs => r"k = \lvert \vlogp - \vlogpref \rvert",
            Self::K1Plus => {
                r"k = k_2 - \operatorname{sg}(k_2) + \operatorname{sg}(k_1)\ \text{(value of } k_1\text{, gradient of } k_2)"
            }
            Self::K3Plus => {
                r"k = k_2 - \operatorname{sg}(k_2) + \operatorname{sg}(k_3)\ \text{(value of } k_3\text{, gradient of } k_2)"
            }
        }
    }

    /// What the estimator declares beside its formula: k3 and k3+ read `kl_clamp`
    /// ([`KlEstimator::penalty_with`]).
    pub const fn declaration(self) -> Declaration {
        match self {
            Self::K1 | Self::K2 | Self::Abs | Self::K1Plus => Declaration::NONE,
            Self::K3 | Self::K3Plus => Declaration::reads(&["kl_clamp"]),
        }
    }

    /// Where the penalty goes when the KL is in the loss (step 7), as KaTeX.
    pub const IN_LOSS_TEX: &'static str = r"\vell \mathrel{+}= \vbeta\,k";
    /// Where it goes with `kl_in_reward` (step 2), as KaTeX.
    pub const IN_REWARD_TEX: &'static str = r"r_t = -\vbeta\,k(\log\pi_{\text{ref}} - \log\pi_{\text{old}}),\quad \vGt = \textstyle\sum_{s \ge t} r_s + \vR";
}

#[cfg(test)]
mod tests {
    use burn::tensor::{DType, Device, TensorData};

    use super::*;

    #[test]
    fn the_adaptive_controller_moves_beta_by_the_clipped_error() {
        let next = |kl| KlCtrl::Adaptive.next_beta(0.1, kl, 0.5, 100, 10);
        assert!((next(0.55) - 0.1 * (1.0 + 0.1 * 0.1)).abs() < 1e-12);
        assert!(
            (next(5.0) - 0.1 * (1.0 + 0.2 * 0.1)).abs() < 1e-12,
            "clipped at +0.2"
        );
        assert!(
            (next(0.0) - 0.1 * (1.0 - 0.2 * 0.1)).abs() < 1e-12,
            "clipped at −0.2"
        );
        assert_eq!(KlCtrl::Fixed.next_beta(0.1, 5.0, 0.5, 100, 10), 0.1);
    }

    #[test]
    fn the_reward_kl_is_the_mean_of_each_completions_token_mean() {
        let device = Device::flex();
        let t = |v: Vec<f32>| {
            Tensor::<3>::from_data(TensorData::new(v, [1, 2, 3]), (&device, DType::F32))
        };
        let logp_old = t(vec![0.0; 6]);
        let logp_ref = t(vec![-1.0, -3.0, -7.0, -2.0, 0.0, 0.0]);
        let mask = t(vec![1.0, 1.0, 0.0, 1.0, 0.0, 0.0]);
        // k1 = −x: completion 1 has (1 + 3)/2 = 2, completion 2 has 2; the padded −7 counts nowhere.
        let kl = reward_kl(&logp_old, &logp_ref, &mask, KlEstimator::K1, false);
        assert_eq!(kl.into_data().iter::<f32>().collect::<Vec<_>>(), vec![2.0]);
    }
}
