//! The objective oracle: evaluates the optimizer math on given log-probabilities, without any
//! model, in the JSON format of `shared/golden/README.md`. `grpo-playground objective` and the
//! golden tests call [`evaluate`]; it runs the same [`crate::algo`] functions the trainer runs.

use burn::tensor::{DType, Device, FloatDType, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use crate::algo::{self, AlgoConfig, PolicyInput, RolloutBatch};
use crate::error::{ConfigError, from_json_value};

/// One objective call: knobs, L_max and groups of completions.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectiveInput {
    pub config: AlgoConfig,
    pub max_completion_length: usize,
    pub groups: Vec<GroupInput>,
}

/// A prompt's completions (and, for ReMax, its greedy completion's reward).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupInput {
    #[serde(default)]
    pub greedy_reward: Option<f64>,
    pub completions: Vec<CompletionInput>,
}

/// One completion: its reward, verdict, and per-token log-probs (equal lengths, ≥ 1).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompletionInput {
    pub reward: f64,
    pub correct: bool,
    #[serde(default)]
    pub truncated: bool,
    pub logp: Vec<f64>,
    pub logp_old: Vec<f64>,
    #[serde(default)]
    pub logp_ref: Option<Vec<f64>>,
}

/// What the oracle prints: group × completion (× token) arrays, unpadded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectiveOutput {
    pub loss: f64,
    pub advantages: Vec<Vec<Vec<f64>>>,
    pub kept: Vec<Vec<bool>>,
    pub grad_logp: Vec<Vec<Vec<f64>>>,
    pub shaped_rewards: Vec<Vec<f64>>,
}

impl ObjectiveInput {
    /// Parses the oracle's stdin; the error names the first offending field.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| ConfigError::new("input", format!("invalid JSON: {e}")))?;
        from_json_value(value)
    }

    /// Shape checks the tensors cannot express: equal group sizes, non-empty completions,
    /// equal per-token lengths, finite values. Returns (P, G, T).
    fn dims(&self) -> Result<(usize, usize, usize), ConfigError> {
        let first = self
            .groups
            .first()
            .ok_or_else(|| ConfigError::new("groups", "empty; at least one group is needed"))?;
        let g = first.completions.len();
        let mut t = 0;
        for (gi, group) in self.groups.iter().enumerate() {
            if group.completions.len() != g {
                return Err(ConfigError::new(
                    format!("groups[{gi}].completions"),
                    format!(
                        "has {} completions but groups[0] has {g}; all groups must have the same size",
                        group.completions.len()
                    ),
                ));
            }
            if group.greedy_reward.is_some_and(|r| !r.is_finite()) {
                return Err(ConfigError::new(
                    format!("groups[{gi}].greedy_reward"),
                    "must be finite",
                ));
            }
            for (ci, c) in group.completions.iter().enumerate() {
                let field = |name: &str| format!("groups[{gi}].completions[{ci}].{name}");
                let n = c.logp.len();
                if n == 0 {
                    return Err(ConfigError::new(
                        field("logp"),
                        "empty completion; every completion has at least one token",
                    ));
                }
                let others = [
                    ("logp_old", Some(&c.logp_old)),
                    ("logp_ref", c.logp_ref.as_ref()),
                ];
                for (name, values) in others {
                    if let Some(values) = values
                        && values.len() != n
                    {
                        return Err(ConfigError::new(
                            field(name),
                            format!(
                                "has {} values but logp has {n}; lengths must be equal",
                                values.len()
                            ),
                        ));
                    }
                }
                let all = c
                    .logp
                    .iter()
                    .chain(&c.logp_old)
                    .chain(c.logp_ref.iter().flatten());
                if !c.reward.is_finite() || all.clone().any(|x| !x.is_finite()) {
                    return Err(ConfigError::new(field("logp"), "values must be finite"));
                }
                t = t.max(n);
            }
        }
        Ok((self.groups.len(), g, t))
    }

    fn completions(&self) -> impl Iterator<Item = &CompletionInput> {
        self.groups.iter().flat_map(|g| &g.completions)
    }

    /// A `[P, G, T]` tensor of a per-token field, zero-padded.
    fn tokens(
        &self,
        (p, g, t): (usize, usize, usize),
        field: impl Fn(&CompletionInput) -> &[f64],
        device: &Device,
        dtype: DType,
    ) -> Tensor<3> {
        let mut values = vec![0.0; p * g * t];
        for (row, c) in self.completions().enumerate() {
            let v = field(c);
            values[row * t..row * t + v.len()].copy_from_slice(v);
        }
        Tensor::from_data(TensorData::new(values, [p, g, t]), (device, dtype))
    }

    /// A `[P, G]` tensor of a per-completion field.
    fn per_completion(
        &self,
        (p, g): (usize, usize),
        field: impl Fn(&CompletionInput) -> f64,
        device: &Device,
        dtype: DType,
    ) -> Tensor<2> {
        let values: Vec<f64> = self.completions().map(field).collect();
        Tensor::from_data(TensorData::new(values, [p, g]), (device, dtype))
    }
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

