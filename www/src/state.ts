// The whole page state: one typed object that *is* the URL hash (url.ts writes and reads it). Its
// knobs, their ranges and their defaults come from the Rust schema (schema.ts); the page decides
// only which trainer knobs it shows first, the named model sizes, and its own knobs (seeds,
// colours, labels). This file holds the state's shape and the task's defaults; resolve.ts reads
// a variant's knobs (preset + overrides), live.ts what changes live, lesson-state.ts a lesson's
// setup, and store.ts the page's transitions of it.
//
// Defaults are the task's own: a config naming only a task resolves to that task's defaults
// (`task_defaults` in the schema), so `#task=maze` gets maze's model, trainer and task knobs.

import { knobProblem, show, specOf, type Catalog, type JsonValue, type KnobSpec, type KnobValue, type TaskName } from './schema';

export type ModelSize = 'tiny' | 'small' | 'default';
/** A named size, or `task`: the task's own default model when it matches no named size. */
export type ModelChoice = ModelSize | 'task';
export type BackendChoice = 'auto' | 'webgpu' | 'cpu';

/**
 * The trainer knobs the page shows first, in this order (TRL names); the others sit under "more
 * training knobs". Their ranges, defaults and help are the schema's.
 */
export const TRAIN_KEYS = [
  'num_generations', 'prompts_per_step', 'num_iterations', 'learning_rate', 'temperature',
  'sft_steps', 'max_completion_length', 'steps', 'eval_every',
] as const;
export type TrainKey = (typeof TRAIN_KEYS)[number];
/** Every trainer knob of the schema; the ones shown first (TRAIN_KEYS) are numbers. */
export type Train = Record<TrainKey, number> & { [knob: string]: KnobValue };

/** Named model sizes → ModelConfig fields (checked against the schema's model ranges in tests); context keeps the task's default. */
export const MODEL_SIZES: Record<ModelSize, ModelNumbers> = {
  tiny: { d_model: 32, n_layers: 1, n_heads: 2 },
  small: { d_model: 48, n_layers: 2, n_heads: 4 },
  default: { d_model: 64, n_layers: 2, n_heads: 4 },
};
export const MODEL_CHOICES: readonly ModelChoice[] = ['tiny', 'small', 'default', 'task'];

export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'webgpu', 'cpu'];
/** Variant colours, each at least 3:1 against the charts' white (WCAG 1.4.11): d3's category10, its orange and cyan darkened. */
export const PALETTE: readonly string[] = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#d16200', '#0e8a96'];
export const MIN_VARIANTS = 2;
export const MAX_VARIANTS = 6;
export const MAX_SEEDS = 5;
/** The longest variant label (a shared link's label is shown as text, on a card and in legends). */
export const MAX_LABEL = 60;


/** A knob of the page itself (not of a run config). */
function pageInt(key: string, def: number, min: number, max: number | null, help: string): KnobSpec & { kind: 'int' } {
  return { key, path: `page.${key}`, kind: 'int', def, min, max, except: [], help, source: '', live: false, unset: null, allowed: max === null ? `>= ${min}` : `[${min}, ${max}]` };
}
export const SEEDS_KNOB = pageInt('seeds', 1, 1, MAX_SEEDS, 'Seeds per variant: seed k of every variant shares prompts and initial weights (a paired comparison).');
export const SEED_KNOB = pageInt('seed', 0, 0, null, 'Base seed: the runs of seed index k use seed + k.');

/** The task of a page without a hash: arithmetic when the schema has it. */
export function defaultTask(catalog: Catalog): TaskName {
  return catalog.tasks.includes('arithmetic') ? 'arithmetic' : (catalog.tasks[0] ?? 'arithmetic');
}

/**
 * One optimizer to compare: a preset plus knob overrides (`{"epsilon_high": 0.3}`), and trainer
 * knobs of its own laid over the shared ones (`{"num_generations": 2}`).
 */
export interface Variant {
  preset: string;
  overrides: { [knob: string]: JsonValue };
  train: { [knob: string]: JsonValue };
  label: string;
  colour: string;
}

export interface State {
  task: TaskName;
  /** The current task's knobs, keyed as in the schema's task section, in its order. */
  taskKnobs: Record<string, KnobValue>;
  model: ModelChoice;
  train: Train;
  variants: Variant[];
  /** Seeds per variant; seed k of every variant is `seed + k` (paired comparison). */
  seeds: number;
  seed: number;
  backend: BackendChoice;
  /** The lesson this state came from (its checks read the runs), or null. */
  lesson: string | null;
}

export interface ModelNumbers {
  d_model: number;
  n_layers: number;
  n_heads: number;
}

/** The JSON `Session.create` reads (Rust `RunConfig`); omitted fields take the task's defaults. */
export interface RunConfig {
  task: { name: TaskName; [knob: string]: KnobValue };
  model: ModelNumbers;
  algo: { preset: string; [knob: string]: JsonValue };
  train: Train;
  seed: number;
  backend: 'auto' | 'cpu' | 'wgpu';
}

/** The difficulty knobs of `task`. */
export function taskSpecs(catalog: Catalog, task: TaskName): readonly KnobSpec[] {
  return catalog.taskKnobs[task] ?? [];
}

