// The whole page state: one typed object that *is* the URL hash, declared as tables of knobs.
// Names follow the Rust RunConfig (src/config.rs, src/tasks/*.rs) so a knob reads the same in
// the URL, in the UI and in the JSON a worker hands to `Session.create`.
//
// Defaults are the task's own: the Rust side resolves a config that names only a task to that
// task's defaults (`task_defaults()` in src/web/mod.rs), and the page reads them from there, so
// `#task=maze` gets maze's model, trainer and task knobs. The URL names only what differs.

export type TaskName = 'arithmetic' | 'chain' | 'maze' | 'bandit';
export type ModelSize = 'tiny' | 'small' | 'default';
/** A named size, or `task`: the task's own default model when it matches no named size. */
export type ModelChoice = ModelSize | 'task';
export type BackendChoice = 'auto' | 'webgpu' | 'cpu';
/** `null` only for a nullable knob left unset (absent from the config). */
export type KnobValue = number | boolean | string | string[] | null;
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One UI control and URL field; `kind` says how it is edited and written. */
export type KnobSpec = { key: string; help: string } & (
  /** `nullable`: empty means unset (what it then means, e.g. "same as digits"); `except`: values the range leaves out. */
  | { kind: 'int'; def: number | null; min: number; max: number; nullable?: string; except?: readonly number[] }
  | { kind: 'float'; def: number; min: number; max: number; step: number }
  | { kind: 'bool'; def: boolean }
  | { kind: 'choice'; def: string; options: readonly string[] }
  | { kind: 'set'; def: readonly string[]; options: readonly string[] }
);

export const TASK_NAMES: readonly TaskName[] = ['arithmetic', 'chain', 'maze', 'bandit'];
/** The task of a page without a hash. */
export const DEFAULT_TASK: TaskName = 'arithmetic';

/**
 * Difficulty knobs per task, with the Rust ranges; `def` is only a fallback: the defaults come
 * from `task_defaults()`.
 */
export const TASK_KNOBS: Record<TaskName, readonly KnobSpec[]> = {
  arithmetic: [
    { key: 'digits', kind: 'int', def: 1, min: 1, max: 4, help: 'operand width in digits (the widest)' },
    { key: 'min_digits', kind: 'int', def: null, min: 1, max: 4, nullable: '= digits', help: 'narrowest operand width: each prompt draws its width from min_digits..digits (empty = digits)' },
    { key: 'ops', kind: 'set', def: ['add'], options: ['add', 'sub', 'mul'], help: 'operations to sample' },
    { key: 'allow_negative', kind: 'bool', def: false, help: 'subtraction may go below zero' },
    { key: 'reversed', kind: 'bool', def: false, help: 'answer written least-significant digit first' },
    { key: 'reward', kind: 'choice', def: 'exact', options: ['exact', 'partial'], help: 'exact answer or credit per position' },
    { key: 'format_weight', kind: 'float', def: 0, min: 0, max: 1, step: 0.05, help: 'weight of the well-formed term' },
  ],
  chain: [
    { key: 'min_terms', kind: 'int', def: 2, min: 2, max: 8, help: 'fewest terms of a sum (3+5+2 has 3)' },
    { key: 'max_terms', kind: 'int', def: 4, min: 2, max: 8, help: 'most terms of a sum (at least min_terms)' },
    { key: 'format_weight', kind: 'float', def: 0, min: 0, max: 1, step: 0.05, help: 'weight of the well-formed term' },
    { key: 'eval_size', kind: 'int', def: 200, min: 1, max: 10000, help: 'held-out problems' },
  ],
  maze: [
    { key: 'size', kind: 'int', def: 5, min: 4, max: 9, help: 'grid side length' },
    { key: 'max_distance', kind: 'int', def: 0, min: 0, max: 64, except: [1], help: 'longest shortest path in moves (0 = a farthest cell; otherwise at least 2)' },
    { key: 'progress_shaping', kind: 'float', def: 0, min: 0, max: 10, step: 0.1, help: 'weight of the dense progress term' },
    { key: 'length_penalty', kind: 'float', def: 0, min: 0, max: 10, step: 0.1, help: 'penalty on detours of correct walks' },
  ],
  bandit: [
    { key: 'arms', kind: 'int', def: 8, min: 2, max: 16, help: 'number of arms' },
    { key: 'distribution', kind: 'choice', def: 'bernoulli', options: ['bernoulli', 'gaussian'], help: 'reward distribution' },
    { key: 'noise_std', kind: 'float', def: 0.5, min: 0.01, max: 5, step: 0.05, help: 'std of Gaussian rewards (> 0)' },
    { key: 'instances', kind: 'int', def: 1, min: 1, max: 16, help: 'bandit instances (contexts)' },
    { key: 'contextual', kind: 'bool', def: false, help: 'name the context even with one instance' },
  ],
};

