//! KTAE's key-token score (2505.16826), written from `xiaolizh1/KTAE`'s
//! `verl/workers/actor/compute_key_tokens.py` (α = β = γ_tf = top = 1, BM25 k1 = 2, b = 0.5):
//! per group, a 2×2 table per token id, Fisher's exact test, information gain, Cohen's h and a
//! term-frequency ratio. The conventions where the float32 original is loose are the crate's
//! documented ones: the Fisher sum takes tables with p_k ≤ p_obs·(1 + 1e-7); p ≥ 1 − 1e-9 is 1.

use super::Group;

/// This crate's end-of-sequence token id (KTAE zeroes its own model's EOS).
const EOS: u32 = 2;

/// KT of every token of `group` (completion × token); all 0 unless the group has both a
/// reward > 0 and a reward ≤ 0.
pub fn scores(group: &Group) -> Vec<Vec<f64>> {
    let ids: Vec<Vec<u32>> = group
        .completions
        .iter()
        .map(|c| c.tokens().expect("validated: tokens with ktae"))
        .collect();
    let rows: Vec<(&[u32], bool)> = ids
        .iter()
        .zip(&group.completions)
        .map(|(ids, c)| (ids.as_slice(), c.reward > 0.0))
        .collect();
    let good = rows.iter().filter(|r| r.1).count() as f64;
    let bad = rows.len() as f64 - good;
    if good == 0.0 || bad == 0.0 {
        return rows.iter().map(|r| vec![0.0; r.0.len()]).collect();
    }
    let tokens_on = |side: bool| -> f64 {
        rows.iter()
            .filter(|r| r.1 == side)
            .map(|r| r.0.len() as f64)
            .sum()
    };
    let (len_good, len_bad) = (tokens_on(true), tokens_on(false));
    let mean_len = 0.5 * (len_good + len_bad);
    let kt = |v: u32| -> f64 {
        if v == EOS {
            return 0.0;
        }
        // a, b: successes / failures containing v; occurrences of v on each side.
        let contains = |side: bool| {
            rows.iter()
                .filter(|r| r.1 == side && r.0.contains(&v))
                .count() as f64
        };
        let occurs = |side: bool| -> f64 {
            rows.iter()
                .filter(|r| r.1 == side)
                .map(|r| r.0.iter().filter(|&&x| x == v).count() as f64)
                .sum()
        };
        let (a, b) = (contains(true), contains(false));
        let (c, d) = (good - a, bad - b);
        let bm25 = |occ: f64, len: f64| {
            let k = 2.0 * (0.5 + 0.5 * len / mean_len);
            let f = occ / len;
            f * 3.0 / (f + k)
        };
        let (tf_good, tf_bad) = (bm25(occurs(true), len_good), bm25(occurs(false), len_bad));
        let h = (a / (a + c + 1e-10)).sqrt().asin() - (b / (b + d + 1e-10)).sqrt().asin();
        let x = h + tf_good / (tf_bad + 1e-5) - tf_bad / (tf_good + 1e-5);
        let p = fisher(a, b, c, d);
        let weight = if p >= 1.0 - 1e-9 {
            0.0
        } else {
            (-2.0 * p).exp()
        };
        let strength = (weight + gain(a, b, c, d)) * x / 2.0;
        2.0 * (1.0 / (1.0 + (-strength).exp()) - 0.5)
    };
    rows.iter()
        .map(|r| r.0.iter().map(|&v| kt(v)).collect())
        .collect()
}

/// n! as a float (counts here are small).
fn factorial(n: f64) -> f64 {
    (1..=n as u64).map(|i| i as f64).product()
}

/// Probability of the 2×2 table with first cell k under fixed margins (hypergeometric):
/// row sums r1 = a + b (contains v), column sums c1 = a + c (successes), n in all.
fn hypergeometric(k: f64, r1: f64, c1: f64, n: f64) -> f64 {
    let choose = |n: f64, k: f64| factorial(n) / (factorial(k) * factorial(n - k));
    choose(c1, k) * choose(n - c1, r1 - k) / choose(n, r1)
}

/// Two-sided Fisher exact p-value: every table at least as unlikely as the observed one.
fn fisher(a: f64, b: f64, c: f64, d: f64) -> f64 {
    let (r1, c1, n) = (a + b, a + c, a + b + c + d);
    let observed = hypergeometric(a, r1, c1, n);
    let lo = (r1 + c1 - n).max(0.0) as u64;
    let hi = r1.min(c1) as u64;
    (lo..=hi)
        .map(|k| hypergeometric(k as f64, r1, c1, n))
        .filter(|&pk| pk <= observed * (1.0 + 1e-7))
        .sum()
}

/// H(success) − H(success | contains v), in bits.
fn gain(a: f64, b: f64, c: f64, d: f64) -> f64 {
    let n = a + b + c + d;
    let plogp = |p: f64| if p > 0.0 { -p * p.log2() } else { 0.0 };
    let split = |x: f64, y: f64| {
        if x + y > 0.0 {
            plogp(x / (x + y)) + plogp(y / (x + y))
        } else {
            0.0
        }
    };
    split(a + c, b + d) - (a + b) / n * split(a, b) - (c + d) / n * split(c, d)
}