/** The trainer knobs the page shows first (TRAIN_KEYS), from the schema. */
export function trainSpecs(catalog: Catalog): (KnobSpec & { key: TrainKey; kind: 'int' | 'float' })[] {
  return TRAIN_KEYS.map((key) => {
    const spec = specOf(catalog.train, key, 'train');
    if ((spec.kind !== 'int' && spec.kind !== 'float') || spec.unset !== null) throw new Error(`schema: train.${key}: the page shows it as a number that is always set`);
    return { ...spec, key };
  });
}

/** The schema's other trainer knobs, in its order ("more training knobs"). */
export function moreTrainSpecs(catalog: Catalog): KnobSpec[] {
  return catalog.train.filter((s) => !(TRAIN_KEYS as readonly string[]).includes(s.key));
}

/** Every trainer knob: those shown first, then the others. */
export function everyTrainSpec(catalog: Catalog): KnobSpec[] {
  return [...trainSpecs(catalog), ...moreTrainSpecs(catalog)];
}

/** A copy of a knob's value (a set is an array: the copy may change without changing the original). */
export function copyKnob(value: KnobValue): KnobValue {
  return Array.isArray(value) ? [...value] : value;
}

/** `given` (the task's default from the schema) checked against `spec`; absent = unset or the knob's default. */
function knobDefault(spec: KnobSpec, given: JsonValue | undefined, where: string): KnobValue {
  if (given === undefined) return spec.unset !== null ? null : copyKnob(spec.def as KnobValue);
  const problem = knobProblem(spec, given as KnobValue);
  if (problem !== '') throw new Error(`schema: ${where}: ${problem}`);
  return copyKnob(given as KnobValue);
}

/** The named size with the task default's numbers, else `task`. */
function modelDefault(catalog: Catalog, task: TaskName): ModelChoice {
  const m = catalog.defaults[task]?.model ?? {};
  const found = (Object.keys(MODEL_SIZES) as ModelSize[]).find((name) => {
    const s = MODEL_SIZES[name];
    return s.d_model === m.d_model && s.n_layers === m.n_layers && s.n_heads === m.n_heads;
  });
  return found ?? 'task';
}

/** The task's defaults for the task-dependent part of the state. */
export function taskState(task: TaskName, catalog: Catalog): Pick<State, 'task' | 'taskKnobs' | 'model' | 'train'> {
  const d = catalog.defaults[task];
  if (!d) throw new Error(`task: unknown "${task}"; valid: ${catalog.tasks.join(', ')}`);
  return {
    task,
    taskKnobs: Object.fromEntries(taskSpecs(catalog, task).map((s) => [s.key, knobDefault(s, d.task[s.key], `task_defaults.${task}.task.${s.key}`)])),
    model: modelDefault(catalog, task),
    train: Object.fromEntries(everyTrainSpec(catalog).map((s) => [s.key, knobDefault(s, d.train[s.key], `task_defaults.${task}.train.${s.key}`)])) as Train,
  };
}

/** The numbers of a model choice for `task`. */
export function modelNumbers(choice: ModelChoice, task: TaskName, catalog: Catalog): ModelNumbers {
  if (choice !== 'task') return { ...MODEL_SIZES[choice] };
  const m = catalog.defaults[task]?.model ?? {};
  return { d_model: Number(m.d_model), n_layers: Number(m.n_layers), n_heads: Number(m.n_heads) };
}

/** What is wrong with a model's numbers by the schema's model ranges ('' when nothing). */
export function modelProblem(m: ModelNumbers, catalog: Catalog): string {
  for (const key of ['d_model', 'n_layers', 'n_heads'] as const) {
    const problem = knobProblem(specOf(catalog.model, key, 'model'), m[key]);
    if (problem !== '') return problem;
  }
  return m.d_model % m.n_heads === 0 ? '' : `n_heads: ${m.n_heads} does not divide d_model (${m.d_model})`;
}

export function newVariant(preset: string, index: number): Variant {
  return { preset, overrides: {}, train: {}, label: preset, colour: PALETTE[index % PALETTE.length] ?? '#000000' };
}

/** GRPO against Dr. GRPO when the preset table has them, else its first two rows; the task's defaults. */
export function defaultState(catalog: Catalog, task: TaskName = defaultTask(catalog)): State {
  const names = catalog.presets.map((p) => p.name);
  const wanted = ['grpo', 'dr_grpo'].filter((p) => names.includes(p));
  const pair = wanted.length === 2 ? wanted : names.slice(0, 2);
  return {
    ...taskState(task, catalog),
    variants: pair.map(newVariant),
    seeds: SEEDS_KNOB.def ?? 1,
    seed: SEED_KNOB.def ?? 0,
    backend: 'auto',
    lesson: null,
  };
}

/** What `Session.set_live` takes (live.ts computes it): `{"train": {...}, "algo": {...}}`. */
export interface LiveChanges {
  train?: Record<string, JsonValue>;
  algo?: Record<string, JsonValue>;
}

/** `value` when it is one of `valid`; else throws naming `field` and the valid names. */
export function oneOf<T extends string>(field: string, value: string, valid: readonly T[]): T {
  const found = valid.find((v) => v === value);
  if (found === undefined) throw new Error(`${field}: unknown ${show(value)}; valid: ${valid.join(', ')}`);
  return found;
}

export function isRecord(x: unknown): x is Record<string, JsonValue> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
