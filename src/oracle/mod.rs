//! The objective oracle: evaluates the optimizer math on given log-probabilities, without any
//! model, in the JSON format of `shared/golden/README.md`. `grpo-playground objective` and the
//! golden tests call [`evaluate`]; it runs the same [`crate::algo`] functions the trainer runs.

use burn::tensor::{DType, Device, FloatDType, Gradients, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use crate::algo::{self, AlgoConfig, PolicyInput, RolloutBatch};
use crate::error::{ConfigError, from_json_value};

/// One objective call: knobs, L_max and groups of completions.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectiveInput {
    pub config: AlgoConfig,
    pub max_completion_length: usize,
    pub groups: Vec<GroupInput>,
}

/// A prompt's completions (and, for ReMax, its greedy completion's reward).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupInput {
    #[serde(default)]
    pub greedy_reward: Option<f64>,
    pub completions: Vec<CompletionInput>,
}

/// One completion: its reward, verdict, and per-token log-probs (equal lengths, ≥ 1).
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// The policy's full-vocabulary entropy H_t per token (an input with its own gradient);
    /// needed when `entropy_coeff` > 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entropy: Option<Vec<f64>>,
    /// The completion's final answer as the verifier reads it; SEED-GRPO (`seed_alpha` > 0)
    /// clusters a group's completions by equal answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    /// The sampled token ids (one per logp); KTAE (`adv_estimator` `ktae`) scores them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<Vec<u32>>,
    /// The critic's value V_t of every token now (an input with its own gradient, as `logp`
    /// is); needed by `adv_estimator` `gae`, ignored by the others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<f64>>,
    /// The critic's values at rollout V_old: GAE's baseline and the value clip's centre;
    /// `values` when absent (the first update after a rollout, when the critic is unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values_old: Option<Vec<f64>>,
}

/// What the oracle prints: group × completion (× token) arrays, unpadded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectiveOutput {
    pub loss: f64,
    pub advantages: Vec<Vec<Vec<f64>>>,
    pub kept: Vec<Vec<bool>>,
    pub grad_logp: Vec<Vec<Vec<f64>>>,
    pub shaped_rewards: Vec<Vec<f64>>,
    /// d loss / d entropy, when the input gives `entropy` for every completion.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grad_entropy: Option<Vec<Vec<Vec<f64>>>>,
    /// The critic's loss ([`algo::value_loss`]), for a critic estimator (`gae`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_loss: Option<f64>,
    /// d value_loss / d values, for a critic estimator (`gae`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grad_values: Option<Vec<Vec<Vec<f64>>>>,
}

impl ObjectiveInput {
    /// Parses the oracle's stdin; the error names the first offending field.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| ConfigError::new("input", format!("invalid JSON: {e}")))?;
        from_json_value(value, "input")
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
                    ("entropy", c.entropy.as_ref()),
                    ("values", c.values.as_ref()),
                    ("values_old", c.values_old.as_ref()),
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
                if let Some(tokens) = &c.tokens
                    && tokens.len() != n
                {
                    return Err(ConfigError::new(
                        field("tokens"),
                        format!(
                            "has {} values but logp has {n}; lengths must be equal",
                            tokens.len()
                        ),
                    ));
                }
                let all = c
                    .logp
                    .iter()
                    .chain(&c.logp_old)
                    .chain(c.logp_ref.iter().flatten())
                    .chain(c.entropy.iter().flatten())
                    .chain(c.values.iter().flatten())
                    .chain(c.values_old.iter().flatten());
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
    /// H_t as a gradient leaf, when every completion gives it.
    entropy: Option<Tensor<3>>,
    /// V_t as a gradient leaf, for a critic estimator.
    values: Option<Tensor<3>>,
}

