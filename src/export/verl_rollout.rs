//! verl's rollout correction (`algorithm.rollout_correction.*`, verl 0.9.1
//! `rollout_corr_helper.py`): this crate's `rollout_is` truncated modes and `rollout_rs`.

use super::{Builder, Lit, name_of};
use crate::algo::{RolloutIs, RolloutRs};

/// `rollout_is`'s truncated modes are verl's `rollout_is` (token or sequence; C_max is its
/// `rollout_is_threshold`, verl 0.9.1 `rollout_corr_helper.compute_rollout_correction_weights`).
pub(super) fn rollout_correction(b: &mut Builder) {
    let k = b.knobs;
    let level = match k.rollout_is {
        RolloutIs::None => {
            b.unused(&["algo.rollout_is"]);
            None
        }
        RolloutIs::TokenTruncate => Some("token"),
        RolloutIs::SequenceTruncate => Some("sequence"),
        RolloutIs::TokenMask | RolloutIs::SequenceMask => {
            b.unmapped(
                "algo.rollout_is",
                name_of(k.rollout_is),
                "verl masks through rollout_rs, which also drops the token from the loss's \
                 normaliser (here only its surrogate term is zeroed)",
            );
            None
        }
    };
    if let Some(level) = level {
        b.set_noted(
            &["algo.rollout_is"],
            "algorithm.rollout_correction.rollout_is",
            Lit::str(level),
            "verl clamps the log-ratio (token's, or sequence's sum) to ±20 before exp: the same \
             weight wherever the threshold binds first",
        );
    }
    b.declared(&[
        "algo.rollout_is_threshold",
        "algo.rollout_is_threshold_lower",
    ]);
    rollout_rejection(b);
}

/// `rollout_rs` is verl's option of that name (one option; verl also chains several), its
/// bound verl's `rollout_rs_threshold`, a k1 band with a lower ratio as its `"lower_upper"`.
fn rollout_rejection(b: &mut Builder) {
    let k = b.knobs;
    let rs = "algo.rollout_rs";
    let (upper, lower) = (
        "algo.rollout_rs_threshold",
        "algo.rollout_rs_threshold_lower",
    );
    let Some(threshold) = k
        .rollout_rs_threshold
        .filter(|_| k.rollout_rs != RolloutRs::None)
    else {
        b.unused(&[rs, upper, lower]);
        return;
    };
    b.set(
        &[rs],
        "algorithm.rollout_correction.rollout_rs",
        Lit::Str(name_of(k.rollout_rs)),
    );
    let name = "algorithm.rollout_correction.rollout_rs_threshold";
    match k.rollout_rs_threshold_lower {
        Some(low) => b.set(
            &[upper, lower],
            name,
            Lit::Str(format!("{low}_{threshold}")),
        ),
        None => {
            b.set(&[upper], name, Lit::Float(threshold));
            b.unused(&[lower]);
        }
    }
}
