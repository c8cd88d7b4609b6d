//! The filters between the temperature and the draw, as transformers' generation applies them
//! when TRL's `GRPOTrainer` samples without vLLM (`GenerationMixin._get_logits_processor`:
//! the repetition penalty, then the temperature, top-k, top-p and min-p; each keeps at least the
//! most likely token). Only the draw sees them: the log-probs the ratio and the KL read are the
//! unfiltered distribution's, as TRL scores completions with the plain model.

use burn::tensor::activation::softmax;
use burn::tensor::{Bool, Tensor};

/// A logit no draw picks (finite, so that a softmax over it stays a number).
const REMOVED: f32 = -1e9;

/// Which tokens a draw may pick; the defaults filter nothing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Filters {
    /// Keep the `top_k` most likely tokens (ties kept); 0 = off.
    pub top_k: usize,
    /// Nucleus mass: keep the smallest set whose probability reaches it; 1 = off.
    pub top_p: f64,
    /// Drop tokens less likely than `min_p` times the most likely one; 0 = off.
    pub min_p: f64,
    /// CTRL's penalty (arXiv 1909.05858 §4.1) on every token already in the prompt or the
    /// completion: a positive logit divided by it, a negative one multiplied; 1 = off.
    pub repetition_penalty: f64,
}

impl Default for Filters {
    fn default() -> Self {
        Self {
            top_k: 0,
            top_p: 1.0,
            min_p: 0.0,
            repetition_penalty: 1.0,
        }
    }
}

impl Filters {
    /// Whether the draw needs to know which tokens each row has seen.
    pub fn tracks_seen(&self) -> bool {
        self.repetition_penalty != 1.0
    }

    /// The logits the draw picks from, `[B, V]`: `scaled` (temperature applied) with the
    /// repetition penalty on the tokens `seen` marks, then top-k, top-p and min-p. The penalty
    /// scales a logit's magnitude, so applying it after the temperature gives transformers'
    /// result, which applies it before.
    pub fn apply(&self, scaled: Tensor<2>, seen: Option<&Tensor<2, Bool>>) -> Tensor<2> {
        let vocab = scaled.dims()[1];
        let mut logits = match seen {
            Some(seen) if self.tracks_seen() => penalize(scaled, seen, self.repetition_penalty),
            _ => scaled,
        };
        if self.top_k > 0 && self.top_k < vocab {
            logits = top_k(logits, self.top_k);
        }
        if self.top_p < 1.0 {
            logits = nucleus(logits, self.top_p);
        }
        if self.min_p > 0.0 {
            logits = min_p(logits, self.min_p);
        }
        logits
    }
}

fn penalize(logits: Tensor<2>, seen: &Tensor<2, Bool>, penalty: f64) -> Tensor<2> {
    let shrunk = logits.clone().div_scalar(penalty);
    let grown = logits.clone().mul_scalar(penalty);
    let penalized = grown.mask_where(logits.clone().greater_elem(0.0), shrunk);
    logits.mask_where(seen.clone(), penalized)
}

/// Keeps the logits at least as large as the k-th largest.
fn top_k(logits: Tensor<2>, k: usize) -> Tensor<2> {
    let kth = logits.clone().topk(k, 1).narrow(1, k - 1, 1);
    let shape = logits.dims();
    logits
        .clone()
        .mask_fill(logits.lower(kth.expand(shape)), REMOVED)
}

/// Keeps the smallest set of tokens whose probability reaches `top_p`.
fn nucleus(logits: Tensor<2>, top_p: f64) -> Tensor<2> {
    let probs = softmax(logits.clone(), 1);
    let sorted = probs.clone().sort_descending(1);
    let before = sorted.clone().cumsum(1) - sorted.clone();
    let threshold = sorted
        .mask_fill(before.greater_equal_elem(top_p), 2.0)
        .min_dim(1); // smallest kept probability, [B, 1]
    let shape = probs.dims();
    logits.mask_fill(probs.lower(threshold.expand(shape)), REMOVED)
}

