//! Skywork-OR1's adaptive entropy control (`algo.use_adaptive_entropy`; arXiv 2505.22312), as
//! trl 1.16.0's `GRPOTrainer._compute_loss` runs it (L3186–3245): the coefficient c (kept in
//! `knobs.entropy_coeff`, started at the configured value) applies only while the last measured
//! entropy is at or below `entropy_target` (none before the first measurement), and after each
//! RL step moves by `entropy_coef_delta` — up to `entropy_coef_max` when that step's mean entropy
//! over its kept tokens was at or below the target, else down to `entropy_coef_min`. TRL
//! measures and moves once per optimizer step; here once per RL step, over its updates' mean
//! (the same with one update a step, the default).

use super::Trainer;

impl Trainer {
    /// The entropy coefficient this step's updates apply.
    pub(super) fn applied_entropy_coeff(&self) -> f64 {
        let k = &self.knobs;
        match self.last_entropy {
            _ if !k.use_adaptive_entropy => k.entropy_coeff,
            Some(h) if h <= k.entropy_target => k.entropy_coeff,
            _ => 0.0,
        }
    }

    /// Moves the coefficient after an RL step whose updates measured mean entropy `entropy`.
    pub(super) fn adapt_entropy_coeff(&mut self, entropy: f64) {
        let k = &mut self.knobs;
        if !k.use_adaptive_entropy {
            return;
        }
        k.entropy_coeff = if entropy <= k.entropy_target {
            (k.entropy_coeff + k.entropy_coef_delta).min(k.entropy_coef_max)
        } else {
            (k.entropy_coeff - k.entropy_coef_delta).max(k.entropy_coef_min)
        };
        self.last_entropy = Some(entropy);
    }
}
