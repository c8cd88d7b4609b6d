//! Step 4: which completions the loss sees. Each filter returns a 0/1 keep flag per completion,
//! `[P, G]`; the objective multiplies them. Filtered completions add nothing to the loss and are
//! not counted in B or N.

use burn::tensor::{Bool, Tensor};

use super::advantage::median;
use super::declaration::Declaration;
use super::indicator;

/// DAPO (2503.14476) dynamic sampling: drop every completion of a group whose raw rewards are
/// all equal (such a group has zero advantage and only dilutes the batch).
pub fn dynamic_sampling(rewards: &Tensor<2>) -> Tensor<2> {
    let spread = rewards.clone().max_dim(1) - rewards.clone().min_dim(1); // [P, 1]
    indicator(spread.greater_elem(0.0), rewards).expand(rewards.dims())
}

/// `mask_truncated_completions` (TRL): drop completions that hit `max_completion_length`.
pub fn mask_truncated(truncated: &Tensor<2>) -> Tensor<2> {
    truncated.ones_like() - truncated.clone()
}

/// MC-GRPO (2601.22582): drop the pivot, the lowest-index completion whose raw reward equals the
/// group median, leaving G gradient samples out of G+1.
pub fn mc_grpo_pivot(rewards: &Tensor<2>) -> Tensor<2> {
    let at_median = indicator(
        rewards
            .clone()
            .equal(median(rewards.clone()).expand(rewards.dims())),
        rewards,
    );
    let earlier = at_median.clone().cumsum(1) - at_median.clone();
    let pivot = at_median * indicator(earlier.equal_elem(0.0), rewards);
    pivot.ones_like() - pivot
}

/// CPPO (2503.22342) pruning: per group keep the k = max(1, ⌊G(1 − P)⌋) completions of largest
/// |A_i|, ties to the lower index.
///
/// # Shapes
/// `seq_advantages`: `[P, G]` → `[P, G]`
pub fn prune(seq_advantages: &Tensor<2>, prune_ratio: f64) -> Tensor<2> {
    let [_, g] = seq_advantages.dims();
    // The epsilon keeps e.g. 4·(1 − 0.75) = 1 from flooring to 0 through rounding.
    let k = ((g as f64 * (1.0 - prune_ratio)) + 1e-9).floor().max(1.0);
    let a = seq_advantages.clone().abs();
    let a_i = a.clone().unsqueeze_dim::<3>(2); // [P, G, 1]
    let a_j = a.unsqueeze_dim::<3>(1); // [P, 1, G]
    // j outranks i when |A_j| > |A_i|, or when they tie and j < i.
    let lower_index: Tensor<3, Bool> =
        Tensor::<2, Bool>::triu_mask([g, g], 0, &seq_advantages.device()).unsqueeze::<3>(); // [1, G, G], true where j < i
    let outranks =
        a_j.clone()
            .greater(a_i.clone())
            .bool_or(
                a_j.equal(a_i)
                    .bool_and(lower_index.expand([seq_advantages.dims()[0], g, g])),
            );
    let rank = indicator(outranks, seq_advantages)
        .sum_dim(2)
        .squeeze_dim::<2>(2);
    indicator(rank.lower_elem(k), seq_advantages)
}

/// Each filter's rule as KaTeX (notation: [`super::tex::SYMBOLS`]), by the knob that asks for it:
/// the names [`super::Advantages::filters`] carries.
pub const TEX: &[(&str, &str)] = &[
    (
        "dynamic_sampling",
        r"\text{drop the group if } \max_j R_j = \min_j R_j",
    ),
    (
        "mask_truncated_completions",
        r"\text{drop } o_i \text{ if it hit } \vLmax \text{ tokens}",
    ),
    (
        "adv_estimator",
        r"\text{drop the pivot: the first } o_i \text{ with } R_i = \operatorname{med}_j R_j",
    ),
    (
        "prune_ratio",
        r"\text{keep the } \max\big(1, \lfloor \vG\,(1 - \vP) \rfloor\big) \text{ completions of largest } |A_i|",
    ),
];

/// What each filter declares, by the knob that asks for it (as [`TEX`]): it can move the kept
/// fraction, and why a completion it drops is out.
pub const DECLARATIONS: &[(&str, Declaration)] = &[
    (
        "dynamic_sampling",
        dropping("dynamic sampling (all rewards of the group equal)"),
    ),
    (
        "mask_truncated_completions",
        dropping("mask_truncated_completions (hit max_completion_length)"),
    ),
    (
        "adv_estimator",
        dropping("the estimator's pivot (MC-GRPO's median completion)"),
    ),
    ("prune_ratio", dropping("pruned (CPPO: small |A|)")),
];

/// A filter that drops completions for the reason `dropped`.
const fn dropping(dropped: &'static str) -> Declaration {
    Declaration {
        moves: &["kept_frac"],
        dropped,
        ..Declaration::NONE
    }
}
