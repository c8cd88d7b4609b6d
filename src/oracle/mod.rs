//! The objective oracle: evaluates the optimizer math on given log-probabilities, without any
//! model, in the JSON format of `tests/independent/FORMAT.md` ([`input`]). `grpo-playground
//! objective` and the golden tests call [`evaluate`]; it runs the same [`crate::algo`]
//! functions the trainer runs. [`inspect`] shows one batch per token for the step inspector.

mod input;
mod inspect;

pub use input::{CompletionInput, GroupInput, ObjectiveInput, SideValues};
pub use inspect::{
    ClipState, CompletionView, GroupView, Inspection, SurrogateCurve, TokenView, inspect,
    surrogate_curve,
};

use burn::tensor::{DType, Device, FloatDType, Gradients, Tensor};
use serde::Serialize;

use crate::algo::{self, PolicyInput, RolloutBatch, SideInput};
use crate::error::ConfigError;

/// What the oracle prints: group × completion (× token) arrays, unpadded.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ObjectiveOutput {
    pub loss: f64,
    pub advantages: Vec<Vec<Vec<f64>>>,
    pub kept: Vec<Vec<bool>>,
    pub grad_logp: Vec<Vec<Vec<f64>>>,
    pub shaped_rewards: Vec<Vec<f64>>,
    /// d loss / d entropy, when the input gives `entropy` for every completion.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub grad_entropy: Option<Vec<Vec<Vec<f64>>>>,
    /// The critic's loss ([`algo::value_loss`]), for a critic estimator (`gae`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub value_loss: Option<f64>,
    /// d value_loss / d values, for a critic estimator (`gae`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub grad_values: Option<Vec<Vec<Vec<f64>>>>,
}

/// d loss / d `leaf` from the loss's `grads` (0 where the loss does not read it).
fn grad_of(leaf: &Tensor<3>, grads: &Gradients) -> Tensor<3> {
    leaf.grad(grads)
        .unwrap_or_else(|| leaf.zeros_like().inner())
}

/// Reads a tensor back as f64 values (asynchronously: the only readback wasm allows).
async fn read(tensor: Tensor<3>) -> Result<Vec<f64>, ConfigError> {
    let data = tensor
        .into_data_async()
        .await
        .map_err(|e| ConfigError::new("device", format!("readback failed: {e:?}")))?;
    data.iter::<f64>().map(Ok).collect()
}

/// Cuts a padded `[P, G, T]` buffer into group × completion × token lists of true lengths.
fn unpad(values: &[f64], input: &ObjectiveInput, t: usize) -> Vec<Vec<Vec<f64>>> {
    let mut row = 0;
    input
        .groups
        .iter()
        .map(|group| {
            group
                .completions
                .iter()
                .map(|c| {
                    let start = row * t;
                    row += 1;
                    values[start..start + c.logp.len()].to_vec()
                })
                .collect()
        })
        .collect()
}

/// The batch of an input as tensors, its steps 1–4, and log π as a gradient leaf.
struct Prepared {
    dtype: DType,
    knobs: algo::Knobs,
    dims: (usize, usize, usize),
    batch: RolloutBatch,
    adv: algo::Advantages,
    logp: Tensor<3>,
}

fn prepare(input: &ObjectiveInput, device: &Device, dtype: DType) -> Result<Prepared, ConfigError> {
    let knobs = input.config.knobs().map_err(|e| e.within("config"))?;
    let dims @ (_, g, _) = input.dims()?;
    let smallest = knobs.adv_estimator.needs().min_group_size;
    if g < smallest {
        return Err(ConfigError::out_of_range(
            "groups[0].completions",
            format!("{g} completions"),
            &format!(">= {smallest} per group for this adv_estimator"),
        ));
    }
    if knobs.adv_estimator.needs().odd_group && g % 2 == 0 {
        return Err(ConfigError::out_of_range(
            "groups[0].completions",
            format!("{g} completions"),
            "an odd number per group for this adv_estimator (G+1 around a median)",
        ));
    }
    if knobs.needs_reference()
        && let Some(at) = input.completions().position(|c| c.logp_ref.is_none())
    {
        return Err(ConfigError::new(
            format!("groups[{}].completions[{}].logp_ref", at / g, at % g),
            "missing: beta > 0 needs the reference policy's log-probs of every completion",
        ));
    }
    input.check_needs(&knobs)?;
    let batch = input.batch(dims, device, dtype)?;
    let adv = algo::advantages(&knobs, &batch)?;
    let logp = input
        .tokens(dims, |c| &c.logp, device, dtype)
        .require_grad();
    Ok(Prepared {
        dtype,
        knobs,
        dims,
        batch,
        adv,
        logp,
    })
}

