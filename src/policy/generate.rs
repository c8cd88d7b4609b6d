//! Batched sampling and scoring. Each prompt is encoded once and its KV cache shared by its G
//! completions (the Prefix Grouper idea); sampling (temperature, [`Filters`], Gumbel-max)
//! happens on the device; tokens come back to the host once per call, never once per token.

use burn::tensor::activation::log_softmax;
use burn::tensor::{Bool, DType, Device, Int, Tensor, TensorData};
use rand::Rng;

use super::filters::Filters;
use super::transformer::{LayerCache, Transformer};
use crate::parallel::{Job, run_all, runs};
use crate::tasks::vocab::{BOS, EOS, PAD};
use crate::tasks::{TaskRng, TokenId};

/// Prompts left-padded to a common length, so every prompt's last token sits in the same
/// column and decoding proceeds in lockstep.
pub struct Batch {
    /// `[B, L_p]`, PAD on the left.
    pub tokens: Tensor<2, Int>,
    /// `[B, L_p]`, counting from each prompt's first real token (0 on padding).
    pub positions: Tensor<2, Int>,
    /// `[B, L_p]`, true on padding.
    pub pad: Tensor<2, Bool>,
    /// Real length of each prompt.
    pub lengths: Vec<usize>,
}

impl Batch {
    /// Lays out `prompts`, each repeated `repeat` times in a row (row p·repeat + j is prompt p).
    pub fn new(prompts: &[Vec<TokenId>], repeat: usize, device: &Device) -> Self {
        let width = prompts.iter().map(Vec::len).max().unwrap_or(0);
        let rows = prompts.len() * repeat;
        let (mut tokens, mut positions, mut pad) = (
            Vec::with_capacity(rows * width),
            Vec::with_capacity(rows * width),
            Vec::with_capacity(rows * width),
        );
        let mut lengths = Vec::with_capacity(rows);
        for prompt in prompts {
            for _ in 0..repeat {
                let offset = width - prompt.len();
                for col in 0..width {
                    let real = col >= offset;
                    tokens.push(if real {
                        prompt[col - offset] as i64
                    } else {
                        PAD as i64
                    });
                    positions.push(col.saturating_sub(offset) as i64);
                    pad.push(!real);
                }
                lengths.push(prompt.len());
            }
        }
        Self {
            tokens: Tensor::from_data(TensorData::new(tokens, [rows, width]), device),
            positions: Tensor::from_data(TensorData::new(positions, [rows, width]), device),
            pad: Tensor::from_data(TensorData::new(pad, [rows, width]), device),
            lengths,
        }
    }

    fn rows(&self) -> usize {
        self.lengths.len()
    }

    fn width(&self) -> usize {
        self.tokens.dims()[1]
    }

    /// Position of completion token `t` in each row, `[B, 1]`.
    fn completion_positions(&self, t: usize, device: &Device) -> Tensor<2, Int> {
        let p: Vec<i64> = self.lengths.iter().map(|&l| (l + t) as i64).collect();
        Tensor::from_data(TensorData::new(p, [self.rows(), 1]), device)
    }
}

/// How tokens are chosen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sampling {
    /// Logits are divided by this (also when scoring, so ratios compare like with like).
    pub temperature: f64,
    /// Top-k, top-p, min-p and the repetition penalty.
    pub filters: Filters,
    /// Take the argmax instead of sampling.
    pub greedy: bool,
    /// Also record Σ_v π(v)² of each step's distribution ([`Completions::sum_pi_squared`]).
    pub sum_pi_squared: bool,
}

/// Sampled completions, `B = prompts × group` rows.
pub struct Completions {
    /// Tokens of each row up to and including EOS (all `max_len` when truncated).
    pub tokens: Vec<Vec<TokenId>>,
    /// Whether the row hit `max_len` without EOS.
    pub truncated: Vec<bool>,
    /// `[B, L]` tokens, PAD after the end.
    pub token_tensor: Tensor<2, Int>,
    /// `[B, L]` log π(token) at sampling time (temperature-scaled), 0 after the end.
    pub logp: Tensor<2>,
    /// `[B, L]` Σ_v π(v)² of the distribution each token was drawn from (the same
    /// temperature-scaled logits as `logp`), 0 after the end; when [`Sampling::sum_pi_squared`].
    pub sum_pi_squared: Option<Tensor<2>>,
    /// Prompt tokens the model encoded (each prompt once, however large the group).
    pub prompt_tokens_encoded: usize,
}

