// Generated from the Rust types by ts-rs (src/typescript.rs); do not edit. Regenerate: UPDATE_TS_TYPES=1 cargo test --lib typescript
import type { JsonValue } from "./serde_json/JsonValue";

/**
 * A preset row: only the knobs that differ from the defaults.
 */
export type PresetInfo = { name: string, source: string, knobs: { [key in string]: JsonValue }, };
