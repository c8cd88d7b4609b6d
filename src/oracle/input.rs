//! The oracle's JSON input (`tests/independent/FORMAT.md`): knobs, L_max and groups of
//! completions with their log-probs, and the side inputs a method reads
//! ([`crate::algo::SideInput`]) by their declared names, at their declared level. Parsing names
//! the first offending field; [`ObjectiveInput::batch`] lays the input out as tensors.

use std::collections::BTreeMap;

use burn::tensor::{DType, Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::algo::side::{Kind, Layout, Level, SideValue};
use crate::algo::{AlgoConfig, RolloutBatch, SideInput, SideTensors};
use crate::error::{ConfigError, from_json_value};

/// One objective call: knobs, L_max and groups of completions.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ObjectiveInput {
    /// The preset and the knobs it overrides (`AlgoConfig`).
    #[cfg_attr(test, ts(as = "BTreeMap<String, serde_json::Value>"))]
    pub config: AlgoConfig,
    pub max_completion_length: usize,
    /// The weight w_k of each reward component (`reward_components`), in their order; absent:
    /// 1 each (TRL's default `reward_weights`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub reward_weights: Option<Vec<f64>>,
    pub groups: Vec<GroupInput>,
}

/// A prompt's completions, and its per-group side inputs (ReMax's `greedy_reward`).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct GroupInput {
    pub completions: Vec<CompletionInput>,
    #[serde(flatten)]
    pub side: SideValues,
}

/// One completion: its reward, verdict, per-token log-probs (equal lengths, ≥ 1), and its
/// per-completion and per-token side inputs.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct CompletionInput {
    pub reward: f64,
    pub correct: bool,
    pub truncated: bool,
    pub logp: Vec<f64>,
    pub logp_old: Vec<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub logp_ref: Option<Vec<f64>>,
    #[serde(flatten)]
    pub side: SideValues,
}

/// Side inputs' values as the JSON gives them, by input.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SideValues(pub BTreeMap<SideInput, SideValue>);

impl SideValues {
    pub fn get(&self, input: SideInput) -> Option<&SideValue> {
        self.0.get(&input)
    }

    /// The value of `input`, or of its fallback where it is absent.
    fn get_or_fallback(&self, input: SideInput) -> Option<&SideValue> {
        self.get(input)
            .or_else(|| input.fallback().and_then(|f| self.get(f)))
    }

    /// Whole-batch host `columns` (one value per group or per completion, row-major) as each
    /// group's and each completion's values (`groups` of `group_size`).
    pub fn split(
        columns: Vec<(SideInput, Vec<SideValue>)>,
        groups: usize,
        group_size: usize,
    ) -> (Vec<Self>, Vec<Self>) {
        let mut per_group = vec![Self::default(); groups];
        let mut per_completion = vec![Self::default(); groups * group_size];
        for (input, column) in columns {
            let owners = match input.level() {
                Level::Group => &mut per_group,
                Level::Completion | Level::Token => &mut per_completion,
            };
            for (side, value) in owners.iter_mut().zip(column) {
                side.0.insert(input, value);
            }
        }
        (per_group, per_completion)
    }

    /// Takes the side inputs of `level` out of a JSON object, checking each against its kind;
    /// `at` is the object's path.
    fn take(object: &mut Map<String, Value>, level: Level, at: &str) -> Result<Self, ConfigError> {
        let mut side = BTreeMap::new();
        for input in SideInput::ALL.into_iter().filter(|i| i.level() == level) {
            // `null` is "not given", as for any optional field.
            let Some(value) = object.remove(input.name()).filter(|v| !v.is_null()) else {
                continue;
            };
            let field = format!("{at}.{}", input.name());
            let parsed = match input.kind() {
                Kind::Number => SideValue::Number(parse(value, &field)?),
                Kind::Text => SideValue::Text(parse(value, &field)?),
                Kind::Ids => SideValue::Ids(parse(value, &field)?),
                Kind::Numbers | Kind::Vector => SideValue::Numbers(parse(value, &field)?),
            };
            side.insert(input, parsed);
        }
        Ok(Self(side))
    }
}

/// `value` as a `T`; an error names `field` and the element within it (`tokens[3]`).
fn parse<T: serde::de::DeserializeOwned>(value: Value, field: &str) -> Result<T, ConfigError> {
    from_json_value(value, "")
        .map_err(|e| ConfigError::new(format!("{field}{}", e.field), e.problem))
}

