// Generated from the Rust types by ts-rs (src/typescript.rs); do not edit. Regenerate: UPDATE_TS_TYPES=1 cargo test --lib typescript

/**
 * One macro of the formulas: its name, the symbol it stands for, what it means.
 */
export type SymbolInfo = { 
/**
 * The KaTeX macro, e.g. `\vA`.
 */
name: string, 
/**
 * The symbol, e.g. `A_{i,t}`.
 */
tex: string, meaning: string, };
