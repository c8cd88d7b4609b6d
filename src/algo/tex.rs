//! The notation of the formulas each choice declares beside its variants (`tex()` on
//! [`super::AdvEstimator`], [`super::Surrogate`], ...): KaTeX written with the macros below, so
//! the page renders a formula once with these symbols and once with the selected token's
//! numbers in their place. A formula uses no symbol of its own as a macro.

use serde::Serialize;

/// One macro of the formulas: its name, the symbol it stands for, what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "SymbolInfo"))]
pub struct Symbol {
    /// The KaTeX macro, e.g. `\vA`.
    pub name: &'static str,
    /// The symbol, e.g. `A_{i,t}`.
    pub tex: &'static str,
    pub meaning: &'static str,
}

const fn symbol(name: &'static str, tex: &'static str, meaning: &'static str) -> Symbol {
    Symbol { name, tex, meaning }
}

/// Every macro a formula may use.
pub const SYMBOLS: &[Symbol] = &[
    symbol(r"\vR", "R_i", "the completion's reward (after shaping)"),
    symbol(r"\vmu", r"\mu_{\text{group}}", "mean reward of the group"),
    symbol(
        r"\vsigma",
        r"\sigma",
        "standard deviation of the rewards (per scale_rewards)",
    ),
    symbol(r"\vG", "G", "completions per group"),
    symbol(r"\vGt", "G_t", "return to go from token t"),
    symbol(r"\vA", "A_{i,t}", "advantage of the token"),
    symbol(r"\vr", "r_t", "importance ratio π_θ / π_old"),
    symbol(
        r"\vlogp",
        r"\log\pi_\theta",
        "log-probability of the token under the policy",
    ),
    symbol(
        r"\vlogpold",
        r"\log\pi_{\text{old}}",
        "log-probability when it was sampled",
    ),
    symbol(
        r"\vlogpref",
        r"\log\pi_{\text{ref}}",
        "log-probability under the reference",
    ),
    symbol(r"\vell", r"\tilde\ell_t", "the token's loss term"),
    symbol(r"\vepsl", r"\varepsilon_l", "lower clip range (epsilon)"),
    symbol(
        r"\vepsh",
        r"\varepsilon_h",
        "upper clip range (epsilon_high)",
    ),
    symbol(r"\vc", "c", "dual-clip constant (clip_ratio_c)"),
    symbol(
        r"\vtau",
        r"\tau",
        "SAPO temperature for the token's sign of A",
    ),
    symbol(r"\vbeta", r"\beta", "KL coefficient (beta)"),
    symbol(r"\vstdeps", r"\varepsilon", "std_eps"),
    symbol(r"\vmadeps", r"\varepsilon", "mad_eps"),
    symbol(r"\vb", "b", "reward of the prompt's greedy completion"),
    symbol(r"\vgvpobeta", r"\beta", "gvpo_beta"),
    symbol(r"\vN", "N", "kept tokens in the batch"),
    symbol(r"\vB", "B", "kept completions in the batch"),
    symbol(r"\vLmax", r"L_{\max}", "max_completion_length"),
    symbol(r"\vLc", "L_c", "overlong buffer length"),
    symbol(r"\vlen", "|o_i|", "completion length in tokens"),
    symbol(r"\vfactor", "f", "overlong_penalty_factor"),
    symbol(r"\valpha", r"\alpha", "lead_length_alpha"),
    symbol(r"\vP", "P", "prune_ratio"),
];