impl Prepared {
    fn policy_input(&self, max_completion_length: usize) -> PolicyInput {
        PolicyInput {
            logp: self.logp.clone(),
            logp_old: self.batch.logp_old.clone(),
            logp_ref: self.batch.logp_ref.clone(),
            mask: self.adv.mask.clone(),
            advantages: self.adv.advantages.clone(),
            kept: self.adv.kept.clone(),
            side: self.batch.side.clone(),
            max_completion_length,
        }
    }

    /// The critic's loss input, for a critic estimator.
    fn value_input(&self, max_completion_length: usize) -> Option<algo::ValueInput> {
        if !self.knobs.adv_estimator.needs().critic {
            return None;
        }
        Some(algo::ValueInput {
            values: self.batch.side.token(SideInput::Values)?.clone(),
            values_old: self.batch.side.token(SideInput::ValuesOld)?.clone(),
            value_targets: self.adv.value_targets.clone()?,
            mask: self.batch.mask.clone(),
            kept: self.adv.kept.clone(),
            max_completion_length,
        })
    }

    /// The oracle's output: loss, advantages, keep flags, d loss / d logp, shaped rewards.
    async fn output(&self, input: &ObjectiveInput) -> Result<ObjectiveOutput, ConfigError> {
        let (_, g, t) = self.dims;
        let out = algo::policy_loss(&self.knobs, &self.policy_input(input.max_completion_length))?;
        let grads = out.loss.backward();
        let grad = grad_of(&self.logp, &grads);
        let loss = read(out.loss.unsqueeze()).await?[0];
        let advantages = read(self.adv.advantages.clone()).await?;
        let kept = read(self.adv.kept.clone().unsqueeze()).await?;
        let shaped = read(self.adv.shaped_rewards.clone().unsqueeze()).await?;
        let grad = read(grad).await?;
        let grad_entropy = match self.batch.side.token(SideInput::Entropy) {
            Some(h) => Some(unpad(&read(grad_of(h, &grads)).await?, input, t)),
            None => None,
        };
        let (value_loss, grad_values) = match self.value_input(input.max_completion_length) {
            Some(value_input) => {
                let out = algo::value_loss(&self.knobs, &value_input);
                let grad = grad_of(&value_input.values, &out.loss.backward());
                let loss = read(out.loss.unsqueeze()).await?[0];
                (Some(loss), Some(unpad(&read(grad).await?, input, t)))
            }
            None => (None, None),
        };
        let output = ObjectiveOutput {
            loss,
            advantages: unpad(&advantages, input, t),
            kept: kept
                .chunks(g)
                .map(|k| k.iter().map(|&x| x > 0.5).collect())
                .collect(),
            grad_logp: unpad(&grad, input, t),
            shaped_rewards: shaped.chunks(g).map(<[f64]>::to_vec).collect(),
            grad_entropy,
            value_loss,
            grad_values,
        };
        let numbers = [&output.advantages, &output.grad_logp]
            .into_iter()
            .chain(&output.grad_entropy)
            .chain(&output.grad_values)
            .flatten()
            .flatten()
            .flatten()
            .chain(output.shaped_rewards.iter().flatten())
            .chain(&output.value_loss);
        if !loss.is_finite() || numbers.copied().any(|x| !x.is_finite()) {
            return Err(not_finite(input, self.dtype));
        }
        Ok(output)
    }
}

/// A batch whose objective overflows at `dtype`: finite inputs so far apart that exp of their
/// difference (the ratio, the KL) or a sum of rewards leaves the float range. Says which.
fn not_finite(input: &ObjectiveInput, dtype: DType) -> ConfigError {
    let largest =
        |values: &mut dyn Iterator<Item = f64>| values.fold(0.0, |m: f64, x| m.max(x.abs()));
    let gap = largest(&mut input.completions().flat_map(|c| {
        let old = c.logp.iter().zip(&c.logp_old).map(|(a, b)| a - b);
        let reference = c
            .logp_ref
            .iter()
            .flat_map(|r| r.iter().zip(&c.logp).map(|(a, b)| a - b));
        old.chain(reference).collect::<Vec<_>>()
    }));
    let reward = largest(&mut input.completions().map(|c| c.reward));
    ConfigError::new(
        "groups",
        format!(
            "the objective is not finite in {dtype:?}: the values are too extreme (largest \
             log-prob difference {gap:.3e}, largest |reward| {reward:.3e}); allowed: values whose \
             ratios exp(logp − logp_old) and exp(logp_ref − logp) stay finite (differences \
             below about 88 in f32, 709 in f64)"
        ),
    )
}

/// Evaluates the objective on `device` (which must have autodiff) in `dtype`: loss, per-token
/// advantages, keep flags, d loss / d logp and shaped rewards.
pub async fn evaluate(
    input: &ObjectiveInput,
    device: &Device,
    dtype: FloatDType,
) -> Result<ObjectiveOutput, ConfigError> {
    prepare(input, device, DType::from(dtype))?
        .output(input)
        .await
}