/// The JSON without its side inputs, parsed strictly (unknown fields are errors).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Core {
    config: AlgoConfig,
    max_completion_length: usize,
    #[serde(default)]
    reward_weights: Option<Vec<f64>>,
    groups: Vec<CoreGroup>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CoreGroup {
    completions: Vec<CoreCompletion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CoreCompletion {
    reward: f64,
    correct: bool,
    #[serde(default)]
    truncated: bool,
    logp: Vec<f64>,
    logp_old: Vec<f64>,
    #[serde(default)]
    logp_ref: Option<Vec<f64>>,
}

/// The objects of an array, with their indices (any other shape is left for serde to name).
fn objects(value: Option<&mut Value>) -> impl Iterator<Item = (usize, &mut Map<String, Value>)> {
    value
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, v)| v.as_object_mut().map(|o| (i, o)))
}

/// Adds the side inputs that may stand at `level` to serde's "unknown field" message.
fn with_side_names(e: ConfigError, level: Level) -> ConfigError {
    if !e.problem.starts_with("unknown field") {
        return e;
    }
    let names: Vec<&str> = SideInput::ALL
        .into_iter()
        .filter(|i| match level {
            Level::Group => i.level() == Level::Group,
            _ => i.level() != Level::Group,
        })
        .map(SideInput::name)
        .collect();
    ConfigError::new(
        e.field,
        format!("{}, or a side input: {}", e.problem, names.join(", ")),
    )
}

impl ObjectiveInput {
    /// Parses the oracle's stdin; the error names the first offending field.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let mut value: Value = serde_json::from_str(text)
            .map_err(|e| ConfigError::new("input", format!("invalid JSON: {e}")))?;
        let mut group_sides = Vec::new();
        let mut completion_sides = Vec::new();
        for (gi, group) in objects(value.get_mut("groups")) {
            let at = format!("groups[{gi}]");
            group_sides.push(SideValues::take(group, Level::Group, &at)?);
            let mut sides = Vec::new();
            for (ci, c) in objects(group.get_mut("completions")) {
                let at = format!("{at}.completions[{ci}]");
                let mut side = SideValues::take(c, Level::Completion, &at)?;
                side.0.extend(SideValues::take(c, Level::Token, &at)?.0);
                sides.push(side);
            }
            completion_sides.push(sides);
        }
        let core: Core = from_json_value(value, "input").map_err(|e| {
            let level = if e.field.contains(".completions[") {
                Level::Token
            } else {
                Level::Group
            };
            with_side_names(e, level)
        })?;
        let groups = core
            .groups
            .into_iter()
            .zip(group_sides)
            .zip(completion_sides)
            .map(|((group, side), sides)| GroupInput {
                completions: group
                    .completions
                    .into_iter()
                    .zip(sides)
                    .map(|(c, side)| CompletionInput {
                        reward: c.reward,
                        correct: c.correct,
                        truncated: c.truncated,
                        logp: c.logp,
                        logp_old: c.logp_old,
                        logp_ref: c.logp_ref,
                        side,
                    })
                    .collect(),
                side,
            })
            .collect();
        Ok(Self {
            config: core.config,
            max_completion_length: core.max_completion_length,
            reward_weights: core.reward_weights,
            groups,
        })
    }
}

