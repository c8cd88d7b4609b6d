// Generated from the Rust types by ts-rs (src/typescript.rs); do not edit. Regenerate: UPDATE_TS_TYPES=1 cargo test --lib typescript

/**
 * A metric's JSON key, chart label, meaning, formula and source: the page's glossary.
 */
export type MetricInfo = { key: string, label: string, help: string, 
/**
 * How it is computed, in plain text (`mean_i R_i`).
 */
formula: string, 
/**
 * The paper or library name it follows; empty for the trainer's own bookkeeping.
 */
source: string, };
