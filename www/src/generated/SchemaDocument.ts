// Generated from the Rust types by ts-rs (src/typescript.rs); do not edit. Regenerate: UPDATE_TS_TYPES=1 cargo test --lib typescript
import type { Declaration } from "./Declaration";
import type { Formulas } from "./Formulas";
import type { KnobEntry } from "./KnobEntry";
import type { MeasureInfo } from "./MeasureInfo";
import type { MetricInfo } from "./MetricInfo";
import type { PresetInfo } from "./PresetInfo";
import type { JsonValue } from "./serde_json/JsonValue";

/**
 * What `schema()` returns (`grpo-playground schema`). Read strictly, so a key the document
 * gains or loses fails [`the_schema_document_is_of_its_type`].
 */
export type SchemaDocument = { algo: Array<KnobEntry>, train: Array<KnobEntry>, model: Array<KnobEntry>, 
/**
 * Each task's own knobs.
 */
tasks: { [key in string]: Array<KnobEntry> }, 
/**
 * Each task's complete default run config.
 */
task_defaults: { [key in string]: { [key in string]: JsonValue } }, presets: Array<PresetInfo>, metrics: Array<MetricInfo>, formulas: Formulas, 
/**
 * Every method's declaration: `choices` by knob and value; `filters`, `shaping` and
 * `modifiers` by knob.
 */
methods: { [key in string]: { [key in string]: Declaration } }, measures: Array<MeasureInfo>, 
/**
 * `tokens[id]` spells token `id`.
 */
tokens: Array<string>, };
