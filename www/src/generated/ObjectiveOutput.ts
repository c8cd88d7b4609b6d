// Generated from the Rust types by ts-rs (src/typescript.rs); do not edit. Regenerate: UPDATE_TS_TYPES=1 cargo test --lib typescript

/**
 * What the oracle prints: group × completion (× token) arrays, unpadded.
 */
export type ObjectiveOutput = { loss: number, advantages: Array<Array<Array<number>>>, kept: Array<Array<boolean>>, grad_logp: Array<Array<Array<number>>>, shaped_rewards: Array<Array<number>>, 
/**
 * d loss / d entropy, when the input gives `entropy` for every completion.
 */
grad_entropy?: Array<Array<Array<number>>>, 
/**
 * The critic's loss ([`algo::value_loss`]), for a critic estimator (`gae`).
 */
value_loss?: number, 
/**
 * d value_loss / d values, for a critic estimator (`gae`).
 */
grad_values?: Array<Array<Array<number>>>, };
