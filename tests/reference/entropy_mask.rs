//! `top_entropy_quantile` ρ (arXiv 2506.01939; TRL `GRPOTrainer.get_high_entropy_mask`), written
//! from the paper's and TRL's definition: τ = the (1 − ρ) quantile of the kept tokens' entropies,
//! linearly interpolated as `torch.quantile` (sorted x, pos = (1 − ρ)(n − 1)); a kept token's
//! surrogate term counts iff H ≥ τ. ρ = 1 is off.

use super::Input;
use super::knobs::Knobs;

/// Per group × completion × token, whether the surrogate term counts (every token when off).
pub fn selected(input: &Input, knobs: &Knobs, kept: &[Vec<bool>]) -> Vec<Vec<Vec<bool>>> {
    let entropies: Vec<Vec<Vec<f64>>> = input
        .groups
        .iter()
        .map(|g| {
            g.completions
                .iter()
                .map(|c| c.entropy().unwrap_or_else(|| vec![0.0; c.logp.len()]))
                .collect()
        })
        .collect();
    if knobs.top_entropy_quantile >= 1.0 {
        return entropies
            .iter()
            .map(|g| g.iter().map(|c| vec![true; c.len()]).collect())
            .collect();
    }
    let mut pool: Vec<f64> = entropies
        .iter()
        .zip(kept)
        .flat_map(|(g, k)| g.iter().zip(k).filter(|&(_, &k)| k).flat_map(|(c, _)| c))
        .copied()
        .collect();
    pool.sort_by(f64::total_cmp);
    let tau = match pool.len() {
        0 => f64::INFINITY,
        n => {
            let pos = (1.0 - knobs.top_entropy_quantile) * (n - 1) as f64;
            let (lo, hi) = (pos.floor(), pos.ceil());
            pool[lo as usize] + (pos - lo) * (pool[hi as usize] - pool[lo as usize])
        }
    };
    entropies
        .iter()
        .zip(kept)
        .map(|(g, k)| {
            g.iter()
                .zip(k)
                .map(|(c, &k)| c.iter().map(|&h| k && h >= tau).collect())
                .collect()
        })
        .collect()
}