impl ObjectiveInput {
    /// Shape checks the tensors cannot express: equal group sizes, non-empty completions,
    /// per-token values as many as `logp`, finite values. Returns (P, G, T).
    pub(super) fn dims(&self) -> Result<(usize, usize, usize), ConfigError> {
        let first = self
            .groups
            .first()
            .ok_or_else(|| ConfigError::new("groups", "empty; at least one group is needed"))?;
        let g = first.completions.len();
        if let Some(i) = self
            .reward_weights
            .iter()
            .flatten()
            .position(|w| !w.is_finite())
        {
            return Err(ConfigError::new(
                format!("reward_weights[{i}]"),
                "must be finite",
            ));
        }
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
            for (input, value) in &group.side.0 {
                if value.number().is_some_and(|x| !x.is_finite()) {
                    return Err(ConfigError::new(
                        format!("groups[{gi}].{}", input.name()),
                        "must be finite",
                    ));
                }
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
                let lengths = [
                    ("logp_old", Some(c.logp_old.len())),
                    ("logp_ref", c.logp_ref.as_ref().map(Vec::len)),
                ]
                .into_iter()
                .chain(c.side.0.iter().map(|(input, value)| {
                    let len = value.tokens().filter(|_| input.level() == Level::Token);
                    (input.name(), len)
                }));
                for (name, len) in lengths {
                    if let Some(len) = len
                        && len != n
                    {
                        return Err(ConfigError::new(
                            field(name),
                            format!("has {len} values but logp has {n}; lengths must be equal"),
                        ));
                    }
                }
                let side_numbers = c.side.0.values().filter_map(SideValue::numbers).flatten();
                let mut all = c
                    .logp
                    .iter()
                    .chain(&c.logp_old)
                    .chain(c.logp_ref.iter().flatten())
                    .chain(side_numbers);
                if !c.reward.is_finite() || all.any(|x| !x.is_finite()) {
                    return Err(ConfigError::new(field("logp"), "values must be finite"));
                }
                t = t.max(n);
            }
        }
        Ok((self.groups.len(), g, t))
    }

    pub(super) fn completions(&self) -> impl Iterator<Item = &CompletionInput> {
        self.groups.iter().flat_map(|g| &g.completions)
    }

    /// Where `input` (or its fallback) is first missing: a group's or a completion's path.
    fn first_without(&self, input: SideInput) -> Option<String> {
        let has = |side: &SideValues| side.get_or_fallback(input).is_some();
        self.groups.iter().enumerate().find_map(|(gi, group)| {
            if input.level() == Level::Group {
                return (!has(&group.side)).then(|| format!("groups[{gi}].{}", input.name()));
            }
            let ci = group.completions.iter().position(|c| !has(&c.side))?;
            Some(format!("groups[{gi}].completions[{ci}].{}", input.name()))
        })
    }

    /// Every value of `input` in the batch, one per group or per completion, when each gives
    /// it (a completion without it may give its fallback instead).
    fn column(&self, input: SideInput) -> Option<Vec<SideValue>> {
        match input.level() {
            Level::Group => self
                .groups
                .iter()
                .map(|g| g.side.get(input).cloned())
                .collect(),
            Level::Completion | Level::Token => self
                .completions()
                .map(|c| c.side.get_or_fallback(input).cloned())
                .collect(),
        }
    }

    /// Rejects an input that lacks a side input the knobs read, naming the first group or
    /// completion without it and the method that needs it.
    pub(super) fn check_needs(&self, knobs: &crate::algo::Knobs) -> Result<(), ConfigError> {
        crate::algo::side::check_needs(
            &knobs.side_inputs(),
            None,
            |input| self.first_without(input).is_none(),
            |input| self.first_without(input).unwrap_or_default(),
        )
    }

    /// A `[P, G, T]` tensor of a per-token field, zero-padded.
    pub(super) fn tokens(
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

    /// Every side input the batch gives in full, as tensors; the ones with their own gradient
    /// (the policy's entropy, the critic's values) as gradient leaves.
    fn side_tensors(
        &self,
        (p, g, t): (usize, usize, usize),
        device: &Device,
        dtype: DType,
    ) -> Result<SideTensors, ConfigError> {
        let rewards: Vec<f64> = self.completions().map(|c| c.reward).collect();
        let layout = Layout {
            groups: p,
            group_size: g,
            tokens: t,
            rewards: &rewards,
            eos: crate::tasks::vocab::EOS,
            reward_weights: self.reward_weights.as_deref().unwrap_or(&[]),
        };
        let mut side = SideTensors::default();
        for input in SideInput::ALL {
            if let Some(column) = self.column(input) {
                side.insert_column(input, &column, &layout, device, dtype)?;
            }
        }
        Ok(side.with_gradient_leaves())
    }

    /// The input as a rollout batch (side inputs included).
    pub(super) fn batch(
        &self,
        dims @ (p, g, t): (usize, usize, usize),
        device: &Device,
        dtype: DType,
    ) -> Result<RolloutBatch, ConfigError> {
        let flag = |b: bool| if b { 1.0 } else { 0.0 };
        let mask_values: Vec<f64> = self
            .completions()
            .flat_map(|c| (0..t).map(move |i| flag(i < c.logp.len())))
            .collect();
        let logp_ref = self.completions().all(|c| c.logp_ref.is_some()).then(|| {
            self.tokens(
                dims,
                |c| c.logp_ref.as_deref().unwrap_or(&[]),
                device,
                dtype,
            )
        });
        Ok(RolloutBatch {
            rewards: self.per_completion((p, g), |c| c.reward, device, dtype),
            correct: self.per_completion((p, g), |c| flag(c.correct), device, dtype),
            truncated: self.per_completion((p, g), |c| flag(c.truncated), device, dtype),
            mask: Tensor::from_data(TensorData::new(mask_values, [p, g, t]), (device, dtype)),
            logp_old: self.tokens(dims, |c| &c.logp_old, device, dtype),
            logp_ref,
            side: self.side_tensors(dims, device, dtype)?,
            max_completion_length: self.max_completion_length,
        })
    }
}
