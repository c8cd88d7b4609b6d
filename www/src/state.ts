// The whole page state: one typed object that *is* the URL hash, declared as tables of knobs.
// Names follow the Rust RunConfig (src/config.rs, src/tasks/*.rs) so a knob reads the same in
// the URL, in the UI and in the JSON a worker hands to `Session.create`.

export type TaskName = 'arithmetic' | 'maze' | 'bandit';
export type ModelSize = 'tiny' | 'small' | 'default';
export type BackendChoice = 'auto' | 'webgpu' | 'cpu';
export type KnobValue = number | boolean | string | string[];
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One UI control and URL field; `kind` says how it is edited and written. */
export type KnobSpec = { key: string; help: string } & (
  | { kind: 'int'; def: number; min: number; max: number }
  | { kind: 'float'; def: number; min: number; max: number; step: number }
  | { kind: 'bool'; def: boolean }
  | { kind: 'choice'; def: string; options: readonly string[] }
  | { kind: 'set'; def: readonly string[]; options: readonly string[] }
);

export const TASK_NAMES: readonly TaskName[] = ['arithmetic', 'maze', 'bandit'];

/** Difficulty knobs per task, with the Rust defaults and ranges. */
export const TASK_KNOBS: Record<TaskName, readonly KnobSpec[]> = {
  arithmetic: [
    { key: 'digits', kind: 'int', def: 1, min: 1, max: 4, help: 'operand width in digits' },
    { key: 'ops', kind: 'set', def: ['add'], options: ['add', 'sub', 'mul'], help: 'operations to sample' },
    { key: 'allow_negative', kind: 'bool', def: false, help: 'subtraction may go below zero' },
    { key: 'reversed', kind: 'bool', def: false, help: 'answer written least-significant digit first' },
    { key: 'reward', kind: 'choice', def: 'exact', options: ['exact', 'partial'], help: 'exact answer or credit per position' },
    { key: 'format_weight', kind: 'float', def: 0, min: 0, max: 1, step: 0.05, help: 'weight of the well-formed term' },
  ],
  maze: [
    { key: 'size', kind: 'int', def: 5, min: 4, max: 9, help: 'grid side length' },
    { key: 'max_distance', kind: 'int', def: 0, min: 0, max: 64, help: 'longest shortest path (0 = farthest cell; 1 is invalid)' },
    { key: 'progress_shaping', kind: 'float', def: 0, min: 0, max: 10, step: 0.1, help: 'weight of the dense progress term' },
    { key: 'length_penalty', kind: 'float', def: 0, min: 0, max: 10, step: 0.1, help: 'penalty on detours of correct walks' },
  ],
  bandit: [
    { key: 'arms', kind: 'int', def: 8, min: 2, max: 16, help: 'number of arms' },
    { key: 'distribution', kind: 'choice', def: 'bernoulli', options: ['bernoulli', 'gaussian'], help: 'reward distribution' },
    { key: 'noise_std', kind: 'float', def: 0.5, min: 0.05, max: 5, step: 0.05, help: 'std of Gaussian rewards' },
    { key: 'instances', kind: 'int', def: 1, min: 1, max: 16, help: 'bandit instances (contexts)' },
    { key: 'contextual', kind: 'bool', def: false, help: 'name the context even with one instance' },
  ],
};

export interface Train {
  num_generations: number;
  prompts_per_step: number;
  learning_rate: number;
  sft_steps: number;
  max_completion_length: number;
  steps: number;
}