/// `n` Gumbel(0, 1) draws from the task RNG, so sampling is reproducible on every device.
fn gumbel(rng: &mut TaskRng, n: usize) -> Vec<f32> {
    (0..n)
        .map(|_| {
            let u: f32 = rng.random_range(f32::EPSILON..1.0);
            -(-u.ln()).ln()
        })
        .collect()
}

/// `[rows, V]`, true where the row's prompt holds the token (row p·group + j is prompt p).
fn prompt_tokens(
    prompts: &[Vec<TokenId>],
    group_size: usize,
    vocab: usize,
    device: &Device,
) -> Tensor<2, Bool> {
    let mut marks = vec![false; prompts.len() * group_size * vocab];
    for (p, prompt) in prompts.iter().enumerate() {
        for row in p * group_size..(p + 1) * group_size {
            for &token in prompt {
                marks[row * vocab + token as usize] = true;
            }
        }
    }
    Tensor::from_data(
        TensorData::new(marks, [prompts.len() * group_size, vocab]),
        device,
    )
}

/// `[B, V]`, true at each row's `token` (`[B, 1]`).
fn one_hot(token: &Tensor<2, Int>, vocab: usize) -> Tensor<2, Bool> {
    let rows = token.dims()[0];
    Tensor::<1, Int>::arange(0..vocab as i64, &token.device())
        .unsqueeze::<2>()
        .expand([rows, vocab])
        .equal(token.clone().expand([rows, vocab]))
}

/// The logits a completion token is drawn from: divided by the temperature, with PAD and BOS
/// pushed to −10⁹ so they are never sampled (finite, so the entropy's p·log p stays 0, not NaN).
/// Sampling and scoring both read these, so their log-probs agree.
fn completion_logits<const D: usize>(logits: Tensor<D>, temperature: f64) -> Tensor<D> {
    let vocab = logits.dims()[D - 1];
    let mut bias = vec![0.0f32; vocab];
    bias[PAD as usize] = -1e9;
    bias[BOS as usize] = -1e9;
    let bias = Tensor::<1>::from_data(
        TensorData::new(bias, [vocab]),
        (&logits.device(), DType::F32),
    );
    logits.div_scalar(temperature) + bias.unsqueeze::<D>()
}

/// Σ_v π(v)² over the last (vocabulary) axis of `log_probs` (a log-softmax), kept as size 1:
/// exp(logsumexp(2·log π)) = exp(logsumexp(2z) − 2·logsumexp(z)) for logits z, as verl's
/// `calculate_sum_pi_squared_from_logits`; each exp(2·log π) ≤ 1, so nothing overflows.
///
/// # Shapes
/// `log_probs`: `[..., V]` → `[..., 1]`
pub fn sum_pi_squared<const D: usize>(log_probs: Tensor<D>) -> Tensor<D> {
    log_probs.mul_scalar(2.0).exp().sum_dim(D - 1)
}

/// Encodes each prompt once and shares the result with its `group` rows (the Prefix Grouper
/// idea): returns the KV cache of the `P·group` rows and the logits after each prompt's last
/// token, `[P·group, 1, V]`, which predict the first completion token.
fn encode_prompts(
    model: &Transformer,
    prompts: &[Vec<TokenId>],
    group_size: usize,
    device: &Device,
) -> (Vec<LayerCache>, Tensor<3>) {
    let encoded = Batch::new(prompts, 1, device);
    let (p, width) = (prompts.len(), encoded.width());
    let mut cache = model.empty_cache(p, device);
    let logits = model.forward(encoded.tokens, encoded.positions, encoded.pad, &mut cache);
    let vocab = logits.dims()[2];
    let repeat = |x: Tensor<4>| {
        let [p, h, s, d] = x.dims();
        x.unsqueeze_dim::<5>(1)
            .expand([p, group_size, h, s, d])
            .reshape([p * group_size, h, s, d])
    };
    for layer in &mut cache {
        layer.keys = repeat(layer.keys.clone());
        layer.values = repeat(layer.values.clone());
    }
    let last = logits
        .narrow(1, width - 1, 1)
        .expand([p, group_size, vocab])
        .reshape([p * group_size, 1, vocab]);
    (cache, last)
}

