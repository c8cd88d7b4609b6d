// Generated from the Rust types by ts-rs (src/typescript.rs); do not edit. Regenerate: UPDATE_TS_TYPES=1 cargo test --lib typescript
import type { KlFormulas } from "./KlFormulas";
import type { SymbolInfo } from "./SymbolInfo";

/**
 * Every choice's formula as KaTeX, keyed by its name; the filters' and shapings' by the knob
 * that turns them on.
 */
export type Formulas = { adv_estimator: { [key in string]: string }, scale_rewards: { [key in string]: string }, ratio_level: { [key in string]: string }, surrogate: { [key in string]: string }, kl_estimator: { [key in string]: string }, loss_agg_mode: { [key in string]: string }, dual_clip: string, kl: KlFormulas, filters: { [key in string]: string }, shaping: { [key in string]: string }, symbols: Array<SymbolInfo>, 
/**
 * The estimators that imply a filter of their own (`filters.adv_estimator`).
 */
implied_filter: Array<string>, };
