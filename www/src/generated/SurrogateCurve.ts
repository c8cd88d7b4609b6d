// Generated from the Rust types by ts-rs (src/typescript.rs); do not edit. Regenerate: UPDATE_TS_TYPES=1 cargo test --lib typescript

/**
 * The per-token objective −ℓ̃ against the importance ratio, for A = +1 and A = −1: what the
 * surrogate plot draws. Surrogates that read log π itself (REINFORCE, CISPO) see
 * log π_old = 0, so log π = ln r.
 */
export type SurrogateCurve = { ratio: Array<number>, positive: Array<number>, negative: Array<number>, };