/// Decodes `max_len` tokens in lockstep for each prompt's `group` rows; `noise[t]` is step t's
/// Gumbel noise for exactly these rows, and no noise at all means greedy. Returns the tokens (PAD after EOS),
/// their sampling-time log-probs (0 after EOS) and, when asked, each step's Σπ² (0 after EOS),
/// `[rows, max_len]` each.
fn decode(
    model: &Transformer,
    prompts: &[Vec<TokenId>],
    group_size: usize,
    max_len: usize,
    sampling: Sampling,
    noise: &[&[f32]],
) -> Decoded {
    let device = model.device();
    let rows = prompts.len() * group_size;
    let vocab = model.vocab_size();
    let (mut cache, first) = encode_prompts(model, prompts, group_size, &device);
    let mut logits = first.reshape([rows, vocab]);
    let layout = Batch::new(prompts, group_size, &device);

    let mut finished =
        Tensor::<2, Bool>::from_data(TensorData::new(vec![false; rows], [rows, 1]), &device);
    let mut seen = (sampling.filters.tracks_seen() && !noise.is_empty())
        .then(|| prompt_tokens(prompts, group_size, vocab, &device));
    let (mut tokens, mut logps) = (Vec::with_capacity(max_len), Vec::with_capacity(max_len));
    let mut squares = Vec::with_capacity(if sampling.sum_pi_squared { max_len } else { 0 });
    for t in 0..max_len {
        let scaled = completion_logits(logits.clone(), sampling.temperature);
        let log_probs = log_softmax(scaled.clone(), 1);
        if sampling.sum_pi_squared {
            squares.push(sum_pi_squared(log_probs.clone()).mask_fill(finished.clone(), 0.0));
        }
        let choice = match noise.get(t) {
            None => scaled.argmax(1), // greedy: no noise was drawn
            Some(step) => {
                let candidates = sampling.filters.apply(scaled, seen.as_ref());
                let gumbel = Tensor::<2>::from_data(
                    TensorData::new(step.to_vec(), [rows, vocab]),
                    (&device, DType::F32),
                );
                (candidates + gumbel).argmax(1)
            }
        }; // [B, 1]
        let logp = log_probs
            .gather(1, choice.clone())
            .mask_fill(finished.clone(), 0.0);
        let token = choice.mask_fill(finished.clone(), PAD as i64);
        finished = finished.bool_or(token.clone().equal_elem(EOS as i64));
        if let Some(marks) = seen.take() {
            seen = Some(marks.bool_or(one_hot(&token, vocab)));
        }
        tokens.push(token.clone());
        logps.push(logp);
        if t + 1 < max_len {
            let pad = Tensor::cat(
                vec![
                    layout.pad.clone(),
                    Tensor::<2, Bool>::from_data(
                        TensorData::new(vec![false; rows * (t + 1)], [rows, t + 1]),
                        &device,
                    ),
                ],
                1,
            );
            logits = model.step(
                token,
                layout.completion_positions(t, &device),
                pad,
                &mut cache,
            );
        }
    }
    let sum_pi_squared = sampling.sum_pi_squared.then(|| Tensor::cat(squares, 1));
    (
        Tensor::cat(tokens, 1),
        Tensor::cat(logps, 1),
        sum_pi_squared,
    )
}

/// [`decode`]'s tokens, log-probs and optional Σπ², `[rows, max_len]` each.
type Decoded = (Tensor<2, Int>, Tensor<2>, Option<Tensor<2>>);

