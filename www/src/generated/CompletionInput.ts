// Generated from the Rust types by ts-rs (src/typescript.rs); do not edit. Regenerate: UPDATE_TS_TYPES=1 cargo test --lib typescript
import type { SideInput } from "./SideInput";
import type { SideValue } from "./SideValue";

/**
 * One completion: its reward, verdict, per-token log-probs (equal lengths, ≥ 1), and its
 * per-completion and per-token side inputs.
 */
export type CompletionInput = { reward: number, correct: boolean, truncated: boolean, logp: Array<number>, logp_old: Array<number>, logp_ref?: Array<number>, } & ({ [key in SideInput]?: SideValue });