/// Keeps the tokens at least `min_p` times as likely as the most likely one.
fn min_p(logits: Tensor<2>, min_p: f64) -> Tensor<2> {
    let probs = softmax(logits.clone(), 1);
    let floor = probs.clone().max_dim(1).mul_scalar(min_p);
    let shape = probs.dims();
    logits.mask_fill(probs.lower(floor.expand(shape)), REMOVED)
}

#[cfg(test)]
mod tests {
    use burn::tensor::{DType, Device, TensorData};

    use super::*;

    fn device() -> Device {
        Device::flex()
    }

    fn logits(rows: &[[f32; 5]]) -> Tensor<2> {
        let flat: Vec<f32> = rows.iter().flatten().copied().collect();
        Tensor::from_data(
            TensorData::new(flat, [rows.len(), 5]),
            (&device(), DType::F32),
        )
    }

    /// Which tokens of each row the draw can still pick.
    fn kept(filtered: Tensor<2>) -> Vec<Vec<usize>> {
        let values: Vec<f32> = filtered.into_data().iter::<f32>().collect();
        values
            .chunks(5)
            .map(|row| (0..5).filter(|&i| row[i] > REMOVED / 2.0).collect())
            .collect()
    }

    fn only(f: impl FnOnce(&mut Filters)) -> Filters {
        let mut filters = Filters::default();
        f(&mut filters);
        filters
    }

    const ROWS: [[f32; 5]; 2] = [[2.0, 1.0, 0.5, -1.0, 3.0], [0.0, 0.0, 0.0, 0.0, 0.0]];

    #[test]
    fn the_defaults_keep_every_token_and_every_logit() {
        let out = Filters::default().apply(logits(&ROWS), None);
        let values: Vec<f32> = out.into_data().iter::<f32>().collect();
        assert_eq!(values, ROWS.concat());
    }

    #[test]
    fn top_k_keeps_the_k_largest_and_their_ties() {
        let out = only(|f| f.top_k = 2).apply(logits(&ROWS), None);
        assert_eq!(kept(out), vec![vec![0, 4], vec![0, 1, 2, 3, 4]]);
    }

    #[test]
    fn min_p_keeps_tokens_within_the_factor_of_the_most_likely() {
        // Row 0's probabilities relative to the top (e³): e^(x−3) = .37, .14, .08, .02, 1.
        let out = only(|f| f.min_p = 0.1).apply(logits(&ROWS), None);
        assert_eq!(kept(out), vec![vec![0, 1, 4], vec![0, 1, 2, 3, 4]]);
    }

    #[test]
    fn top_p_keeps_the_smallest_set_that_reaches_the_mass() {
        // Row 0's probabilities: .24, .09, .05, .01, .63: the top one misses .7, the top two reach it.
        let out = only(|f| f.top_p = 0.7).apply(logits(&ROWS), None);
        assert_eq!(kept(out)[0], vec![0, 4]);
    }

    #[test]
    fn the_penalty_shrinks_seen_positive_logits_and_grows_seen_negative_ones() {
        let seen = Tensor::<2, Bool>::from_data(
            TensorData::new(
                vec![
                    true, false, false, true, false, false, false, false, false, false,
                ],
                [2, 5],
            ),
            &device(),
        );
        let out = only(|f| f.repetition_penalty = 2.0).apply(logits(&ROWS), Some(&seen));
        let values: Vec<f32> = out.into_data().iter::<f32>().collect();
        assert_eq!(values[..5], [1.0, 1.0, 0.5, -2.0, 3.0]);
        assert_eq!(values[5..], [0.0; 5]);
    }

    #[test]
    fn the_filters_apply_in_transformers_order() {
        // top-k = 3 keeps tokens 0, 1, 4; min-p then judges among them, renormalised: token 1
        // (e¹ against e³: .14) survives .1 but not .2.
        let out = only(|f| {
            f.top_k = 3;
            f.min_p = 0.2;
        })
        .apply(logits(&ROWS), None);
        assert_eq!(kept(out)[0], vec![0, 4]);
    }
}