fn prepare(input: &ObjectiveInput, device: &Device, dtype: DType) -> Result<Prepared, ConfigError> {
    let knobs = input.config.knobs().map_err(|e| e.within("config"))?;
    let dims @ (p, g, t) = input.dims()?;
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
    let greedy: Option<Vec<f64>> = input.groups.iter().map(|g| g.greedy_reward).collect();
    if knobs.adv_estimator.needs().greedy_baseline
        && let Some(gi) = input.groups.iter().position(|g| g.greedy_reward.is_none())
    {
        return Err(ConfigError::new(
            format!("groups[{gi}].greedy_reward"),
            "missing: the remax estimator needs each group's greedy-completion reward",
        ));
    }
    // The per-completion inputs the knobs need: the first completion without one is named.
    let estimator = serde_json::json!(knobs.adv_estimator);
    type Absent = fn(&CompletionInput) -> bool;
    let needed: [(bool, &str, Absent, String); 5] = [
        (
            knobs.needs_reference(),
            "logp_ref",
            |c| c.logp_ref.is_none(),
            "missing: beta > 0 needs the reference policy's log-probs of every completion".into(),
        ),
        (
            knobs.entropy_coeff > 0.0,
            "entropy",
            |c| c.entropy.is_none(),
            "missing: entropy_coeff > 0 needs the policy's per-token entropy of every completion"
                .into(),
        ),
        (
            knobs.seed_alpha > 0.0,
            "answer",
            |c| c.answer.is_none(),
            "missing: seed_alpha > 0 needs every completion's final answer".into(),
        ),
        (
            knobs.adv_estimator.needs().key_tokens,
            "tokens",
            |c| c.tokens.is_none(),
            "missing: the ktae estimator needs every completion's token ids".into(),
        ),
        (
            knobs.adv_estimator.needs().critic,
            "values",
            |c| c.values.is_none(),
            format!(
                "missing: the {estimator} estimator needs the critic's value of every token of \
                 every completion"
            ),
        ),
    ];
    for (needed, field, missing, why) in needed {
        if !needed {
            continue;
        }
        if let Some((gi, ci)) = input.groups.iter().enumerate().find_map(|(gi, g)| {
            let ci = g.completions.iter().position(missing)?;
            Some((gi, ci))
        }) {
            return Err(ConfigError::new(
                format!("groups[{gi}].completions[{ci}].{field}"),
                why,
            ));
        }
    }
    let critic = knobs.adv_estimator.needs().critic;
    let values = critic.then(|| {
        input
            .tokens(dims, |c| c.values.as_deref().unwrap_or(&[]), device, dtype)
            .require_grad()
    });
    let values_old = critic.then(|| {
        input.tokens(
            dims,
            |c| {
                c.values_old
                    .as_deref()
                    .or(c.values.as_deref())
                    .unwrap_or(&[])
            },
            device,
            dtype,
        )
    });
    // KTAE's scores, group by group, zero-padded to T (end-of-sequence id: the crate's).
    let key_token_bonus = input.completions().all(|c| c.tokens.is_some()).then(|| {
        let mut values = vec![0.0; p * g * t];
        for (gi, group) in input.groups.iter().enumerate() {
            let tokens: Vec<&[u32]> = group
                .completions
                .iter()
                .map(|c| c.tokens.as_deref().unwrap_or(&[]))
                .collect();
            let rewards: Vec<f64> = group.completions.iter().map(|c| c.reward).collect();
            let kt = algo::key_tokens::key_token_bonus(
                &tokens,
                &rewards,
                Some(crate::tasks::vocab::EOS),
            );
            for (ci, row) in kt.iter().enumerate() {
                let start = (gi * g + ci) * t;
                values[start..start + row.len()].copy_from_slice(row);
            }
        }
        Tensor::<3>::from_data(TensorData::new(values, [p, g, t]), (device, dtype))
    });
    let semantic_entropy: Option<Vec<f64>> = input
        .groups
        .iter()
        .map(|g| {
            let answers: Option<Vec<&String>> =
                g.completions.iter().map(|c| c.answer.as_ref()).collect();
            answers.map(|a| algo::advantage::semantic_entropy(&a))
        })
        .collect();
    let entropy = input.completions().all(|c| c.entropy.is_some()).then(|| {
        input
            .tokens(dims, |c| c.entropy.as_deref().unwrap_or(&[]), device, dtype)
            .require_grad()
    });
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
    let batch = RolloutBatch {
        rewards: input.per_completion((p, g), |c| c.reward, device, dtype),
        correct: input.per_completion((p, g), |c| flag(c.correct), device, dtype),
        truncated: input.per_completion((p, g), |c| flag(c.truncated), device, dtype),
        mask: Tensor::from_data(TensorData::new(mask_values, [p, g, t]), (device, dtype)),
        logp_old: input.tokens(dims, |c| &c.logp_old, device, dtype),
        logp_ref,
        greedy_reward: greedy.map(|v| Tensor::from_data(TensorData::new(v, [p]), (device, dtype))),
        semantic_entropy: semantic_entropy
            .map(|v| Tensor::from_data(TensorData::new(v, [p]), (device, dtype))),
        key_token_bonus,
        values_old,
        max_completion_length: input.max_completion_length,
    };
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
        entropy,
        values,
    })
}

impl Prepared {
    fn policy_input(&self, max_completion_length: usize) -> PolicyInput {
        PolicyInput {
            logp: self.logp.clone(),
            logp_old: self.batch.logp_old.clone(),
            logp_ref: self.batch.logp_ref.clone(),
            mask: self.batch.mask.clone(),
            advantages: self.adv.advantages.clone(),
            kept: self.adv.kept.clone(),
            entropy: self.entropy.clone(),
            max_completion_length,
        }
    }

