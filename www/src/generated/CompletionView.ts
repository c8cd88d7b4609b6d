// Generated from the Rust types by ts-rs (src/typescript.rs); do not edit. Regenerate: UPDATE_TS_TYPES=1 cargo test --lib typescript
import type { TokenView } from "./TokenView";

/**
 * One completion of an inspected step.
 */
export type CompletionView = { reward: number, shaped_reward: number, kept: boolean, 
/**
 * The knobs whose filter dropped it (`dynamic_sampling`, `prune_ratio`, ...).
 */
dropped_by: Array<string>, tokens: Array<TokenView>, };
