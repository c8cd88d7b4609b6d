// Generated from the Rust types by ts-rs (src/typescript.rs); do not edit. Regenerate: UPDATE_TS_TYPES=1 cargo test --lib typescript

/**
 * A measure of a run (`compare`'s, what lessons check).
 */
export type MeasureInfo = { name: string, label: string, doc: string, };
