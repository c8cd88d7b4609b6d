// Generated from the Rust types by ts-rs (src/typescript.rs); do not edit. Regenerate: UPDATE_TS_TYPES=1 cargo test --lib typescript
import type { TokenView } from "./TokenView";

/**
 * One completion of an inspected step.
 */
export type CompletionView = { reward: number, shaped_reward: number, kept: boolean, 
/**
 * The knobs whose filter dropped it (`dynamic_sampling`, `prune_ratio`, ...).
 */
dropped_by: Array<string>, 
/**
 * Its reward components r_k (`reward_components`, in the task's order; empty where the
 * input has none), each weighted by the input's `reward_weights`.
 */
reward_components: Array<number>, tokens: Array<TokenView>, };
