// Generated from the Rust types by ts-rs (src/typescript.rs); do not edit. Regenerate: UPDATE_TS_TYPES=1 cargo test --lib typescript

/**
 * Where the KL term goes, as KaTeX.
 */
export type KlFormulas = { in_loss: string, in_reward: string, };
