// Generated from the Rust types by ts-rs (src/typescript.rs); do not edit. Regenerate: UPDATE_TS_TYPES=1 cargo test --lib typescript

/**
 * One side input's value for one group or completion, of its input's [`Kind`] (as the
 * oracle's JSON writes it).
 */
export type SideValue = number | string | Array<number> | Array<number>;
