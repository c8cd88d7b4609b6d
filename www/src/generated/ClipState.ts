// Generated from the Rust types by ts-rs (src/typescript.rs); do not edit. Regenerate: UPDATE_TS_TYPES=1 cargo test --lib typescript

/**
 * Which clip, if any, changed a token's term.
 */
export type ClipState = "inside" | "low" | "high" | "dual";
