// Generated from the Rust types by ts-rs (src/typescript.rs); do not edit. Regenerate: UPDATE_TS_TYPES=1 cargo test --lib typescript
import type { ClipState } from "./ClipState";

/**
 * One token of an inspected step.
 */
export type TokenView = { logp: number, logp_old: number, logp_ref: number | null, 
/**
 * The importance ratio as the knobs use it (token or sequence level).
 */
ratio: number, advantage: number, clip: ClipState, 
/**
 * The surrogate's term ℓ̃ (`None` for a sequence-level loss).
 */
surrogate: number | null, 
/**
 * The KL term β·k(logp_ref − logp), when the KL is in the loss.
 */
kl: number | null, 
/**
 * d loss / d logp.
 */
grad_logp: number, };
