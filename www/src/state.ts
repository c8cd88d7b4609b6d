// The whole page state: one typed object that *is* the URL hash. Its knobs, their ranges and
// their defaults come from the Rust schema (schema.ts); the page decides only which trainer
// knobs it shows first, the named model sizes, and its own knobs (seeds, colours, labels).
//
// Defaults are the task's own: a config naming only a task resolves to that task's defaults
// (`task_defaults` in the schema), so `#task=maze` gets maze's model, trainer and task knobs. The
// URL names only what differs. A lesson (`#lesson=ID`) is a whole state of its own, its setup:
// its URL names the lesson and only what differs from that setup.

import type { Lesson } from './lessons';
import { cut, knobProblem, sameValue, show, specOf, type Catalog, type JsonValue, type KnobSpec, type KnobValue, type PresetInfo, type TaskName } from './schema';

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

/**
 * The trainer knobs the supervised warm-up reads: the variants of a seed share one warm-up only
 * when they agree on these (Rust's `RunConfig::check_branch` before the warm-up's end).
 */
export const WARMUP_TRAIN_KEYS: readonly string[] = [
  'sft_steps', 'sft_learning_rate', 'prompts_per_step', 'max_completion_length',
  'adam_beta1', 'adam_beta2', 'weight_decay', 'max_grad_norm',
];

/** Named model sizes → ModelConfig fields (checked against the schema's model ranges in tests); context keeps the task's default. */
export const MODEL_SIZES: Record<ModelSize, ModelNumbers> = {
  tiny: { d_model: 32, n_layers: 1, n_heads: 2 },
  small: { d_model: 48, n_layers: 2, n_heads: 4 },
  default: { d_model: 64, n_layers: 2, n_heads: 4 },
};
export const MODEL_CHOICES: readonly ModelChoice[] = ['tiny', 'small', 'default', 'task'];

export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'webgpu', 'cpu'];
export const PALETTE: readonly string[] = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf'];
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

function copy(value: KnobValue): KnobValue {
  return Array.isArray(value) ? [...value] : value;
}

