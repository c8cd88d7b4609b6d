// Generated from the Rust types by ts-rs (src/typescript.rs); do not edit. Regenerate: UPDATE_TS_TYPES=1 cargo test --lib typescript
import type { GroupView } from "./GroupView";
import type { ObjectiveInput } from "./ObjectiveInput";
import type { ObjectiveOutput } from "./ObjectiveOutput";
import type { SurrogateCurve } from "./SurrogateCurve";
import type { JsonValue } from "./serde_json/JsonValue";

/**
 * [`Inspection`] of the last step, with its prompts and tokens spelled.
 */
export type StepInspection = { 
/**
 * Each group's prompt, spelled.
 */
prompts: Array<string>, 
/**
 * Group × completion × token, spelled.
 */
text: Array<Array<Array<string>>>, 
/**
 * The knob values the step used (the preset's row with the overrides).
 */
knobs: { [key in string]: JsonValue }, 
/**
 * The surrogate's objective against the ratio (`None` for a sequence-level loss).
 */
curve: SurrogateCurve | null, 
/**
 * The names of the task's reward components, in the order of each completion's
 * `reward_components` and of the input's `reward_weights`.
 */
reward_components: Array<string>, input: ObjectiveInput, shown: ObjectiveOutput, groups: Array<GroupView>, 
/**
 * The loss is one per sequence or group (GVPO): no per-token terms.
 */
sequence_level: boolean, };
