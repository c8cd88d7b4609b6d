// Generated from the Rust types by ts-rs (src/typescript.rs); do not edit. Regenerate: UPDATE_TS_TYPES=1 cargo test --lib typescript

export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]: JsonValue } | null;
