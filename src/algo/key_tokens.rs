//! KTAE's key-token advantage (2505.16826; `xiaolizh1/KTAE`, `compute_key_tokens.py`): per
//! group, a score for every token id from how its presence splits the group's successes from its
//! failures. Counting token ids is host work (the ids are on the host after sampling), so this
//! module is plain Rust; the result enters the tensors as one `[P, G, T]` bonus.

/// KTAE's constants as its code fixes them: α (Fisher), β (information gain), the BM25 k1 and b
/// of the term-frequency ratio, and the scale `top`.
const ALPHA: f64 = 1.0;
const BETA_IG: f64 = 1.0;
const BM25_K1: f64 = 2.0;
const BM25_B: f64 = 0.5;
const TOP: f64 = 1.0;

/// KT(v) for every token of one group, laid out as `tokens` (completion × token).
///
/// A completion is a success when its reward is > 0 (KTAE's split). Without both a success and a
/// failure every KT is 0. For a token id v with a/b the successes/failures containing it and c/d
/// those without: x = asin√(a/(a+c)) − asin√(b/(b+d)) (Cohen's h) + tf₊/(tf₋ + 1e-5) −
/// tf₋/(tf₊ + 1e-5), tf the BM25-saturated frequency of v among the successes' (failures')
/// tokens; s = (α·f(p) + β·IG)·x/(α + β) with p the two-sided Fisher exact p-value of the 2×2
/// table, f(p) = e^{−2p} (0 when p = 1) and IG the information gain (bits) of "contains v" about
/// success; KT = (σ(s) − 0.5)·2·top. The `eos` id gets 0 (KTAE zeroes its model's EOS).
/// Conventions where KTAE's float32 code is loose: a = ... counts are exact; in the Fisher sum a
/// table counts when p_k ≤ p_obs·(1 + 1e-7) (SciPy's tolerance); p ≥ 1 − 1e-9 counts as 1.
pub fn key_token_bonus(tokens: &[&[u32]], rewards: &[f64], eos: Option<u32>) -> Vec<Vec<f64>> {
    let zeros = || tokens.iter().map(|c| vec![0.0; c.len()]).collect();
    let success: Vec<bool> = rewards.iter().map(|&r| r > 0.0).collect();
    let n_pos = success.iter().filter(|&&s| s).count();
    let n_neg = success.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return zeros();
    }
    // Token counts on each side, for the term frequencies.
    let side_len = |want: bool| -> f64 {
        tokens
            .iter()
            .zip(&success)
            .filter(|(_, s)| **s == want)
            .map(|(c, _)| c.len() as f64)
            .sum()
    };
    let (len_pos, len_neg) = (side_len(true), side_len(false));
    let avg_len = (len_pos + len_neg) / 2.0;
    let k_pos = BM25_K1 * (1.0 - BM25_B + BM25_B * len_pos / avg_len);
    let k_neg = BM25_K1 * (1.0 - BM25_B + BM25_B * len_neg / avg_len);
    let score = |v: u32| -> f64 {
        if Some(v) == eos {
            return 0.0;
        }
        let (mut a, mut b, mut hist_pos, mut hist_neg) = (0.0, 0.0, 0.0, 0.0);
        for (c, &s) in tokens.iter().zip(&success) {
            let count = c.iter().filter(|&&t| t == v).count() as f64;
            if s {
                hist_pos += count;
                a += f64::from(u8::from(count > 0.0));
            } else {
                hist_neg += count;
                b += f64::from(u8::from(count > 0.0));
            }
        }
        let (c, d) = (n_pos as f64 - a, n_neg as f64 - b);
        let tf = |hist: f64, len: f64, k: f64| {
            let f = hist / len;
            f * (BM25_K1 + 1.0) / (f + k)
        };
        let (tf_pos, tf_neg) = (tf(hist_pos, len_pos, k_pos), tf(hist_neg, len_neg, k_neg));
        let cohen = (a / (a + c + 1e-10)).sqrt().asin() - (b / (b + d + 1e-10)).sqrt().asin();
        let x = cohen + tf_pos / (tf_neg + 1e-5) - tf_neg / (tf_pos + 1e-5);
        let p = fisher_two_sided(a, b, c, d);
        let fisher = if p >= 1.0 - 1e-9 {
            0.0
        } else {
            (-2.0 * p).exp()
        };
        let s = (ALPHA * fisher + BETA_IG * information_gain(a, b, c, d)) * x / (ALPHA + BETA_IG);
        (1.0 / (1.0 + (-s).exp()) - 0.5) * 2.0 * TOP
    };
    let mut table: Vec<(u32, f64)> = Vec::new();
    tokens
        .iter()
        .map(|c| {
            c.iter()
                .map(|&v| match table.iter().find(|(id, _)| *id == v) {
                    Some(&(_, kt)) => kt,
                    None => {
                        let kt = score(v);
                        table.push((v, kt));
                        kt
                    }
                })
                .collect()
        })
        .collect()
}

/// ln C(n, k).
fn ln_choose(n: f64, k: f64) -> f64 {
    (0..k as u64)
        .map(|i| ((n - i as f64) / (k - i as f64)).ln())
        .sum()
}

/// The two-sided Fisher exact p-value of the table [[a, c], [b, d]] (rows: contains v or not
/// — KTAE's layout R1 = a + b, C1 = a + c): the total probability of the tables with the same
/// margins no more likely than the observed one.
fn fisher_two_sided(a: f64, b: f64, c: f64, d: f64) -> f64 {
    let (r1, c1) = (a + b, a + c);
    let n = a + b + c + d;
    let prob = |k: f64| (ln_choose(c1, k) + ln_choose(n - c1, r1 - k) - ln_choose(n, r1)).exp();
    let observed = prob(a);
    let (lo, hi) = ((r1 + c1 - n).max(0.0), r1.min(c1));
    let mut p = 0.0;
    let mut k = lo;
    while k <= hi {
        let pk = prob(k);
        if pk <= observed * (1.0 + 1e-7) {
            p += pk;
        }
        k += 1.0;
    }
    p
}

/// Information gain (bits) of "contains v" about success: H(Y) − H(Y | X).
fn information_gain(a: f64, b: f64, c: f64, d: f64) -> f64 {
    let n = a + b + c + d;
    let h = |p: f64| if p > 0.0 { -p * p.log2() } else { 0.0 };
    let h_y = h((a + c) / n) + h((b + d) / n);
    let cond = |x1: f64, x2: f64| {
        let total = x1 + x2;
        if total > 0.0 {
            h(x1 / total) + h(x2 / total)
        } else {
            0.0
        }
    };
    h_y - ((a + b) / n) * cond(a, b) - ((c + d) / n) * cond(c, d)
}
