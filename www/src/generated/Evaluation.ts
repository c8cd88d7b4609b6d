// Generated from the Rust types by ts-rs (src/typescript.rs); do not edit. Regenerate: UPDATE_TS_TYPES=1 cargo test --lib typescript

/**
 * Result of a greedy pass over the held-out set.
 */
export type Evaluation = { accuracy: number, reward_mean: number, regret: number, 
/**
 * Accuracy per difficulty label ([`crate::tasks::Task::difficulty`]).
 */
by_difficulty: { [key in number]: number }, };