/** `given` (the task's default from the schema) checked against `spec`; absent = unset or the knob's default. */
function knobDefault(spec: KnobSpec, given: JsonValue | undefined, where: string): KnobValue {
  if (given === undefined) return spec.unset !== null ? null : copy(spec.def as KnobValue);
  const problem = knobProblem(spec, given as KnobValue);
  if (problem !== '') throw new Error(`schema: ${where}: ${problem}`);
  return copy(given as KnobValue);
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

// ---- a variant's optimizer knobs: the preset's row, then the variant's overrides

export function presetOf(catalog: Catalog, name: string): PresetInfo | undefined {
  return catalog.presets.find((p) => p.name === name);
}

/** The value `preset` gives `spec` (its row, else the knob's default). */
export function presetValue(catalog: Catalog, preset: string, spec: KnobSpec): JsonValue {
  const row = presetOf(catalog, preset)?.knobs ?? {};
  return spec.key in row ? (row[spec.key] ?? null) : (spec.def as JsonValue);
}

/**
 * The value a variant trains with: its override, else its preset's. An override of `null` unsets
 * an optional knob, as Rust reads it (`epsilon_high: null` is "= epsilon" even under dapo).
 */
export function algoValue(catalog: Catalog, v: Variant, spec: KnobSpec): JsonValue {
  return spec.key in v.overrides ? (v.overrides[spec.key] ?? null) : presetValue(catalog, v.preset, spec);
}

/** Sets a knob of a variant: an override, or none when `value` is the preset's own. */
export function setAlgoKnob(catalog: Catalog, v: Variant, spec: KnobSpec, value: JsonValue): void {
  if (sameValue(value, presetValue(catalog, v.preset, spec))) delete v.overrides[spec.key];
  else v.overrides[spec.key] = value;
}

/**
 * What is wrong with an overrides object ('' when nothing): unknown knobs, values out of range.
 * `null` is a value of an optional knob only (it unsets it), as in Rust.
 */
export function overridesProblem(catalog: Catalog, overrides: Record<string, JsonValue>): string {
  for (const [key, value] of Object.entries(overrides)) {
    if (key === 'preset') return 'preset: choose the preset with the menu, not in overrides';
    const spec = catalog.algo.find((s) => s.key === key);
    if (!spec) return `unknown knob ${show(key)}; valid: ${catalog.algo.map((s) => s.key).join(', ')}`;
    const problem = value === null && spec.unset === null ? `${key}: null is not a value of this knob; allowed: ${spec.allowed}` : value === null ? '' : knobProblem(spec, value as KnobValue);
    if (problem !== '') return problem;
  }
  return '';
}

/**
 * What is wrong with a variant's own trainer knobs ('' when nothing): unknown knobs, values out
 * of range (no trainer knob may be unset).
 */
export function trainProblem(catalog: Catalog, train: Record<string, JsonValue>): string {
  for (const [key, value] of Object.entries(train)) {
    const spec = catalog.train.find((s) => s.key === key);
    if (!spec) return `unknown knob ${show(key)}; valid: ${catalog.train.map((s) => s.key).join(', ')}`;
    const problem = knobProblem(spec, value as KnobValue);
    if (problem !== '') return problem;
  }
  return '';
}

/** The trainer knobs variant `i` trains with: the shared ones, its own laid over them. */
export function variantTrain(s: State, i: number): Train {
  return { ...s.train, ...(s.variants[i]?.train ?? {}) } as Train;
}

/** Whether the variants of a seed can share one warm-up: there is one, and they agree on what it reads. */
export function sharesWarmup(s: State): boolean {
  const trains = s.variants.map((_, i) => variantTrain(s, i));
  const first = trains[0];
  if (!first || first.sft_steps <= 0) return false;
  return trains.every((t) => WARMUP_TRAIN_KEYS.every((k) => sameValue(t[k], first[k])));
}

/** The longest warm-up and RL phase of the variants (they differ only with trainer knobs of their own). */
export function phases(s: State): { sft: number; rl: number } {
  const trains = s.variants.map((_, i) => variantTrain(s, i));
  return { sft: Math.max(0, ...trains.map((t) => t.sft_steps)), rl: Math.max(0, ...trains.map((t) => t.steps)) };
}

/**
 * Rules between knobs of one task, worded as Rust words them (Rust checks them too and more, such
 * as a model's heads dividing its width; the page says these before a run).
 */
export function crossProblem(catalog: Catalog, task: TaskName, knobs: Record<string, KnobValue>): string {
  const specs = taskSpecs(catalog, task);
  const has = (key: string): KnobSpec | undefined => specs.find((s) => s.key === key);
  const [minTerms, maxTerms] = [has('min_terms'), has('max_terms')];
  if (minTerms && maxTerms?.kind === 'int') {
    const [lo, hi] = [knobs.min_terms, knobs.max_terms];
    if (typeof lo === 'number' && typeof hi === 'number' && hi < lo) return `max_terms: ${hi} is out of range; allowed: [min_terms = ${lo}, ${maxTerms.max}]`;
  }
  const [minDigits, digits] = [has('min_digits'), has('digits')];
  if (minDigits?.kind === 'int' && digits) {
    const [lo, hi] = [knobs.min_digits, knobs.digits];
    if (typeof lo === 'number' && typeof hi === 'number' && lo > hi) return `min_digits: ${lo} is out of range; allowed: [${minDigits.min}, digits = ${hi}]`;
  }
  return '';
}

/** Run `seedIndex` of variant `variantIndex`: every variant's seed k shares prompts and initial weights. */
export function toRunConfig(s: State, variantIndex: number, seedIndex: number, catalog: Catalog): RunConfig {
  const v = s.variants[variantIndex];
  if (!v) throw new Error(`no variant ${variantIndex}`);
  // An unset knob is left out: Rust reads its absence (min_digits: same as digits).
  const knobs = Object.fromEntries(Object.entries(s.taskKnobs).filter(([, value]) => value !== null));
  return {
    task: { name: s.task, ...knobs },
    model: modelNumbers(s.model, s.task, catalog),
    algo: { ...v.overrides, preset: v.preset },
    train: variantTrain(s, variantIndex),
    seed: s.seed + seedIndex,
    backend: s.backend === 'webgpu' ? 'wgpu' : s.backend,
  };
}

// ---- live knobs: what a running session can take without a Reset

/** What `Session.set_live` takes: `{"train": {...}, "algo": {...}}`. */
export interface LiveChanges {
  train?: Record<string, JsonValue>;
  algo?: Record<string, JsonValue>;
}

/** Whether the runs of `applied` can follow `state`'s variants one to one (same count and presets). */
function sameVariants(applied: State, state: State): boolean {
  return applied.variants.length === state.variants.length && applied.variants.every((v, i) => v.preset === state.variants[i]?.preset);
}

/**
 * Per variant of `applied`, the live knobs `state` sets differently (null: none), with
 * `state`'s values: trainer knobs (shared or the variant's own) when the task is the same,
 * optimizer knobs when the variants are. Restart knobs are not in it; they wait for a Reset.
 */
export function liveDiff(applied: State, state: State, catalog: Catalog): (LiveChanges | null)[] {
  const trainLive = applied.task === state.task ? catalog.train.filter((s) => s.live) : [];
  const algoLive = catalog.algo.filter((s) => s.live);
  const variants = sameVariants(applied, state);
  return applied.variants.map((a, i) => {
    const train: Record<string, JsonValue> = {};
    const was = variantTrain(applied, i);
    const now = variantTrain(state, i);
    for (const spec of trainLive) {
      // Other variants: a run keeps a trainer knob of its own, and follows the shared ones.
      const target = variants ? now[spec.key] : spec.key in a.train ? was[spec.key] : state.train[spec.key];
      if (!sameValue(was[spec.key], target)) train[spec.key] = target as JsonValue;
    }
    const algo: Record<string, JsonValue> = {};
    const v = state.variants[i];
    if (variants && v) {
      for (const spec of algoLive) {
        const value = algoValue(catalog, v, spec);
        if (!sameValue(algoValue(catalog, a, spec), value)) algo[spec.key] = value;
      }
    }
    const changes: LiveChanges = {};
    if (Object.keys(train).length > 0) changes.train = train;
    if (Object.keys(algo).length > 0) changes.algo = algo;
    return changes.train || changes.algo ? changes : null;
  });
}

/**
 * `applied` once the runs took `liveDiff(applied, state)`: its live knobs written as `state`
 * writes them (so the two serialise alike when nothing else differs), the rest as they were.
 */
export function withLive(applied: State, state: State, catalog: Catalog): State {
  const next: State = structuredClone(applied);
  const trainLive = applied.task === state.task ? catalog.train.filter((s) => s.live).map((s) => s.key) : [];
  const algoLive = catalog.algo.filter((s) => s.live).map((s) => s.key);
  for (const key of trainLive) next.train[key] = state.train[key] ?? null;
  if (!sameVariants(applied, state)) return next;
  next.variants.forEach((v, i) => {
    const target = state.variants[i];
    if (!target) return;
    const copy = (keys: readonly string[], to: Record<string, JsonValue>, from: Record<string, JsonValue>): void => {
      for (const key of keys) {
        if (key in from) to[key] = from[key] ?? null;
        else delete to[key];
      }
    };
    copy(trainLive, v.train, target.train);
    copy(algoLive, v.overrides, target.overrides);
  });
  return next;
}

// ---- lessons: a lesson's setup is a whole state

/** The lesson `id`; an unknown id lists the valid ones. */
export function lessonOf(catalog: Catalog, id: string): Lesson {
  const found = catalog.lessons.find((l) => l.id === id);
  if (!found) {
    const valid = catalog.lessons.map((l) => l.id);
    throw new Error(`lesson: unknown ${show(id)}; valid: ${valid.length > 0 ? valid.join(', ') : '(no lessons in this build)'}`);
  }
  return found;
}

function isRecord(x: unknown): x is Record<string, JsonValue> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * The page state of `lesson`'s setup: its task and knobs, model, trainer knobs, seed and seeds
 * over the task's defaults, and its variants (preset, overrides, trainer knobs of their own,
 * label) in its order with the page's colours. Throws naming the lesson and field for what the
 * page cannot hold (a model of none of its sizes) or a value out of range.
 */
