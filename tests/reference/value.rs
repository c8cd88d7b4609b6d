//! PPO's critic loss, verl's `compute_value_loss`, in dual numbers: ½·Agg over the kept tokens
//! of max((V − Ret)², (clip(V, V_old − c, V_old + c) − Ret)²), times `vf_coef`, with
//! d value_loss / d values by seeding one value at a time.

use super::dual::Dual;
use super::knobs::Knobs;
use super::loss::aggregate;
use super::{Grid, Input, per_token};

/// The value loss and its gradient (group × completion × token) against the targets Ret.
pub fn loss_and_grad(
    input: &Input,
    knobs: &Knobs,
    targets: &Grid,
    kept: &[Vec<bool>],
) -> (f64, Grid) {
    let eval = |seed: Option<(usize, usize, usize)>| {
        let mut sums = Vec::new();
        for (g, group) in input.groups.iter().enumerate() {
            for (i, c) in group.completions.iter().enumerate() {
                if !kept[g][i] {
                    continue;
                }
                let values = c.values().expect("validated: values with gae");
                let old = c.rollout_values();
                let mut total = Dual::c(0.0);
                for t in 0..values.len() {
                    let v = if seed == Some((g, i, t)) {
                        Dual::var(values[t])
                    } else {
                        Dual::c(values[t])
                    };
                    let ret = targets[g][i][t];
                    let c = knobs.cliprange_value;
                    let unclipped = (v - ret) * (v - ret);
                    let clipped_v = v.clamp(old[t] - c, old[t] + c);
                    let clipped = (clipped_v - ret) * (clipped_v - ret);
                    // On a tie (V inside the clip range) the unclipped term, as torch's maximum
                    // gives the same gradient there.
                    total = total + unclipped.max(clipped);
                }
                sums.push((total, values.len() as f64));
            }
        }
        aggregate(&sums, knobs.loss_agg_mode, input.max_completion_length) * (0.5 * knobs.vf_coef)
    };
    let grad = per_token(input, |g, i, t| eval(Some((g, i, t))).d);
    (eval(None).v, grad)
}