/// Samples `group` completions for each prompt, at most `max_len` tokens each, the prompts cut
/// into up to `threads` runs decoded at once (CPU threads natively; the samples do not depend
/// on the cut).
pub async fn generate(
    model: &Transformer,
    prompts: &[Vec<TokenId>],
    group_size: usize,
    max_len: usize,
    sampling: Sampling,
    rng: &mut TaskRng,
    threads: usize,
) -> Result<Completions, String> {
    let rows = prompts.len() * group_size;
    let vocab = model.vocab_size();
    // Every step's noise is drawn up front, in the order one undivided batch draws it.
    let noise: Vec<Vec<f32>> = if sampling.greedy {
        Vec::new()
    } else {
        (0..max_len).map(|_| gumbel(rng, rows * vocab)).collect()
    };
    let jobs = runs(prompts.len(), threads)
        .into_iter()
        .map(|r| {
            let cells = r.start * group_size * vocab..r.end * group_size * vocab;
            let noise: Vec<&[f32]> = noise.iter().map(|step| &step[cells.clone()]).collect();
            let prompts = &prompts[r];
            Box::new(move || decode(model, prompts, group_size, max_len, sampling, &noise))
                as Job<'_, _>
        })
        .collect();
    let (mut tokens, mut logps, mut squares) = (Vec::new(), Vec::new(), Vec::new());
    for (t, l, s) in run_all(jobs) {
        tokens.push(t);
        logps.push(l);
        squares.extend(s);
    }
    let token_tensor = Tensor::cat(tokens, 0);
    let logp = Tensor::cat(logps, 0);
    let sum_pi_squared = sampling.sum_pi_squared.then(|| Tensor::cat(squares, 0));

    let data = token_tensor
        .clone()
        .into_data_async()
        .await
        .map_err(|e| format!("reading sampled tokens back failed: {e:?}"))?;
    let flat: Vec<i64> = data.iter::<i64>().collect();
    let mut out = Vec::with_capacity(rows);
    let mut truncated = Vec::with_capacity(rows);
    for row in flat.chunks(max_len) {
        let end = row.iter().position(|&t| t == EOS as i64);
        let len = end.map_or(max_len, |e| e + 1);
        out.push(row[..len].iter().map(|&t| t as TokenId).collect());
        truncated.push(end.is_none());
    }
    Ok(Completions {
        tokens: out,
        truncated,
        token_tensor,
        logp,
        sum_pi_squared,
        prompt_tokens_encoded: prompts.iter().map(Vec::len).sum(),
    })
}

/// The head's outputs at the positions that predict each completion token (after the prompt
/// for token 0, after token t − 1 for token t; the last token predicts nothing). Row r of
/// `completions` continues prompt `r / group`; each prompt is encoded once for its whole group,
/// as in [`generate`], so the group's gradients meet in its shared prefix.
///
/// # Shapes
/// `completions`: `[B, L]` → `[B, L, outputs]` (V logits for a policy, 1 value for a critic)
fn completion_outputs(
    model: &Transformer,
    prompts: &[Vec<TokenId>],
    group_size: usize,
    completions: &Tensor<2, Int>,
) -> Tensor<3> {
    let device = model.device();
    let [rows, len] = completions.dims();
    let (mut cache, first) = encode_prompts(model, prompts, group_size, &device);
    if len == 1 {
        return first;
    }
    let layout = Batch::new(prompts, group_size, &device);
    let positions = Tensor::cat(
        (0..len - 1)
            .map(|t| layout.completion_positions(t, &device))
            .collect(),
        1,
    );
    let pad = Tensor::cat(
        vec![
            layout.pad,
            Tensor::<2, Bool>::from_data(
                TensorData::new(vec![false; rows * (len - 1)], [rows, len - 1]),
                &device,
            ),
        ],
        1,
    );
    let rest = model.forward(
        completions.clone().narrow(1, 0, len - 1),
        positions,
        pad,
        &mut cache,
    );
    Tensor::cat(vec![first, rest], 1)
}

/// log π and entropy (full vocabulary, temperature-scaled) of each completion token, with
/// gradient ([`completion_outputs`]' layout).
///
/// # Shapes
/// `completions`: `[B, L]` (PAD after the end) → (`[B, L]`, `[B, L]`)
pub fn completion_logprobs(
    model: &Transformer,
    prompts: &[Vec<TokenId>],
    group_size: usize,
    completions: Tensor<2, Int>,
    temperature: f64,
) -> (Tensor<2>, Tensor<2>) {
    let [rows, len] = completions.dims();
    let (log_probs, logp) =
        completion_log_softmax(model, prompts, group_size, completions, temperature);
    let entropy = (log_probs.clone().exp() * log_probs)
        .sum_dim(2)
        .reshape([rows, len])
        .neg();
    (logp, entropy)
}

/// log π of each completion token and Σ_v π(v)² of the distribution it was drawn from (verl's
/// `sum_pi_squared`), in one pass over the temperature-scaled logits, 0 after the end: a
/// rollout rescored as π_old ([`completion_logprobs`]' layout).
///
/// # Shapes
/// `completions`: `[B, L]` (PAD after the end) → (`[B, L]`, `[B, L]`)
pub fn completion_logprobs_and_sum_pi_squared(
    model: &Transformer,
    prompts: &[Vec<TokenId>],
    group_size: usize,
    completions: Tensor<2, Int>,
    temperature: f64,
) -> (Tensor<2>, Tensor<2>) {
    let [rows, len] = completions.dims();
    let after_end = completions.clone().equal_elem(PAD as i64);
    let (log_probs, logp) =
        completion_log_softmax(model, prompts, group_size, completions, temperature);
    let squares = sum_pi_squared(log_probs)
        .reshape([rows, len])
        .mask_fill(after_end, 0.0);
    (logp, squares)
}