export function lessonState(lesson: Lesson, catalog: Catalog): State {
  const at = `lesson ${lesson.id}: setup`;
  const config = lesson.setup.config;
  for (const key of Object.keys(config)) {
    if (!['task', 'model', 'train', 'seed'].includes(key)) throw new Error(`${at}.config.${key}: the page sets only task, model, train and seed`);
  }
  const task = isRecord(config.task) ? config.task : {};
  const name = typeof task.name === 'string' ? task.name : defaultTask(catalog);
  if (!catalog.tasks.includes(name)) throw new Error(`${at}.config.task.name: unknown ${show(name)}; valid: ${catalog.tasks.join(', ')}`);
  const base = taskState(name, catalog);
  const specs = taskSpecs(catalog, name);
  for (const [key, value] of Object.entries(task)) {
    if (key === 'name') continue;
    const spec = specs.find((s) => s.key === key);
    if (!spec) throw new Error(`${at}.config.task.${key}: not a knob of ${name}; valid: ${specs.map((s) => s.key).join(', ')}`);
    const problem = knobProblem(spec, value as KnobValue);
    if (problem !== '') throw new Error(`${at}.config.task.${problem}`);
    base.taskKnobs[key] = value as KnobValue;
  }
  const cross = crossProblem(catalog, name, base.taskKnobs);
  if (cross !== '') throw new Error(`${at}.config.task.${cross}`);
  if (config.model !== undefined) {
    const model = isRecord(config.model) ? config.model : {};
    const numbers: Record<string, JsonValue> = { ...modelNumbers(base.model, name, catalog), ...model };
    const choice = MODEL_CHOICES.find((c) => sameValue(modelNumbers(c, name, catalog) as unknown as JsonValue, numbers));
    if (!choice) throw new Error(`${at}.config.model: ${JSON.stringify(model)} is none of the page's sizes (${MODEL_CHOICES.join(', ')})`);
    base.model = choice;
  }
  const train = isRecord(config.train) ? config.train : {};
  const trainIssue = trainProblem(catalog, train);
  if (trainIssue !== '') throw new Error(`${at}.config.train.${trainIssue}`);
  Object.assign(base.train, train);
  const seed = config.seed ?? SEED_KNOB.def ?? 0;
  const seedIssue = knobProblem(SEED_KNOB, seed as KnobValue);
  if (seedIssue !== '') throw new Error(`${at}.config.${seedIssue}`);
  const presets = catalog.presets.map((p) => p.name);
  const variants = lesson.setup.variants.map((v, i): Variant => {
    const where = `${at}.variants[${i}]`;
    oneOf(`${where}.preset`, v.preset, presets);
    const overrides = overridesProblem(catalog, v.overrides);
    if (overrides !== '') throw new Error(`${where}.overrides.${overrides}`);
    const own = trainProblem(catalog, v.train);
    if (own !== '') throw new Error(`${where}.train.${own}`);
    return { ...newVariant(v.preset, i), overrides: structuredClone(v.overrides), train: structuredClone(v.train), label: v.label };
  });
  if (variants.length < MIN_VARIANTS || variants.length > MAX_VARIANTS) throw new Error(`${at}.variants: ${variants.length}; valid: ${MIN_VARIANTS} to ${MAX_VARIANTS}`);
  const seeds = knobProblem(SEEDS_KNOB, lesson.setup.seeds);
  if (seeds !== '') throw new Error(`${at}.${seeds}`);
  return { ...base, variants, seeds: lesson.setup.seeds, seed: seed as number, backend: 'auto', lesson: lesson.id };
}

