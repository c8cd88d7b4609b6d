// Generated from the Rust types by ts-rs (src/typescript.rs); do not edit. Regenerate: UPDATE_TS_TYPES=1 cargo test --lib typescript

/**
 * Why a stage does nothing with a surrogate, in words; empty where it does something.
 */
export type Off = { 
/**
 * Step 5, the importance ratio.
 */
ratio: string, 
/**
 * Step 7, the KL term in the loss (the KL in the reward still acts).
 */
kl: string, 
/**
 * Step 8, the aggregation.
 */
aggregation: string, 
/**
 * The per-token surrogate plot (there is no curve).
 */
curve: string, };
