// Generated from the Rust types by ts-rs (src/typescript.rs); do not edit. Regenerate: UPDATE_TS_TYPES=1 cargo test --lib typescript
import type { JsonValue } from "./serde_json/JsonValue";

/**
 * One knob of the schema document: its declaration, its default, its dotted path and its
 * range as text.
 */
export type KnobEntry = { default: JsonValue, path: string, allowed: string, key: string, 
/**
 * What leaving the knob unset (`null`) means; `None`: it always has a value.
 */
unset?: string, 
/**
 * The field's doc comment.
 */
help: string, 
/**
 * The paper the knob comes from (title and arXiv id); empty for engineering knobs.
 */
source: string, 
/**
 * Whether a running session may change it between steps (`Trainer::set_live`); the other
 * knobs need a reset.
 */
live: boolean, } & ({ "kind": "int", min: number, max: number | null, except: Array<number>, } | { "kind": "float", min: number | null, exclusive_min: boolean, max: number | null, exclusive_max: boolean, } | { "kind": "bool" } | { "kind": "choice", options: Array<string>, } | { "kind": "set", options: Array<string>, } | { "kind": "tokens" } | { "kind": "weights", options: Array<string>, });