    /// The critic's loss input, for a critic estimator.
    fn value_input(&self, max_completion_length: usize) -> Option<algo::ValueInput> {
        Some(algo::ValueInput {
            values: self.values.clone()?,
            values_old: self.batch.values_old.clone()?,
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
        let grad_entropy = match &self.entropy {
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

/// Which clip, if any, changed a token's term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClipState {
    Inside,
    Low,
    High,
    /// The dual clip's bound c·A (A < 0).
    Dual,
}

/// One token of an inspected step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenView {
    pub logp: f64,
    pub logp_old: f64,
    pub logp_ref: Option<f64>,
    /// The importance ratio as the knobs use it (token or sequence level).
    pub ratio: f64,
    pub advantage: f64,
    pub clip: ClipState,
    /// The surrogate's term ℓ̃ (`None` for a sequence-level loss).
    pub surrogate: Option<f64>,
    /// The KL term β·k(logp_ref − logp), when the KL is in the loss.
    pub kl: Option<f64>,
    /// d loss / d logp.
    pub grad_logp: f64,
}

/// One completion of an inspected step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompletionView {
    pub reward: f64,
    pub shaped_reward: f64,
    pub kept: bool,
    /// The knobs whose filter dropped it (`dynamic_sampling`, `prune_ratio`, ...).
    pub dropped_by: Vec<&'static str>,
    pub tokens: Vec<TokenView>,
}

/// One group of an inspected step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupView {
    pub reward_mean: f64,
    /// Unbiased standard deviation of the group's raw rewards.
    pub reward_std: f64,
    pub completions: Vec<CompletionView>,
}

/// The objective of one batch, shown per token: what the step inspector displays. `shown` is
/// exactly [`evaluate`]'s output on `input` (in f64), so `grpo-playground objective` on `input`
/// reproduces it.
#[derive(Debug, Clone, Serialize)]
pub struct Inspection {
    pub input: ObjectiveInput,
    pub shown: ObjectiveOutput,
    pub groups: Vec<GroupView>,
    /// The loss is one per sequence or group (GVPO): no per-token terms.
    pub sequence_level: bool,
}

/// [`evaluate`] in f64 on the CPU, with every token's ratio, clip state and loss terms, each
/// completion's filters, and each group's reward statistics.
pub async fn inspect(input: ObjectiveInput) -> Result<Inspection, ConfigError> {
    let device = Device::flex().autodiff();
    let prepared = prepare(&input, &device, DType::F64)?;
    let shown = prepared.output(&input).await?;
    let (_, g, t) = prepared.dims;
    let knobs = &prepared.knobs;
    let policy = prepared.policy_input(input.max_completion_length);
    let ratio = knobs
        .ratio_level
        .ratio(&policy.logp, &policy.logp_old, &policy.mask)
        .detach();
    let clipped = knobs
        .surrogate
        .clipped_tokens(knobs, &ratio, &policy.advantages);
    let logp = policy.logp.clone().detach();
    let parts = knobs.surrogate.parts(
        knobs,
        &algo::surrogate::LossTerms {
            logp: &logp,
            logp_old: &policy.logp_old,
            ratio: &ratio,
            advantages: &policy.advantages,
            mask: &policy.mask,
            kept: &policy.kept,
            logp_ref: policy.logp_ref.as_ref().filter(|_| knobs.needs_reference()),
            max_completion_length: input.max_completion_length,
        },
    );
    let (surrogate, kl) = match parts {
        algo::surrogate::Parts::Tokens { surrogate, kl } => (
            Some(unpad(&read(surrogate).await?, &input, t)),
            match kl {
                Some(kl) => Some(unpad(&read(kl).await?, &input, t)),
                None => None,
            },
        ),
        algo::surrogate::Parts::Sequence(_) => (None, None),
    };
    let per_token = async |x: Tensor<3>| Ok::<_, ConfigError>(unpad(&read(x).await?, &input, t));
    let ratio = per_token(ratio).await?;
    let (low, high, dual) = (
        per_token(clipped.low).await?,
        per_token(clipped.high).await?,
        per_token(clipped.dual).await?,
    );
    let mut dropped: Vec<Vec<Vec<&'static str>>> = vec![vec![Vec::new(); g]; input.groups.len()];
    for (name, flags) in &prepared.adv.filters {
        let flags = read(flags.clone().unsqueeze()).await?;
        for (row, &f) in flags.iter().enumerate() {
            if f < 0.5 {
                dropped[row / g][row % g].push(name);
            }
        }
    }
    let groups = input
        .groups
        .iter()
        .enumerate()
        .map(|(gi, group)| {
            let rewards: Vec<f64> = group.completions.iter().map(|c| c.reward).collect();
            let n = rewards.len() as f64;
            let mean = rewards.iter().sum::<f64>() / n;
            let var = rewards.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
            let completions = group
                .completions
                .iter()
                .enumerate()
                .map(|(ci, c)| CompletionView {
                    reward: c.reward,
                    shaped_reward: shown.shaped_rewards[gi][ci],
                    kept: shown.kept[gi][ci],
                    dropped_by: dropped[gi][ci].clone(),
                    tokens: (0..c.logp.len())
                        .map(|ti| TokenView {
                            logp: c.logp[ti],
                            logp_old: c.logp_old[ti],
                            logp_ref: c.logp_ref.as_ref().map(|r| r[ti]),
                            ratio: ratio[gi][ci][ti],
                            advantage: shown.advantages[gi][ci][ti],
                            clip: if dual[gi][ci][ti] > 0.5 {
                                ClipState::Dual
                            } else if low[gi][ci][ti] > 0.5 {
                                ClipState::Low
                            } else if high[gi][ci][ti] > 0.5 {
                                ClipState::High
                            } else {
                                ClipState::Inside
                            },
                            surrogate: surrogate.as_ref().map(|s| s[gi][ci][ti]),
                            kl: kl.as_ref().map(|k| k[gi][ci][ti]),
                            grad_logp: shown.grad_logp[gi][ci][ti],
                        })
                        .collect(),
                })
                .collect();
            GroupView {
                reward_mean: mean,
                reward_std: var.sqrt(),
                completions,
            }
        })
        .collect();
    Ok(Inspection {
        sequence_level: knobs.surrogate.is_sequence_level(),
        input,
        shown,
        groups,
    })
}

/// The per-token objective −ℓ̃ against the importance ratio, for A = +1 and A = −1: what the
/// surrogate plot draws. Surrogates that read log π itself (REINFORCE, CISPO) see
/// log π_old = 0, so log π = ln r.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurrogateCurve {
    pub ratio: Vec<f64>,
    pub positive: Vec<f64>,
    pub negative: Vec<f64>,
}