export interface Train {
  num_generations: number;
  prompts_per_step: number;
  learning_rate: number;
  temperature: number;
  sft_steps: number;
  max_completion_length: number;
  steps: number;
  eval_every: number;
}

/**
 * Trainer knobs the page exposes (TRL names), with their ranges; the others keep the task's
 * defaults on the Rust side. `def` is only a fallback for a wasm build without `task_defaults`.
 */
export const TRAIN_KNOBS: readonly (KnobSpec & { key: keyof Train; kind: 'int' | 'float' })[] = [
  { key: 'num_generations', kind: 'int', def: 8, min: 2, max: 64, help: 'G, completions per prompt' },
  { key: 'prompts_per_step', kind: 'int', def: 16, min: 1, max: 64, help: 'prompts (groups) per step' },
  { key: 'learning_rate', kind: 'float', def: 3e-4, min: 1e-5, max: 0.1, step: 1e-4, help: 'Adam learning rate of the RL steps' },
  { key: 'temperature', kind: 'float', def: 1, min: 0.05, max: 5, step: 0.05, help: 'sampling temperature of the rollouts' },
  { key: 'sft_steps', kind: 'int', def: 100, min: 0, max: 5000, help: 'supervised warm-up steps before RL (shared by the variants of a seed)' },
  { key: 'max_completion_length', kind: 'int', def: 3, min: 1, max: 128, help: 'generation limit in tokens' },
  { key: 'steps', kind: 'int', def: 300, min: 1, max: 100000, help: 'RL steps per run, after the warm-up' },
  { key: 'eval_every', kind: 'int', def: 10, min: 1, max: 10000, help: 'steps between held-out evaluations' },
];

