//! Step 4 of ALGORITHMS.md: the kept flag of each completion. The filters are independent
//! predicates on the whole group; a completion is kept when none drops it.

use super::knobs::{AdvEstimator, Knobs};
use super::{Input, median};

pub fn kept(
    input: &Input,
    knobs: &Knobs,
    advantages: &[Vec<Vec<f64>>],
) -> Result<Vec<Vec<bool>>, String> {
    input
        .groups
        .iter()
        .zip(advantages)
        .enumerate()
        .map(|(g, (group, adv))| {
            let raw: Vec<f64> = group.completions.iter().map(|c| c.reward).collect();
            let mut kept = vec![true; raw.len()];
            // DAPO dynamic sampling looks at raw rewards, not shaped ones.
            if knobs.dynamic_sampling && raw.iter().all(|&r| r == raw[0]) {
                kept.fill(false);
            }
            if knobs.mask_truncated_completions {
                for (k, c) in kept.iter_mut().zip(&group.completions) {
                    *k &= !c.truncated;
                }
            }
            if knobs.adv_estimator == AdvEstimator::McGrpo {
                let med = median(&raw);
                let pivot = raw
                    .iter()
                    .position(|&r| r == med)
                    .expect("the median is a member");
                kept[pivot] = false;
            }
            if knobs.prune_ratio > 0.0 {
                let size = raw.len();
                let k = ((size as f64 * (1.0 - knobs.prune_ratio)).floor() as usize).max(1);
                // |A_i| is a per-completion quantity; token-level advantages (KL in the reward
                // with reinforce_pp or remax) leave it undefined.
                let abs: Vec<f64> = adv
                    .iter()
                    .map(|a| {
                        if a.iter().all(|&x| x == a[0]) {
                            Ok(a[0].abs())
                        } else {
                            Err(format!(
                                "groups[{g}]: prune_ratio needs one advantage per completion"
                            ))
                        }
                    })
                    .collect::<Result<_, _>>()?;
                let mut order: Vec<usize> = (0..size).collect();
                // A stable sort keeps the lower index first among equal |A_i|.
                order.sort_by(|&i, &j| abs[j].total_cmp(&abs[i]));
                for &i in &order[k..] {
                    kept[i] = false;
                }
            }
            Ok(kept)
        })
        .collect()
}