/** Trainer knobs the page exposes (TRL names); the rest keep the Rust defaults. */
export const TRAIN_KNOBS: readonly (KnobSpec & { key: keyof Train; kind: 'int' | 'float' })[] = [
  { key: 'num_generations', kind: 'int', def: 8, min: 1, max: 64, help: 'G, completions per prompt' },
  { key: 'prompts_per_step', kind: 'int', def: 16, min: 1, max: 64, help: 'prompts (groups) per step' },
  { key: 'learning_rate', kind: 'float', def: 3e-4, min: 1e-5, max: 0.1, step: 1e-4, help: 'Adam learning rate' },
  { key: 'sft_steps', kind: 'int', def: 100, min: 0, max: 1000, help: 'supervised warm-up steps before RL' },
  { key: 'max_completion_length', kind: 'int', def: 3, min: 1, max: 128, help: 'generation limit in tokens' },
  { key: 'steps', kind: 'int', def: 300, min: 1, max: 100000, help: 'training steps per run' },
];

/** Model size presets → ModelConfig fields (src/policy/transformer.rs); context keeps its default. */
export const MODEL_SIZES: Record<ModelSize, { d_model: number; n_layers: number; n_heads: number }> = {
  tiny: { d_model: 32, n_layers: 1, n_heads: 2 },
  small: { d_model: 48, n_layers: 2, n_heads: 4 },
  default: { d_model: 64, n_layers: 2, n_heads: 4 },
};

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
  model: ModelSize;
  train: Train;
  variants: Variant[];
  /** Seeds per variant; seed k of every variant is `seed + k` (paired comparison). */
  seeds: number;
  seed: number;
  backend: BackendChoice;
}

/** The JSON `Session.create` reads (Rust `RunConfig`). */
export interface RunConfig {
  task: { name: TaskName; [knob: string]: KnobValue };
  model: { d_model: number; n_layers: number; n_heads: number };
  algo: { preset: string; [knob: string]: JsonValue };
  train: Train;
  seed: number;
  backend: 'auto' | 'cpu' | 'wgpu';
}

export function defaultKnobs(specs: readonly KnobSpec[]): Record<string, KnobValue> {
  return Object.fromEntries(specs.map((s) => [s.key, s.kind === 'set' ? [...s.def] : s.def]));
}

export function newVariant(preset: string, index: number): Variant {
  return { preset, overrides: {}, label: preset, colour: PALETTE[index % PALETTE.length] };
}

/** GRPO against Dr. GRPO when the preset table has them, else its first two rows. */
export function defaultState(presets: readonly string[]): State {
  const wanted = ['grpo', 'dr_grpo'].filter((p) => presets.includes(p));
  const pair = wanted.length === 2 ? wanted : presets.slice(0, 2);
  return {
    task: 'arithmetic',
    taskKnobs: defaultKnobs(TASK_KNOBS.arithmetic),
    model: 'default',
    train: defaultKnobs(TRAIN_KNOBS) as unknown as Train,
    variants: pair.map(newVariant),
    seeds: SEEDS_KNOB.def,
    seed: SEED_KNOB.def,
    backend: 'auto',
  };
}

/** Run `seedIndex` of variant `variantIndex`: every variant's seed k shares prompts and initial weights. */
export function toRunConfig(s: State, variantIndex: number, seedIndex: number): RunConfig {
  const v = s.variants[variantIndex];
  if (!v) throw new Error(`no variant ${variantIndex}`);
  return {
    task: { name: s.task, ...s.taskKnobs },
    model: { ...MODEL_SIZES[s.model] },
    algo: { ...v.overrides, preset: v.preset },
    train: { ...s.train },
    seed: s.seed + seedIndex,
    backend: s.backend === 'webgpu' ? 'wgpu' : s.backend,
  };
}

// ---- URL hash: `task=maze&size=6&model=tiny&...&v0.preset=grpo&v0.label=grpo&v0.colour=%23...`

function writeKnob(value: KnobValue): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}

export function serialize(s: State): string {
  const p = new URLSearchParams();
  p.set('task', s.task);
  for (const spec of TASK_KNOBS[s.task]) p.set(spec.key, writeKnob(s.taskKnobs[spec.key] ?? ''));
  p.set('model', s.model);
  for (const spec of TRAIN_KNOBS) p.set(spec.key, String(s.train[spec.key]));
  p.set('seeds', String(s.seeds));
  p.set('seed', String(s.seed));
  p.set('backend', s.backend);
  s.variants.forEach((v, i) => {
    p.set(`v${i}.preset`, v.preset);
    p.set(`v${i}.label`, v.label);
    p.set(`v${i}.colour`, v.colour);
    if (Object.keys(v.overrides).length > 0) p.set(`v${i}.overrides`, JSON.stringify(v.overrides));
  });
  return `#${p.toString()}`;
}

