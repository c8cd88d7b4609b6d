// Generated from the Rust types by ts-rs (src/typescript.rs); do not edit. Regenerate: UPDATE_TS_TYPES=1 cargo test --lib typescript
import type { CompletionView } from "./CompletionView";

/**
 * One group of an inspected step.
 */
export type GroupView = { reward_mean: number, 
/**
 * Unbiased standard deviation of the group's raw rewards.
 */
reward_std: number, completions: Array<CompletionView>, };
