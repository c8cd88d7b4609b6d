// Generated from the Rust types by ts-rs (src/typescript.rs); do not edit. Regenerate: UPDATE_TS_TYPES=1 cargo test --lib typescript

/**
 * A clip's shape; the bounds are knob names. An unset `high` is `low` (`epsilon_high` unset
 * = `epsilon`).
 */
export type Clip = { "shape": "none" } | { "shape": "ratio", low: string, high: string, dual: string | null, } | { "shape": "weight", low: string, high: string, } | { "shape": "log_ratio", low: string, high: string, } | { "shape": "adaptive", low: string, high: string, dual: string | null, };
