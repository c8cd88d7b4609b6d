// Generated from the Rust types by ts-rs (src/typescript.rs); do not edit. Regenerate: UPDATE_TS_TYPES=1 cargo test --lib typescript
import type { CompletionInput } from "./CompletionInput";
import type { SideInput } from "./SideInput";
import type { SideValue } from "./SideValue";

/**
 * A prompt's completions, and its per-group side inputs (ReMax's `greedy_reward`).
 */
export type GroupInput = { completions: Array<CompletionInput>, } & ({ [key in SideInput]?: SideValue });
