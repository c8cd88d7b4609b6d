// Generated from the Rust types by ts-rs (src/typescript.rs); do not edit. Regenerate: UPDATE_TS_TYPES=1 cargo test --lib typescript
import type { GroupInput } from "./GroupInput";
import type { JsonValue } from "./serde_json/JsonValue";

/**
 * One objective call: knobs, L_max and groups of completions.
 */
export type ObjectiveInput = { 
/**
 * The preset and the knobs it overrides (`AlgoConfig`).
 */
config: { [key in string]: JsonValue }, max_completion_length: number, 
/**
 * The weight w_k of each reward component (`reward_components`), in their order; absent:
 * 1 each (TRL's default `reward_weights`).
 */
reward_weights?: Array<number>, groups: Array<GroupInput>, };