/** Model size presets → ModelConfig fields (src/policy/transformer.rs); context keeps the task's default. */
export const MODEL_SIZES: Record<ModelSize, { d_model: number; n_layers: number; n_heads: number }> = {
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
export const SEEDS_KNOB: KnobSpec & { kind: 'int' } = { key: 'seeds', kind: 'int', def: 1, min: 1, max: MAX_SEEDS, help: 'seeds per variant' };
export const SEED_KNOB: KnobSpec & { kind: 'int' } = { key: 'seed', kind: 'int', def: 0, min: 0, max: Number.MAX_SAFE_INTEGER, help: 'base seed' };

/** One optimizer to compare: a preset plus knob overrides (`{"epsilon_high": 0.3}`). */
export interface Variant {
  preset: string;
  overrides: { [knob: string]: JsonValue };
  label: string;
  colour: string;
}

export interface State {
  task: TaskName;
  /** The current task's knobs, keyed as in TASK_KNOBS[task], in that order. */
  taskKnobs: Record<string, KnobValue>;
  model: ModelChoice;
  train: Train;
  variants: Variant[];
  /** Seeds per variant; seed k of every variant is `seed + k` (paired comparison). */
  seeds: number;
  seed: number;
  backend: BackendChoice;
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

/** What `task_defaults()` returns per task: the whole config `{"task": {"name": …}}` resolves to. */
export interface TaskDefault {
  task: Record<string, JsonValue>;
  model: ModelNumbers & Record<string, JsonValue>;
  train: Record<string, JsonValue>;
  [field: string]: JsonValue;
}
export type TaskDefaults = Record<TaskName, TaskDefault>;

/** What the state functions need from the wasm module: the preset names and the task defaults. */
export interface Catalog {
  presets: readonly string[];
  defaults: TaskDefaults;
}

/** The knobs' own fallback values, for a wasm build that predates `task_defaults()`. */
export function fallbackDefaults(): TaskDefaults {
  const one = (task: TaskName): TaskDefault => ({
    task: { name: task, ...Object.fromEntries(TASK_KNOBS[task].map((s) => [s.key, s.kind === 'set' ? [...s.def] : s.def])) },
    model: { ...MODEL_SIZES.default },
    train: Object.fromEntries(TRAIN_KNOBS.map((s) => [s.key, s.def])),
  });
  return { arithmetic: one('arithmetic'), chain: one('chain'), maze: one('maze'), bandit: one('bandit') };
}

/** Reads `task_defaults()`'s JSON, checking that every task is there. */
export function readTaskDefaults(json: string): TaskDefaults {
  const value = JSON.parse(json) as Partial<Record<TaskName, TaskDefault>>;
  const fallback = fallbackDefaults();
  const one = (task: TaskName): TaskDefault => {
    const d = value[task];
    return d && typeof d === 'object' && d.task && d.model && d.train ? d : fallback[task];
  };
  return { arithmetic: one('arithmetic'), chain: one('chain'), maze: one('maze'), bandit: one('bandit') };
}

/** Whether `value` is a valid value of `spec` (the checks `parse` and the controls make). */
export function knobProblem(spec: KnobSpec, value: KnobValue): string {
  switch (spec.kind) {
    case 'int':
    case 'float': {
      if (value === null && spec.kind === 'int' && spec.nullable) return '';
      const n = value;
      const range = rangeText(spec);
      if (typeof n !== 'number' || !Number.isFinite(n)) return `${spec.key}: "${String(n)}" is not a number; allowed: ${range}`;
      if (spec.kind === 'int' && !Number.isInteger(n)) return `${spec.key}: ${n} is not an integer; allowed: ${range}`;
      if (n < spec.min || n > spec.max || (spec.kind === 'int' && spec.except?.includes(n))) return `${spec.key}: ${n} is out of range; allowed: ${range}`;
      return '';
    }
    case 'bool':
      return typeof value === 'boolean' ? '' : `${spec.key}: "${String(value)}" is not true or false`;
    case 'choice':
      return typeof value === 'string' && spec.options.includes(value) ? '' : `${spec.key}: unknown "${String(value)}"; valid: ${spec.options.join(', ')}`;
    case 'set': {
      if (!Array.isArray(value)) return `${spec.key}: not a list`;
      const bad = value.find((v) => !spec.options.includes(v));
      if (bad !== undefined) return `${spec.key}: unknown "${bad}"; valid: ${spec.options.join(', ')}`;
      if (value.length === 0) return `${spec.key}: choose at least one of ${spec.options.join(', ')}`;
      return new Set(value).size === value.length ? '' : `${spec.key}: "${value.join(',')}" names an option twice`;
    }
  }
}

/** `[1, 4]`, `[0, 64] except 1`, `[1, 4] or empty (same as digits)`. */
export function rangeText(spec: KnobSpec & { kind: 'int' | 'float' }): string {
  let text = `[${spec.min}, ${spec.max}]`;
  if (spec.kind === 'int' && spec.except && spec.except.length > 0) text += ` except ${spec.except.join(', ')}`;
  if (spec.kind === 'int' && spec.nullable) text += ` or empty (${spec.nullable})`;
  return text;
}

/** Rules between knobs of one task (Rust checks them too; the page says so before a run). */
export function crossProblem(task: TaskName, knobs: Record<string, KnobValue>): string {
  if (task === 'chain') {
    const [lo, hi] = [knobs.min_terms, knobs.max_terms];
    if (typeof lo === 'number' && typeof hi === 'number' && hi < lo) return `max_terms: ${hi} is below min_terms (${lo}); allowed: min_terms to 8`;
  }
  if (task === 'arithmetic') {
    const [lo, hi] = [knobs.min_digits, knobs.digits];
    if (typeof lo === 'number' && typeof hi === 'number' && lo > hi) return `min_digits: ${lo} is above digits (${hi}); allowed: 1 to digits, or empty`;
  }
  return '';
}

function copy(value: KnobValue): KnobValue {
  return Array.isArray(value) ? [...value] : value;
}

/** The default of `spec` for `task`: Rust's when it gives a valid one, else the table's. */
function knobDefault(spec: KnobSpec, given: JsonValue | undefined): KnobValue {
  const fallback: KnobValue = spec.kind === 'set' ? [...spec.def] : spec.def;
  if (given === undefined) return fallback;
  const value = (Array.isArray(given) ? given.map(String) : given) as KnobValue;
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? fallback : knobProblem(spec, value) === '' ? copy(value) : fallback;
}

/** The named size with the task default's numbers, else `task`. */
function modelDefault(d: TaskDefault): ModelChoice {
  const found = (Object.keys(MODEL_SIZES) as ModelSize[]).find((name) => {
    const m = MODEL_SIZES[name];
    return m.d_model === d.model.d_model && m.n_layers === d.model.n_layers && m.n_heads === d.model.n_heads;
  });
  return found ?? 'task';
}

/** The task's defaults for the task-dependent part of the state. */
export function taskState(task: TaskName, catalog: Catalog): Pick<State, 'task' | 'taskKnobs' | 'model' | 'train'> {
  const d = catalog.defaults[task];
  return {
    task,
    taskKnobs: Object.fromEntries(TASK_KNOBS[task].map((s) => [s.key, knobDefault(s, d.task[s.key])])),
    model: modelDefault(d),
    train: Object.fromEntries(TRAIN_KNOBS.map((s) => [s.key, knobDefault(s, d.train[s.key])])) as unknown as Train,
  };
}

/** The numbers of a model choice for `task`. */
export function modelNumbers(choice: ModelChoice, task: TaskName, catalog: Catalog): ModelNumbers {
  if (choice !== 'task') return { ...MODEL_SIZES[choice] };
  const m = catalog.defaults[task].model;
  return { d_model: m.d_model, n_layers: m.n_layers, n_heads: m.n_heads };
}

export function newVariant(preset: string, index: number): Variant {
  return { preset, overrides: {}, label: preset, colour: PALETTE[index % PALETTE.length] ?? '#000000' };
}

/** GRPO against Dr. GRPO when the preset table has them, else its first two rows; the task's defaults. */
export function defaultState(catalog: Catalog, task: TaskName = DEFAULT_TASK): State {
  const wanted = ['grpo', 'dr_grpo'].filter((p) => catalog.presets.includes(p));
  const pair = wanted.length === 2 ? wanted : catalog.presets.slice(0, 2);
  return {
    ...taskState(task, catalog),
    variants: pair.map(newVariant),
    seeds: SEEDS_KNOB.def ?? 1,
    seed: SEED_KNOB.def ?? 0,
    backend: 'auto',
  };
}

/** Run `seedIndex` of variant `variantIndex`: every variant's seed k shares prompts and initial weights. */
export function toRunConfig(s: State, variantIndex: number, seedIndex: number, catalog: Catalog): RunConfig {
  const v = s.variants[variantIndex];
  if (!v) throw new Error(`no variant ${variantIndex}`);
  // An unset nullable knob is left out: Rust reads its absence (min_digits: same as digits).
  const knobs = Object.fromEntries(Object.entries(s.taskKnobs).filter(([, value]) => value !== null));
  return {
    task: { name: s.task, ...knobs },
    model: modelNumbers(s.model, s.task, catalog),
    algo: { ...v.overrides, preset: v.preset },
    train: { ...s.train },
    seed: s.seed + seedIndex,
    backend: s.backend === 'webgpu' ? 'wgpu' : s.backend,
  };
}

// ---- URL hash: `task=maze&size=6&model=tiny&...&v0.preset=grpo&v0.label=…&v0.colour=%23...`
// Only what differs from the task's defaults is written (the task and the presets always are).

function writeKnob(value: KnobValue): string {
  return value === null ? '' : Array.isArray(value) ? value.join(',') : String(value);
}

function sameKnob(a: KnobValue | undefined, b: KnobValue | undefined): boolean {
  return Array.isArray(a) && Array.isArray(b) ? a.join(',') === b.join(',') : a === b;
}

export function serialize(s: State, catalog: Catalog): string {
  const base = taskState(s.task, catalog);
  const p = new URLSearchParams();
  p.set('task', s.task);
  for (const spec of TASK_KNOBS[s.task]) {
    const value = s.taskKnobs[spec.key];
    if (value !== undefined && !sameKnob(value, base.taskKnobs[spec.key])) p.set(spec.key, writeKnob(value));
  }
  if (s.model !== base.model) p.set('model', s.model);
  for (const spec of TRAIN_KNOBS) if (s.train[spec.key] !== base.train[spec.key]) p.set(spec.key, String(s.train[spec.key]));
  if (s.seeds !== SEEDS_KNOB.def) p.set('seeds', String(s.seeds));
  if (s.seed !== SEED_KNOB.def) p.set('seed', String(s.seed));
  if (s.backend !== 'auto') p.set('backend', s.backend);
  s.variants.forEach((v, i) => {
    const fallback = newVariant(v.preset, i);
    p.set(`v${i}.preset`, v.preset);
    if (v.label !== fallback.label) p.set(`v${i}.label`, v.label);
    if (v.colour !== fallback.colour) p.set(`v${i}.colour`, v.colour);
    if (Object.keys(v.overrides).length > 0) p.set(`v${i}.overrides`, JSON.stringify(v.overrides));
  });
  return `#${p.toString()}`;
}

function oneOf<T extends string>(field: string, value: string, valid: readonly T[]): T {
  const found = valid.find((v) => v === value);
  if (found === undefined) throw new Error(`${field}: unknown "${value}"; valid: ${valid.join(', ')}`);
  return found;
}

/** The value of `spec` written as `raw` in a URL; `def` when absent. Throws naming the field and range. */
function readKnob(spec: KnobSpec, raw: string | null, def: KnobValue): KnobValue {
  if (raw === null) return copy(def);
  let value: KnobValue;
  switch (spec.kind) {
    case 'int':
    case 'float': {
      if (raw.trim() === '') {
        if (spec.kind === 'int' && spec.nullable) return null;
        throw new Error(`${spec.key}: empty; allowed: ${rangeText(spec)}`);
      }
      const n = Number(raw);
      if (!Number.isFinite(n)) throw new Error(`${spec.key}: "${raw}" is not a number; allowed: ${rangeText(spec)}`);
      value = n;
      break;
    }
    case 'bool':
      value = oneOf(spec.key, raw, ['true', 'false']) === 'true';
      break;
    case 'choice':
      value = raw;
      break;
    case 'set':
      value = raw === '' ? [] : raw.split(',');
      break;
  }
  const problem = knobProblem(spec, value);
  if (problem !== '') throw new Error(problem);
  return value;
}

function readOverrides(field: string, raw: string | null): Variant['overrides'] {
  if (raw === null) return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new Error(`${field}: not JSON: ${raw}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${field}: must be a JSON object of knob overrides`);
  }
  if ('preset' in value) throw new Error(`${field}: choose the preset with the menu, not in overrides`);
  return value as Variant['overrides'];
}

function readColour(field: string, raw: string | null, fallback: string): string {
  if (raw === null) return fallback;
  if (!/^#[0-9a-fA-F]{6}$/.test(raw)) throw new Error(`${field}: "${raw}" is not a colour; allowed: #rrggbb`);
  return raw;
}

/**
 * The state a hash describes; missing fields take the task's defaults. Unknown fields, task,
 * model or preset names and out-of-range values throw an Error that names the field and lists
 * what is valid.
 */
export function parse(hash: string, catalog: Catalog): State {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const read = new Set<string>();
  const get = (key: string): string | null => {
    read.add(key);
    return p.get(key);
  };
  const task = oneOf('task', get('task') ?? DEFAULT_TASK, TASK_NAMES);
  const base = defaultState(catalog, task);
  const taskKnobs = Object.fromEntries(TASK_KNOBS[task].map((s) => [s.key, readKnob(s, get(s.key), base.taskKnobs[s.key] ?? null)]));
  const cross = crossProblem(task, taskKnobs);
  if (cross !== '') throw new Error(cross);
  const train = Object.fromEntries(TRAIN_KNOBS.map((s) => [s.key, readKnob(s, get(s.key), base.train[s.key])])) as unknown as Train;

  const variants: Variant[] = [];
  for (let i = 0; p.has(`v${i}.preset`); i++) {
    const preset = oneOf(`v${i}.preset`, get(`v${i}.preset`) ?? '', catalog.presets);
    const fallback = newVariant(preset, i);
    variants.push({
      preset,
      overrides: readOverrides(`v${i}.overrides`, get(`v${i}.overrides`)),
      label: get(`v${i}.label`) ?? fallback.label,
      colour: readColour(`v${i}.colour`, get(`v${i}.colour`), fallback.colour),
    });
  }
  if (variants.length > 0 && (variants.length < MIN_VARIANTS || variants.length > MAX_VARIANTS)) {
    throw new Error(`variants: ${variants.length} given; valid: ${MIN_VARIANTS} to ${MAX_VARIANTS}`);
  }

  const state: State = {
    task,
    taskKnobs,
    model: oneOf('model', get('model') ?? base.model, MODEL_CHOICES),
    train,
    variants: variants.length > 0 ? variants : base.variants,
    seeds: readKnob(SEEDS_KNOB, get('seeds'), base.seeds) as number,
    seed: readKnob(SEED_KNOB, get('seed'), base.seed) as number,
    backend: oneOf('backend', get('backend') ?? base.backend, BACKEND_CHOICES),
  };
  const unknown = [...p.keys()].filter((k) => !read.has(k));
  if (unknown.length > 0) {
    throw new Error(`unknown URL field(s) ${unknown.join(', ')}; valid: ${[...read].filter((k) => !k.startsWith('v')).join(', ')}, v<N>.preset/label/colour/overrides`);
  }
  return state;
}