/// Evaluates the objective on `device` (which must have autodiff) in `dtype`: loss, per-token
/// advantages, keep flags, d loss / d logp and shaped rewards.
pub async fn evaluate(
    input: &ObjectiveInput,
    device: &Device,
    dtype: FloatDType,
) -> Result<ObjectiveOutput, ConfigError> {
    let knobs = input.config.knobs().map_err(|e| e.within("config"))?;
    let dims @ (p, g, t) = input.dims()?;
    let dtype = DType::from(dtype);
    let greedy: Option<Vec<f64>> = input.groups.iter().map(|g| g.greedy_reward).collect();
    if knobs.adv_estimator.needs().greedy_baseline
        && let Some(gi) = input.groups.iter().position(|g| g.greedy_reward.is_none())
    {
        return Err(ConfigError::new(
            format!("groups[{gi}].greedy_reward"),
            "missing: the remax estimator needs each group's greedy-completion reward",
        ));
    }
    let logp_ref = if input.completions().all(|c| c.logp_ref.is_some()) {
        Some(input.tokens(
            dims,
            |c| c.logp_ref.as_deref().unwrap_or(&[]),
            device,
            dtype,
        ))
    } else {
        None
    };
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    let mask_values: Vec<f64> = input
        .completions()
        .flat_map(|c| (0..t).map(move |i| flag(i < c.logp.len())))
        .collect();
    let rollouts = RolloutBatch {
        rewards: input.per_completion((p, g), |c| c.reward, device, dtype),
        correct: input.per_completion((p, g), |c| flag(c.correct), device, dtype),
        truncated: input.per_completion((p, g), |c| flag(c.truncated), device, dtype),
        mask: Tensor::from_data(TensorData::new(mask_values, [p, g, t]), (device, dtype)),
        logp_old: input.tokens(dims, |c| &c.logp_old, device, dtype),
        logp_ref,
        greedy_reward: greedy.map(|v| Tensor::from_data(TensorData::new(v, [p]), (device, dtype))),
        max_completion_length: input.max_completion_length,
    };
    let adv = algo::advantages(&knobs, &rollouts)?;

    let logp = input
        .tokens(dims, |c| &c.logp, device, dtype)
        .require_grad();
    let out = algo::policy_loss(
        &knobs,
        &PolicyInput {
            logp: logp.clone(),
            logp_old: rollouts.logp_old.clone(),
            logp_ref: rollouts.logp_ref.clone(),
            mask: rollouts.mask.clone(),
            advantages: adv.advantages.clone(),
            kept: adv.kept.clone(),
            max_completion_length: input.max_completion_length,
        },
    )?;
    let grads = out.loss.backward();
    let grad = logp
        .grad(&grads)
        .unwrap_or_else(|| logp.zeros_like().inner());

    let loss = read(out.loss.unsqueeze()).await?[0];
    let advantages = read(adv.advantages).await?;
    let kept = read(adv.kept.unsqueeze()).await?;
    let shaped = read(adv.shaped_rewards.unsqueeze()).await?;
    let grad = read(grad).await?;
    Ok(ObjectiveOutput {
        loss,
        advantages: unpad(&advantages, input, t),
        kept: kept
            .chunks(g)
            .map(|k| k.iter().map(|&x| x > 0.5).collect())
            .collect(),
        grad_logp: unpad(&grad, input, t),
        shaped_rewards: shaped.chunks(g).map(<[f64]>::to_vec).collect(),
    })
}
