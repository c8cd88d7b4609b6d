//! BAPO's clip bounds (Balanced Policy Optimization with Adaptive Clipping, arXiv 2510.18927),
//! as the authors' code chooses them (`WooooDyy/BAPO` 3b8389c `recipe/bapo/policy_loss.py`
//! L21–152, defaults from `recipe/bapo/config/bapo_trainer.yaml` L15–22): absolute ratio bounds
//! [c_low, c_high], searched afresh on every batch the loss sees. With
//! P = Σ_{A ≥ 0} min(r, c_high)·A and N = Σ_{A < 0} max(r, c_low)·|A| over the kept tokens,
//! the search starts at (`ratio_lower_start`, `ratio_upper_start`); while
//! P/(N + 1e-8) < `adv_ratio_target` (N = 0 counts as met) it raises c_low by `ratio_lower_step`
//! up to `ratio_lower_max`, then c_high by `ratio_upper_step` up to `ratio_upper_max`, and
//! stops at the first pair that meets the target (else the last). The loss is then PPO's clip
//! with clamp(r, c_low, c_high) (dual clip `clip_ratio_c`, 3 in the recipe), bounds constant.
//!
//! The code differs from the paper's Algorithm 1, which raises c_high first and measures the
//! positive share of all contributions; and since N only grows with c_low, its first loop can
//! never meet the target: c_low stays at its start when the start already meets it, else ends
//! at its maximum, and only c_high's loop can help. Both are reproduced as coded.

use burn::tensor::{Tensor, TensorData};

use super::{Knobs, indicator};

/// The recipe's `eps` on N.
const EPS: f64 = 1e-8;

/// The most candidate pairs one search may try: each is a pass over the batch.
pub const MAX_CANDIDATES: usize = 200;

/// The bounds a batch's search chose, each `[1]`, constant.
#[derive(Debug, Clone)]
pub struct Bounds {
    pub low: Tensor<1>,
    pub high: Tensor<1>,
}

impl Bounds {
    /// Fixed bounds, on `like`'s device and dtype.
    pub fn at(low: f64, high: f64, like: &Tensor<3>) -> Self {
        let one = |v: f64| {
            Tensor::<1>::from_data(
                TensorData::new(vec![v], [1]),
                (&like.device(), like.dtype()),
            )
        };
        Self {
            low: one(low),
            high: one(high),
        }
    }

    /// clamp(r, c_low, c_high), `[P, G, T]`.
    pub fn clamp(&self, ratio: Tensor<3>) -> Tensor<3> {
        let [low, high] = self.expanded(&ratio);
        ratio.max_pair(low).min_pair(high)
    }

    /// c_low and c_high broadcast to `like`'s shape.
    pub fn expanded(&self, like: &Tensor<3>) -> [Tensor<3>; 2] {
        let dims = like.dims();
        [&self.low, &self.high].map(|b| b.clone().reshape([1, 1, 1]).expand(dims))
    }
}

/// The pairs the authors' loops try, in order: c_low's steps at c_high's start, then c_high's
/// steps at c_low's last value (Python floats, so f64).
pub fn candidates(knobs: &Knobs) -> Vec<(f64, f64)> {
    let (mut low, mut high) = (knobs.ratio_lower_start, knobs.ratio_upper_start);
    let mut out = vec![(low, high)];
    let (low_step, high_step) = (
        knobs.ratio_lower_step.max(0.0),
        knobs.ratio_upper_step.max(0.0),
    );
    // The length bound guards a step too small to move the bound; `validate` refuses such knobs.
    while low < knobs.ratio_lower_max && low_step > 0.0 && out.len() < MAX_CANDIDATES {
        low = (low + low_step).min(knobs.ratio_lower_max);
        out.push((low, high));
    }
    while high < knobs.ratio_upper_max && high_step > 0.0 && out.len() < MAX_CANDIDATES {
        high = (high + high_step).min(knobs.ratio_upper_max);
        out.push((low, high));
    }
    out
}

/// The search over every candidate at once (no read-back: the page cannot wait on one),
/// `ratio`, `advantages` and the kept tokens' 0/1 `weights` all `[P, G, T]`.
pub fn bounds(
    knobs: &Knobs,
    ratio: &Tensor<3>,
    advantages: &Tensor<3>,
    weights: &Tensor<3>,
) -> Bounds {
    let pairs = candidates(knobs);
    let m = pairs.len();
    let device = ratio.device();
    let row =
        |v: Vec<f64>| Tensor::<2>::from_data(TensorData::new(v, [1, m]), (&device, ratio.dtype()));
    let lows = row(pairs.iter().map(|p| p.0).collect());
    let highs = row(pairs.iter().map(|p| p.1).collect());
    let n = ratio.shape().num_elements();
    let column = |x: Tensor<3>| x.reshape([n, 1]).expand([n, m]);
    let r = column(ratio.clone().detach());
    let a = advantages.clone() * weights.clone();
    let positive = column(a.clone().clamp_min(0.0));
    let negative = column(a.neg().clamp_min(0.0));
    let p = (r.clone().min_pair(highs.clone().expand([n, m])) * positive).sum_dim(0);
    let big_n = (r.max_pair(lows.clone().expand([n, m])) * negative).sum_dim(0);
    let met = big_n
        .clone()
        .lower_equal_elem(0.0)
        .bool_or((p / (big_n + EPS)).greater_equal_elem(knobs.adv_ratio_target));
    // The first pair that meets the target, else the last: each met pair scores m − its index,
    // and the last pair ½ besides, so the largest score is unique.
    let first = row((0..m).map(|i| (m - i) as f64).collect());
    let last = row((0..m).map(|i| if i + 1 == m { 0.5 } else { 0.0 }).collect());
    let score = indicator(met, &first) * first + last;
    let max = score.clone().max_dim(1).expand([1, m]);
    let chosen = indicator(score.equal(max), &lows);
    Bounds {
        low: (chosen.clone() * lows).sum(),
        high: (chosen * highs).sum(),
    }
}
