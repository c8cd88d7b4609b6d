// Generated from the Rust types by ts-rs (src/typescript.rs); do not edit. Regenerate: UPDATE_TS_TYPES=1 cargo test --lib typescript
import type { Clip } from "./Clip";
import type { Off } from "./Off";

/**
 * One method's declaration (a variant of a choice, or a filter, shaping or advantage modifier
 * named by its knob).
 */
export type Declaration = { 
/**
 * The knobs its formula reads besides its own, in the order the explainer lists them. A
 * choice knob among them has its own formula shown too (GRPO's `scale_rewards`).
 */
reads: Array<string>, 
/**
 * Its loss is one per sequence or group: it replaces steps 6–8 whole (surrogates).
 */
sequence_level: boolean, 
/**
 * How it clips (surrogates).
 */
clip: Clip, 
/**
 * Its per-token term reads log π itself, not only the ratio (surrogates): the surrogate
 * plot draws it with log π_old = 0.
 */
reads_logp: boolean, 
/**
 * Why a stage does nothing with it.
 */
off: Off, 
/**
 * The metrics that stay flat unless a method in force declares them here.
 */
moves: Array<string>, 
/**
 * Why a completion it drops is out of the loss, in words (filters).
 */
dropped: string, };