/// The temperature-scaled log-softmax at each completion position, `[B, L, V]`, and log π of
/// each completion token, `[B, L]` (0 after the end).
fn completion_log_softmax(
    model: &Transformer,
    prompts: &[Vec<TokenId>],
    group_size: usize,
    completions: Tensor<2, Int>,
    temperature: f64,
) -> (Tensor<3>, Tensor<2>) {
    let [rows, len] = completions.dims();
    let logits = completion_outputs(model, prompts, group_size, &completions);
    let logits = completion_logits(logits, temperature);
    let log_probs = log_softmax(logits, 2); // [B, L, V]
    // PAD only follows a finished completion: log-prob 0 there, as at sampling time (and not
    // −10⁹, which would overflow exp in the objective even where the mask is 0).
    let after_end = completions.clone().equal_elem(PAD as i64);
    let logp = log_probs
        .clone()
        .gather(2, completions.unsqueeze_dim::<3>(2))
        .reshape([rows, len])
        .mask_fill(after_end, 0.0);
    (log_probs, logp)
}

/// A critic's value V_t of each completion token's state, the prefix before it (verl's critic
/// reads the same positions), with gradient; padding positions hold whatever the head gives
/// there and are masked by the caller.
///
/// # Shapes
/// `completions`: `[B, L]` → `[B, L]`
pub fn completion_values(
    critic: &Transformer,
    prompts: &[Vec<TokenId>],
    group_size: usize,
    completions: Tensor<2, Int>,
) -> Tensor<2> {
    let [rows, len] = completions.dims();
    completion_outputs(critic, prompts, group_size, &completions).reshape([rows, len])
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;
    use crate::policy::ModelConfig;

    fn model() -> Transformer {
        let device = Device::flex();
        device.seed(3);
        ModelConfig::default().init(&device)
    }

    /// Prompts of different lengths, so left padding is exercised.
    fn prompts() -> Vec<Vec<TokenId>> {
        vec![
            vec![1, 4, 13, 5, 16],
            vec![1, 9, 9, 13, 12, 3, 16],
            vec![1, 7, 16],
        ]
    }

    /// Four completions of up to 6 tokens per prompt at temperature 0.7, seed 5.
    fn sampled(model: &Transformer, sum_pi_squared: bool) -> Completions {
        let mut rng = TaskRng::seed_from_u64(5);
        let sampling = Sampling {
            temperature: 0.7,
            filters: Filters::default(),
            greedy: false,
            sum_pi_squared,
        };
        futures_lite::future::block_on(generate(model, &prompts(), 4, 6, sampling, &mut rng, 1))
            .unwrap()
    }

    fn values(t: Tensor<2>) -> Vec<f32> {
        t.into_data().iter::<f32>().collect()
    }

    #[test]
    fn scoring_reproduces_the_sampling_time_log_probs() {
        let model = model();
        let out = sampled(&model, false);
        let (scored, _) = completion_logprobs(&model, &prompts(), 4, out.token_tensor.clone(), 0.7);
        let (sampled, scored) = (values(out.logp), values(scored));
        for (row, tokens) in out.tokens.iter().enumerate() {
            for t in 0..tokens.len() {
                let (a, b) = (sampled[row * 6 + t], scored[row * 6 + t]);
                assert!((a - b).abs() < 1e-4, "row {row} token {t}: {a} vs {b}");
            }
        }
    }

    /// Σπ² recorded at sampling is Σ_v softmax(z/T)_v² of the logits each token was drawn from
    /// (PAD and BOS, never drawn, left out), computed here directly in f64 from the model's raw
    /// logits; the rescoring pass gives the same numbers; 0 after the end.
    #[test]
    fn sum_pi_squared_is_the_squared_softmax_of_the_sampling_logits() {
        let model = model();
        let out = sampled(&model, true);
        let logits = completion_outputs(&model, &prompts(), 4, &out.token_tensor);
        let [_, l, v] = logits.dims();
        let z: Vec<f32> = logits.into_data().iter::<f32>().collect();
        let sampled = values(out.sum_pi_squared.expect("asked for"));
        let (_, rescored) = completion_logprobs_and_sum_pi_squared(
            &model,
            &prompts(),
            4,
            out.token_tensor.clone(),
            0.7,
        );
        let rescored = values(rescored);
        for (row, tokens) in out.tokens.iter().enumerate() {
            for t in 0..l {
                let at = row * l + t;
                let want = if t < tokens.len() {
                    let zs: Vec<f64> = (0..v)
                        .filter(|&u| u != PAD as usize && u != BOS as usize)
                        .map(|u| f64::from(z[at * v + u]) / 0.7)
                        .collect();
                    let max = zs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    let e: Vec<f64> = zs.iter().map(|x| (x - max).exp()).collect();
                    let sum: f64 = e.iter().sum();
                    e.iter().map(|x| (x / sum).powi(2)).sum()
                } else {
                    0.0
                };
                for (what, got) in [("sampled", sampled[at]), ("rescored", rescored[at])] {
                    assert!(
                        (f64::from(got) - want).abs() < 1e-5,
                        "{what} row {row} token {t}: {got} vs {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn top_k_of_one_samples_the_greedy_completion() {
        let model = model();
        let sample = |greedy, top_k| {
            let sampling = Sampling {
                temperature: 1.0,
                filters: Filters {
                    top_k,
                    ..Filters::default()
                },
                greedy,
                sum_pi_squared: false,
            };
            let mut rng = TaskRng::seed_from_u64(9);
            futures_lite::future::block_on(generate(
                &model,
                &prompts(),
                4,
                6,
                sampling,
                &mut rng,
                1,
            ))
            .unwrap()
            .tokens
        };
        assert_eq!(sample(false, 1), sample(true, 0));
        assert_ne!(sample(false, 0), sample(true, 0), "plain sampling differs");
    }

    #[test]
    fn seen_tokens_are_the_prompts_and_each_drawn_token() {
        let device = Device::flex();
        let marks = prompt_tokens(&[vec![1, 4], vec![2]], 2, 5, &device);
        let token =
            Tensor::<2, Int>::from_data(TensorData::new(vec![0i64, 3, 3, 2], [4, 1]), &device);
        let seen = marks.bool_or(one_hot(&token, 5));
        let seen: Vec<bool> = seen.into_data().iter::<bool>().collect();
        let rows: Vec<Vec<usize>> = seen
            .chunks(5)
            .map(|row| (0..5).filter(|&i| row[i]).collect())
            .collect();
        assert_eq!(
            rows,
            vec![vec![0, 1, 4], vec![1, 3, 4], vec![2, 3], vec![2]]
        );
    }

    #[test]
    fn a_shared_prompt_encoding_scores_like_one_encoding_per_row() {
        let model = model();
        let group_size = 3;
        let rows = prompts().len() * group_size;
        let completions: Vec<i64> = (0..rows * 5).map(|i| 3 + (i * 7 % 11) as i64).collect();
        let completions =
            Tensor::<2, Int>::from_data(TensorData::new(completions, [rows, 5]), &model.device());
        let repeated: Vec<Vec<TokenId>> = prompts()
            .into_iter()
            .flat_map(|p| std::iter::repeat_n(p, group_size))
            .collect();
        let (shared, _) =
            completion_logprobs(&model, &prompts(), group_size, completions.clone(), 1.0);
        let (separate, _) = completion_logprobs(&model, &repeated, 1, completions, 1.0);
        for (a, b) in values(shared).iter().zip(values(separate)) {
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
    }

    #[test]
    fn bos_has_no_probability_pad_scores_zero_and_the_entropy_stays_finite() {
        let model = model();
        let rows = prompts().len();
        let tokens: Vec<i64> = (0..rows)
            .flat_map(|_| [BOS as i64, EOS as i64, PAD as i64])
            .collect();
        let tokens =
            Tensor::<2, Int>::from_data(TensorData::new(tokens, [rows, 3]), &model.device());
        let (logp, entropy) = completion_logprobs(&model, &prompts(), 1, tokens, 1.0);
        for row in values(logp).chunks(3) {
            assert!(row[0] < -1e6 && row[1] < 0.0 && row[2] == 0.0, "{row:?}");
        }
        assert!(values(entropy).iter().all(|e| e.is_finite() && *e > 0.0));
    }
}