function oneOf<T extends string>(field: string, value: string, valid: readonly T[]): T {
  const found = valid.find((v) => v === value);
  if (found === undefined) throw new Error(`${field}: unknown "${value}"; valid: ${valid.join(', ')}`);
  return found;
}

function readKnob(spec: KnobSpec, raw: string | null): KnobValue {
  if (raw === null) return spec.kind === 'set' ? [...spec.def] : spec.def;
  switch (spec.kind) {
    case 'int':
    case 'float': {
      const n = Number(raw);
      const whole = spec.kind === 'float' || Number.isInteger(n);
      if (raw.trim() === '' || !Number.isFinite(n) || !whole || n < spec.min || n > spec.max) {
        throw new Error(`${spec.key}: "${raw}" is not ${spec.kind === 'int' ? 'an integer' : 'a number'} in [${spec.min}, ${spec.max}]`);
      }
      return n;
    }
    case 'bool':
      return oneOf(spec.key, raw, ['true', 'false']) === 'true';
    case 'choice':
      return oneOf(spec.key, raw, spec.options);
    case 'set':
      return raw === '' ? [] : raw.split(',').map((item) => oneOf(spec.key, item, spec.options));
  }
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

/**
 * The state a hash describes; missing fields take their defaults. Unknown fields, task, model
 * or preset names and out-of-range values throw an Error that lists what is valid.
 */
export function parse(hash: string, presets: readonly string[]): State {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const read = new Set<string>();
  const get = (key: string): string | null => {
    read.add(key);
    return p.get(key);
  };
  const base = defaultState(presets);
  const task = oneOf('task', get('task') ?? base.task, TASK_NAMES);
  const taskKnobs = Object.fromEntries(TASK_KNOBS[task].map((s) => [s.key, readKnob(s, get(s.key))]));
  const train = Object.fromEntries(TRAIN_KNOBS.map((s) => [s.key, readKnob(s, get(s.key))])) as unknown as Train;

  const variants: Variant[] = [];
  for (let i = 0; p.has(`v${i}.preset`); i++) {
    const preset = oneOf(`v${i}.preset`, get(`v${i}.preset`) ?? '', presets);
    const fallback = newVariant(preset, i);
    variants.push({
      preset,
      overrides: readOverrides(`v${i}.overrides`, get(`v${i}.overrides`)),
      label: get(`v${i}.label`) ?? fallback.label,
      colour: get(`v${i}.colour`) ?? fallback.colour,
    });
  }
  if (variants.length > 0 && (variants.length < MIN_VARIANTS || variants.length > MAX_VARIANTS)) {
    throw new Error(`variants: ${variants.length} given; valid: ${MIN_VARIANTS} to ${MAX_VARIANTS}`);
  }

  const state: State = {
    task,
    taskKnobs,
    model: oneOf('model', get('model') ?? base.model, Object.keys(MODEL_SIZES) as ModelSize[]),
    train,
    variants: variants.length > 0 ? variants : base.variants,
    seeds: readKnob(SEEDS_KNOB, get('seeds')) as number,
    seed: readKnob(SEED_KNOB, get('seed')) as number,
    backend: oneOf('backend', get('backend') ?? base.backend, BACKEND_CHOICES),
  };
  const unknown = [...p.keys()].filter((k) => !read.has(k));
  if (unknown.length > 0) {
    throw new Error(`unknown URL field(s) ${unknown.join(', ')}; valid: ${[...read].filter((k) => !k.startsWith('v')).join(', ')}, v<N>.preset/label/colour/overrides`);
  }
  return state;
}