/** Whether `s` is its lesson's setup exactly (the backend aside); false without a lesson. */
export function isLessonSetup(s: State, catalog: Catalog): boolean {
  if (s.lesson === null) return false;
  const own = lessonState(lessonOf(catalog, s.lesson), catalog);
  return serialize({ ...s, backend: 'auto' }, catalog) === serialize(own, catalog);
}

/** Order-blind equality of JSON values (overrides written in another key order are the same). */
function sameJson(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && sameJson(a[k], b[k]));
  }
  return a === b;
}

/**
 * What a hash leaves out means: the lesson's setup when it names one (another task than the
 * lesson's brings that task's defaults, as the task menu does), else the task's defaults.
 */
function baseState(catalog: Catalog, task: TaskName, lesson: State | null): State {
  if (!lesson) return defaultState(catalog, task);
  return lesson.task === task ? lesson : { ...lesson, ...taskState(task, catalog) };
}

// ---- URL hash: `task=maze&size=6&model=tiny&...&v0.preset=grpo&v0.label=…&v0.colour=%23...`
// Only what differs from the task's defaults is written (the task and the presets always are);
// with a lesson, `lesson=ID` and only what differs from its setup (`#lesson=kl-beta&steps=20`).

function writeKnob(value: KnobValue): string {
  if (value === null) return '';
  if (Array.isArray(value)) return value.join(',');
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export function serialize(s: State, catalog: Catalog): string {
  const lesson = s.lesson === null ? null : lessonState(lessonOf(catalog, s.lesson), catalog);
  const base = baseState(catalog, s.task, lesson);
  const p = new URLSearchParams();
  if (s.lesson !== null) p.set('lesson', s.lesson);
  if (!lesson || lesson.task !== s.task) p.set('task', s.task);
  for (const spec of taskSpecs(catalog, s.task)) {
    const value = s.taskKnobs[spec.key];
    if (value !== undefined && !sameValue(value, base.taskKnobs[spec.key])) p.set(spec.key, writeKnob(value));
  }
  if (s.model !== base.model) p.set('model', s.model);
  for (const spec of everyTrainSpec(catalog)) {
    const value = s.train[spec.key];
    if (value !== undefined && !sameValue(value, base.train[spec.key])) p.set(spec.key, writeKnob(value));
  }
  if (s.seeds !== base.seeds) p.set('seeds', String(s.seeds));
  if (s.seed !== base.seed) p.set('seed', String(s.seed));
  if (s.backend !== 'auto') p.set('backend', s.backend);
  // A lesson's own variants are not written; any change writes them all.
  if (!lesson || !sameJson(s.variants, lesson.variants)) {
    s.variants.forEach((v, i) => {
      const fallback = newVariant(v.preset, i);
      p.set(`v${i}.preset`, v.preset);
      if (v.label !== fallback.label) p.set(`v${i}.label`, v.label);
      if (v.colour !== fallback.colour) p.set(`v${i}.colour`, v.colour);
      if (Object.keys(v.overrides).length > 0) p.set(`v${i}.overrides`, JSON.stringify(v.overrides));
      if (Object.keys(v.train).length > 0) p.set(`v${i}.train`, JSON.stringify(v.train));
    });
  }
  return `#${p.toString()}`;
}

function oneOf<T extends string>(field: string, value: string, valid: readonly T[]): T {
  const found = valid.find((v) => v === value);
  if (found === undefined) throw new Error(`${field}: unknown ${show(value)}; valid: ${valid.join(', ')}`);
  return found;
}

/** The value of `spec` written as `raw` in a URL; `def` when absent. Throws naming the field and range. */
export function readKnob(spec: KnobSpec, raw: string | null, def: KnobValue): KnobValue {
  if (raw === null) return copy(def);
  let value: KnobValue;
  switch (spec.kind) {
    case 'int':
    case 'float':
      if (raw.trim() === '') {
        if (spec.unset !== null) return null;
        throw new Error(`${spec.key}: empty; allowed: ${spec.allowed}`);
      }
      value = Number(raw);
      if (!Number.isFinite(value)) throw new Error(`${spec.key}: ${show(raw)} is not a number; allowed: ${spec.allowed}`);
      // "-0" is 0: the URL writes it back as "0", and a state must survive its own link.
      if (value === 0) value = 0;
      break;
    case 'bool':
      value = raw === 'true' ? true : raw === 'false' ? false : raw;
      break;
    case 'choice':
      value = raw;
      break;
    case 'set':
      value = raw === '' ? [] : raw.split(',');
      break;
    case 'tokens':
      try {
        value = JSON.parse(raw) as KnobValue;
      } catch {
        throw new Error(`${spec.key}: ${show(raw)} is not JSON; allowed: ${spec.allowed}`);
      }
      break;
  }
  const problem = knobProblem(spec, value);
  if (problem !== '') throw new Error(problem);
  return value;
}

/** A JSON object from the URL field `field` (null when absent). */
function readObject(field: string, raw: string | null, what: string): Record<string, JsonValue> | null {
  if (raw === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new Error(`${field}: not JSON: ${show(raw)}; allowed: a JSON object of ${what}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${field}: must be a JSON object of ${what}, not ${show(value)}; allowed: {"<knob>": value, …}`);
  }
  return value as Record<string, JsonValue>;
}

function readOverrides(field: string, raw: string | null, catalog: Catalog): Variant['overrides'] {
  const value = readObject(field, raw, 'knob overrides');
  if (value === null) return {};
  const problem = overridesProblem(catalog, value);
  if (problem !== '') throw new Error(`${field}.${problem}`);
  return value;
}

/** `v<N>.train`: trainer knobs of one variant, checked against the schema's trainer knobs. */
function readVariantTrain(field: string, raw: string | null, catalog: Catalog): Variant['train'] {
  const value = readObject(field, raw, 'trainer knobs');
  if (value === null) return {};
  const problem = trainProblem(catalog, value);
  if (problem !== '') throw new Error(`${field}.${problem}`);
  return value;
}

function readColour(field: string, raw: string | null, fallback: string): string {
  if (raw === null) return fallback;
  if (!/^#[0-9a-fA-F]{6}$/.test(raw)) throw new Error(`${field}: ${show(raw)} is not a colour; allowed: #rrggbb`);
  return raw;
}

function readLabel(field: string, raw: string | null, fallback: string): string {
  if (raw === null) return fallback;
  if (raw.length > MAX_LABEL) throw new Error(`${field}: ${raw.length} characters; allowed: at most ${MAX_LABEL}`);
  return raw;
}

/**
 * The state a hash describes; missing fields take the task's defaults, or with `lesson=ID` the
 * lesson's setup. Unknown fields, lesson, task, model, preset or knob names and out-of-range
 * values throw an Error that names the field and what is valid.
 */
export function parse(hash: string, catalog: Catalog): State {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const read = new Set<string>();
  const get = (key: string): string | null => {
    read.add(key);
    return p.get(key);
  };
  // Read first, listed last among the valid fields.
  const lessonId = p.get('lesson');
  const lesson = lessonId === null ? null : lessonState(lessonOf(catalog, lessonId), catalog);
  const task = oneOf('task', get('task') ?? lesson?.task ?? defaultTask(catalog), catalog.tasks);
  const base = baseState(catalog, task, lesson);
  const taskKnobs = Object.fromEntries(taskSpecs(catalog, task).map((s) => [s.key, readKnob(s, get(s.key), base.taskKnobs[s.key] ?? null)]));
  const cross = crossProblem(catalog, task, taskKnobs);
  if (cross !== '') throw new Error(cross);
  const train = Object.fromEntries(everyTrainSpec(catalog).map((s) => [s.key, readKnob(s, get(s.key), base.train[s.key] ?? null)])) as Train;

  const presets = catalog.presets.map((x) => x.name);
  const variants: Variant[] = [];
  for (let i = 0; p.has(`v${i}.preset`); i++) {
    // Stops at the first one too many: a link with thousands of variants costs no more.
    if (i === MAX_VARIANTS) throw new Error(`variants: more than ${MAX_VARIANTS} given; valid: ${MIN_VARIANTS} to ${MAX_VARIANTS}`);
    const preset = oneOf(`v${i}.preset`, get(`v${i}.preset`) ?? '', presets);
    const fallback = newVariant(preset, i);
    variants.push({
      preset,
      overrides: readOverrides(`v${i}.overrides`, get(`v${i}.overrides`), catalog),
      train: readVariantTrain(`v${i}.train`, get(`v${i}.train`), catalog),
      label: readLabel(`v${i}.label`, get(`v${i}.label`), fallback.label),
      colour: readColour(`v${i}.colour`, get(`v${i}.colour`), fallback.colour),
    });
  }
  if (variants.length > 0 && variants.length < MIN_VARIANTS) {
    throw new Error(`variants: ${variants.length} given; valid: ${MIN_VARIANTS} to ${MAX_VARIANTS}`);
  }

  const state: State = {
    task,
    taskKnobs,
    model: oneOf('model', get('model') ?? base.model, MODEL_CHOICES),
    train,
    variants: variants.length > 0 ? variants : structuredClone(base.variants),
    seeds: readKnob(SEEDS_KNOB, get('seeds'), base.seeds) as number,
    seed: readKnob(SEED_KNOB, get('seed'), base.seed) as number,
    backend: oneOf('backend', get('backend') ?? base.backend, BACKEND_CHOICES),
    lesson: lessonId,
  };
  read.add('lesson');
  const unknown = [...new Set(p.keys())].filter((k) => !read.has(k));
  if (unknown.length > 0) {
    const named = unknown.slice(0, 5).map((k) => cut(k, 40)).join(', ') + (unknown.length > 5 ? ` and ${unknown.length - 5} more` : '');
    throw new Error(`unknown URL field(s) ${named}; valid: ${[...read].filter((k) => !/^v\d+\./.test(k)).join(', ')}, v<N>.preset/label/colour/overrides/train`);
  }
  return state;
}
