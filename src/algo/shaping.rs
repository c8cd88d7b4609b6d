//! Step 1: reward shaping, on constants (no gradient flows through rewards).

use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use super::declaration::Declaration;
use super::{Knobs, indicator};

/// Length L_c of DAPO's soft-overlong buffer (`overlong_buffer_len`): a number of tokens
/// (0 = off), or a fraction of `max_completion_length` rounded up (the DAPO preset uses 0.2).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OverlongBufferLen {
    /// L_c in tokens; 0 turns the penalty off.
    Tokens(u32),
    /// L_c = ⌈fraction_of_max · L_max⌉.
    FractionOfMax { fraction_of_max: f64 },
}

impl OverlongBufferLen {
    /// L_c in tokens for a given L_max.
    pub fn tokens(self, max_completion_length: usize) -> usize {
        match self {
            Self::Tokens(n) => n as usize,
            Self::FractionOfMax { fraction_of_max } => {
                (fraction_of_max * max_completion_length as f64).ceil() as usize
            }
        }
    }
}

impl std::fmt::Display for OverlongBufferLen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Tokens(n) => write!(f, "{n}"),
            Self::FractionOfMax { fraction_of_max } => write!(f, "⌈{fraction_of_max}·L_max⌉"),
        }
    }
}

/// The shaped reward of every completion: GRPO-LEAD's length reward replaces R when
/// `lead_length_alpha` > 0, then DAPO's overlong penalty is added when its buffer is non-empty.
///
/// # Shapes
/// `rewards`, `correct` (0/1), `lengths`: `[P, G]` → `[P, G]`
pub fn shape_rewards(
    knobs: &Knobs,
    rewards: Tensor<2>,
    correct: &Tensor<2>,
    lengths: &Tensor<2>,
    max_completion_length: usize,
) -> Tensor<2> {
    let mut shaped = if knobs.lead_length_alpha > 0.0 {
        lead_length_reward(correct, lengths, knobs.lead_length_alpha)
    } else {
        rewards
    };
    let buffer = knobs.overlong_buffer_len.tokens(max_completion_length);
    if buffer > 0 {
        shaped = shaped
            + overlong_penalty(lengths, max_completion_length, buffer)
                .mul_scalar(knobs.overlong_penalty_factor);
    }
    shaped
}

/// GRPO-LEAD (2504.09696) length-dependent accuracy reward: correct → exp(−α·z_i) with
/// z_i = (|o_i| − mean)/(σ_u + 1e-6) over the lengths of the group's correct completions
/// (z = 0 when fewer than 2 are correct); incorrect → −1.
pub fn lead_length_reward(correct: &Tensor<2>, lengths: &Tensor<2>, alpha: f64) -> Tensor<2> {
    let n_correct = correct.clone().sum_dim(1); // [P, 1]
    let mean = (correct.clone() * lengths.clone()).sum_dim(1) / n_correct.clone().clamp_min(1.0);
    let deviation = lengths.clone() - mean;
    let var_u = (deviation.clone().powi_scalar(2) * correct.clone()).sum_dim(1)
        / (n_correct.clone() - 1.0).clamp_min(1.0);
    let enough = indicator(n_correct.greater_equal_elem(2.0), lengths); // [P, 1]
    // z on the correct completions only: an incorrect one's length may lie far from their mean
    // when their σ is 0, and exp of its z would overflow (∞·0 = NaN below).
    let z = deviation * correct.clone() / (var_u.sqrt() + 1e-6) * enough;
    let on_correct = z.mul_scalar(-alpha).exp();
    on_correct * correct.clone() - (correct.ones_like() - correct.clone())
}

/// DAPO (2503.14476) soft overlong punishment p_i: 0 when |o_i| ≤ L_max − L_c,
/// ((L_max − L_c) − |o_i|)/L_c up to L_max, −1 beyond; i.e. clamp(((L_max − L_c) − |o_i|)/L_c, −1, 0).
pub fn overlong_penalty(lengths: &Tensor<2>, max_len: usize, buffer: usize) -> Tensor<2> {
    let start = max_len as f64 - buffer as f64;
    (lengths.clone().neg() + start)
        .div_scalar(buffer as f64)
        .clamp(-1.0, 0.0)
}

/// Each shaping as KaTeX (notation: [`super::tex::SYMBOLS`]), by the knob that turns it on.
pub const TEX: &[(&str, &str)] = &[
    (
        "lead_length_alpha",
        r"\vR = \begin{cases} e^{-\valpha z_i},\ z_i = \frac{|o_i| - \operatorname{mean}}{\sigma_u + 10^{-6}} & \text{correct} \\ -1 & \text{incorrect} \end{cases}",
    ),
    (
        "overlong_buffer_len",
        r"\vR \mathrel{+}= \vfactor \cdot \operatorname{clip}\Big(\dfrac{(\vLmax - \vLc) - \vlen}{\vLc}, -1, 0\Big)",
    ),
];

/// What each shaping declares, by the knob that turns it on (as [`TEX`]): the knobs it reads
/// besides.
pub const DECLARATIONS: &[(&str, Declaration)] = &[
    ("lead_length_alpha", Declaration::NONE),
    (
        "overlong_buffer_len",
        Declaration::reads(&["overlong_penalty_factor"]),
    ),
];
