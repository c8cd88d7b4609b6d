// Generated from the Rust types by ts-rs (src/typescript.rs); do not edit. Regenerate: UPDATE_TS_TYPES=1 cargo test --lib typescript

/**
 * Which kind of step produced the metrics.
 */
export type Phase = "sft" | "rl";