/// [`SurrogateCurve`] of `knobs`' surrogate through the trainer's own [`algo::Surrogate::parts`],
/// on ratios in (0, 2] (further when the dual clip's c lies beyond) with every clip bound as a
/// point of its own, so the kinks are sharp. `None` for a sequence-level loss (GVPO, GMPO).
pub async fn surrogate_curve(knobs: &algo::Knobs) -> Result<Option<SurrogateCurve>, ConfigError> {
    if knobs.surrogate.is_sequence_level() {
        return Ok(None);
    }
    // Clip-Cov's cut and KL-Cov's penalty pick a few tokens of a batch by covariance: the curve
    // shows the term every other token gets (no candidate; κ = 0).
    let knobs = &algo::Knobs {
        clip_cov_lb: f64::INFINITY,
        ppo_kl_coef: 0.0,
        ..*knobs
    };
    let top = knobs.clip_ratio_c.map_or(2.0, |c| (c + 0.5).max(2.0));
    let mut ratios: Vec<f64> = (1..=100).map(|i| top * f64::from(i) / 100.0).collect();
    let bounds = [
        Some(1.0 - knobs.epsilon),
        Some(1.0 + knobs.epsilon_high()),
        knobs.clip_ratio_c,
    ];
    ratios.extend(bounds.into_iter().flatten().filter(|&r| r > 0.0 && r < top));
    ratios.sort_by(f64::total_cmp);
    ratios.dedup();
    let t = ratios.len();
    let device = Device::flex();
    let tensor = |values: Vec<f64>| {
        Tensor::<3>::from_data(TensorData::new(values, [1, 2, t]), (&device, DType::F64))
    };
    let ratio = tensor([ratios.clone(), ratios.clone()].concat());
    let advantages = tensor([vec![1.0; t], vec![-1.0; t]].concat());
    let logp = ratio.clone().log();
    let mask = advantages.ones_like();
    let kept = mask.clone().narrow(2, 0, 1).reshape([1, 2]);
    let parts = knobs.surrogate.parts(
        knobs,
        &algo::surrogate::LossTerms {
            logp: &logp,
            logp_old: &logp.zeros_like(),
            ratio: &ratio,
            advantages: &advantages,
            mask: &mask,
            kept: &kept,
            logp_ref: None,
            max_completion_length: t,
        },
    );
    let algo::surrogate::Parts::Tokens { surrogate, .. } = parts else {
        return Ok(None);
    };
    let objective = read(surrogate.neg()).await?;
    Ok(Some(SurrogateCurve {
        positive: objective[..t].to_vec(),
        negative: objective[t..].to_vec(),
        ratio: ratios,
    }))
}
