// The Rust schema: `schema()` in the wasm (`grpo-playground schema` natively) describes every
// knob — default, range, help, paper, live or restart — the presets, each task's default config,
// the metrics, the formulas and what each method declares beside its formula (`methods`), and the
// spelling of every token. The page builds its controls, validation and URL parsing from it and
// copies none of it. This file is the one place that turns the schema's knob objects into the
// page's `KnobSpec`, and checks a value exactly as Rust's `Knob::check` does.

import type { MeasureInfo } from './generated/MeasureInfo';
import type { MetricInfo } from './generated/MetricInfo';
import type { PresetInfo } from './generated/PresetInfo';
import type { JsonValue } from './generated/serde_json/JsonValue';
import type { SymbolInfo } from './generated/SymbolInfo';
import type { Lesson } from './lessons';
import type { Clip, Declaration, Methods } from './methods';

// Generated from the Rust types (src/typescript.rs): serde_json's value, a preset row, a measure,
// a metric and a symbol of the formulas as the schema document writes them.
export type { JsonValue, MeasureInfo, MetricInfo, PresetInfo, SymbolInfo };

/** A task name as the schema lists them (`arithmetic`, `chain`, `maze`, `bandit`). */
export type TaskName = string;
/** DAPO's overlong buffer in tokens, or a fraction of `max_completion_length`. */
export type Tokens = number | { fraction_of_max: number };
/** A weight ≥ 0 per named reward component (a task's `reward_weights`). */
export type Weights = Record<string, number>;
/** `null` only for a knob that may be left unset (what that means is its `unset`). */
export type KnobValue = number | boolean | string | string[] | { fraction_of_max: number } | Weights | null;

/** One knob, as a control, a URL field and a JSON override read it. */
export type KnobSpec = {
  key: string;
  /** Dotted path in a run config (`train.learning_rate`); `page.…` for the page's own knobs. */
  path: string;
  help: string;
  /** The paper it comes from; empty for engineering knobs. */
  source: string;
  /** Whether a running session takes a new value between steps (`Session.set_live`). */
  live: boolean;
  /** What leaving it unset (`null`, empty in the URL) means; null: it always has a value. */
  unset: string | null;
  /** The accepted values as Rust's messages write them: `[1, 4]`, `> 0`, `[0, 64] except 1`. */
  allowed: string;
} & (
  | { kind: 'int'; def: number | null; min: number; max: number | null; except: readonly number[] }
  | { kind: 'float'; def: number | null; min: number | null; max: number | null; exclusiveMin: boolean; exclusiveMax: boolean }
  | { kind: 'bool'; def: boolean }
  | { kind: 'choice'; def: string; options: readonly string[] }
  | { kind: 'set'; def: readonly string[]; options: readonly string[] }
  /** Edited as JSON only (a number of tokens or `{"fraction_of_max": f}`). */
  | { kind: 'tokens'; def: Tokens }
  /** Edited as JSON only: `{"<component>": weight, …}` for some of `options`. */
  | { kind: 'weights'; def: Weights | null; options: readonly string[] }
);

/**
 * Every choice's formula as KaTeX, declared in Rust beside each variant (`tex()`), keyed by
 * knob and then by the choice's name; the filters' and shapings' by the knob that turns them on.
 */
export interface Formulas {
  choices: Readonly<Record<string, Readonly<Record<string, string>>>>;
  dualClip: string;
  klInLoss: string;
  klInReward: string;
  filters: Readonly<Record<string, string>>;
  shaping: Readonly<Record<string, string>>;
  symbols: readonly SymbolInfo[];
  /** The estimators that imply a filter of their own (`filters.adv_estimator`). */
  impliedFilter: readonly string[];
  /** What each method declares beside its formula (the schema's `methods`). */
  methods: Methods;
}

/** What a config naming only the task resolves to (the complete Rust `RunConfig`). */
export interface TaskDefault {
  task: Record<string, JsonValue>;
  model: Record<string, JsonValue>;
  train: Record<string, JsonValue>;
  algo: Record<string, JsonValue>;
  [field: string]: JsonValue;
}

/** The schema, read and checked, with its knobs as `KnobSpec`s. */
export interface Catalog {
  /** The tasks in the schema's order. */
  tasks: readonly TaskName[];
  /** Each task's difficulty knobs, in declaration order. */
  taskKnobs: Readonly<Record<TaskName, readonly KnobSpec[]>>;
  train: readonly KnobSpec[];
  algo: readonly KnobSpec[];
  model: readonly KnobSpec[];
  defaults: Readonly<Record<TaskName, TaskDefault>>;
  presets: readonly PresetInfo[];
  metrics: readonly MetricInfo[];
  measures: readonly MeasureInfo[];
  formulas: Formulas;
  /** `tokens[id]` spells token `id`. */
  tokens: readonly string[];
  /** The lessons (`lessons()` in the wasm, read by lessons.ts), in file order; none in `readSchema`'s result. */
  lessons: readonly Lesson[];
}

const KINDS = ['int', 'float', 'bool', 'choice', 'set', 'tokens', 'weights'] as const;

function fail(where: string, problem: string): never {
  throw new Error(`schema: ${where}: ${problem}`);
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function text(o: Record<string, unknown>, field: string, where: string): string {
  const v = o[field];
  if (typeof v !== 'string') fail(where, `${field} is not a string`);
  return v;
}

function num(o: Record<string, unknown>, field: string, where: string, nullable: boolean): number | null {
  const v = o[field] ?? null;
  if (v === null && nullable) return null;
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(where, `${field} is not a number`);
  return v;
}

function strings(o: Record<string, unknown>, field: string, where: string): string[] {
  const v = o[field];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) fail(where, `${field} is not a list of strings`);
  return v as string[];
}

/** One knob object of the schema as the page's `KnobSpec`; throws naming what does not fit. */
export function toKnobSpec(raw: unknown, section: string): KnobSpec {
  if (!isObject(raw)) fail(section, 'a knob is not an object');
  const key = text(raw, 'key', section);
  const where = `${section}.${key}`;
  const kind = KINDS.find((k) => k === raw.kind) ?? fail(where, `unknown kind ${JSON.stringify(raw.kind)}`);
  const unset = raw.unset === undefined || raw.unset === null ? null : text(raw, 'unset', where);
  const base = {
    key,
    path: typeof raw.path === 'string' ? raw.path : `${section}.${key}`,
    help: text(raw, 'help', where),
    source: typeof raw.source === 'string' ? raw.source : '',
    live: raw.live === true,
    unset,
    allowed: text(raw, 'allowed', where),
  };
  const def = raw.default;
  let spec: KnobSpec;
  switch (kind) {
    case 'int': {
      const except = raw.except ?? [];
      if (!Array.isArray(except) || !except.every((x) => Number.isInteger(x))) fail(where, 'except is not a list of integers');
      spec = { ...base, kind, def: def === null ? null : (def as number), min: num(raw, 'min', where, false) ?? 0, max: num(raw, 'max', where, true), except: except as number[] };
      break;
    }
    case 'float':
      spec = {
        ...base, kind, def: def === null ? null : (def as number),
        min: num(raw, 'min', where, true), max: num(raw, 'max', where, true),
        exclusiveMin: raw.exclusive_min === true, exclusiveMax: raw.exclusive_max === true,
      };
      break;
    case 'bool':
      spec = { ...base, kind, def: def as boolean };
      break;
    case 'choice':
      spec = { ...base, kind, def: def as string, options: strings(raw, 'options', where) };
      break;
    case 'set':
      spec = { ...base, kind, def: (def ?? []) as string[], options: strings(raw, 'options', where) };
      break;
    case 'tokens':
      spec = { ...base, kind, def: def as Tokens };
      break;
    case 'weights':
      spec = { ...base, kind, def: (def ?? null) as Weights | null, options: strings(raw, 'options', where) };
      break;
  }
  // The schema's own default must pass its own range.
  const problem = knobProblem(spec, spec.def as KnobValue);
  if (problem !== '') fail(where, `its default fails its range: ${problem}`);
  return spec;
}

function knobList(raw: unknown, section: string): KnobSpec[] {
  if (!Array.isArray(raw)) fail(section, 'not a list of knobs');
  return raw.map((k) => toKnobSpec(k, section));
}

/** Reads the schema document; throws naming the part that is missing or malformed. */
export function readSchema(json: string): Catalog {
  const doc: unknown = JSON.parse(json);
  if (!isObject(doc)) fail('document', 'not an object');
  const tasksRaw = doc.tasks;
  if (!isObject(tasksRaw)) fail('tasks', 'not an object');
  const tasks = Object.keys(tasksRaw);
  if (tasks.length === 0) fail('tasks', 'none');
  const taskKnobs = Object.fromEntries(tasks.map((t) => [t, knobList(tasksRaw[t], `task(${t})`)]));
  const defaultsRaw = doc.task_defaults;
  if (!isObject(defaultsRaw)) fail('task_defaults', 'not an object');
  const defaults: Record<TaskName, TaskDefault> = {};
  for (const t of tasks) {
    const d = defaultsRaw[t];
    if (!isObject(d) || !isObject(d.task) || !isObject(d.model) || !isObject(d.train)) fail(`task_defaults.${t}`, 'not a run config');
    defaults[t] = { algo: {}, ...d } as TaskDefault;
  }
  const presetsRaw = doc.presets;
  if (!Array.isArray(presetsRaw) || presetsRaw.length === 0) fail('presets', 'not a list of presets');
  const presets = presetsRaw.map((p, i): PresetInfo => {
    if (!isObject(p) || !isObject(p.knobs)) fail(`presets[${i}]`, 'not {name, source, knobs}');
    return { name: text(p, 'name', `presets[${i}]`), source: text(p, 'source', `presets[${i}]`), knobs: p.knobs as Record<string, JsonValue> };
  });
  const metricsRaw = doc.metrics;
  if (!Array.isArray(metricsRaw)) fail('metrics', 'not a list');
  const metrics = metricsRaw.map((m, i): MetricInfo => {
    const where = `metrics[${i}]`;
    if (!isObject(m)) fail(where, 'not {key, label, help, formula, source}');
    return { key: text(m, 'key', where), label: text(m, 'label', where), help: text(m, 'help', where), formula: text(m, 'formula', where), source: text(m, 'source', where) };
  });
  const measuresRaw = doc.measures;
  if (!Array.isArray(measuresRaw)) fail('measures', 'not a list');
  const measures = measuresRaw.map((m, i): MeasureInfo => {
    if (!isObject(m)) fail(`measures[${i}]`, 'not {name, label, doc}');
    return { name: text(m, 'name', `measures[${i}]`), label: text(m, 'label', `measures[${i}]`), doc: text(m, 'doc', `measures[${i}]`) };
  });
  const tokens = strings(doc, 'tokens', 'document');
  const formulas = readFormulas(doc.formulas, doc.methods);
  const algo = knobList(doc.algo, 'algo');
  // Every value of a choice has its declaration, so the page can look any knob row up.
  for (const spec of algo) {
    const declared = formulas.methods.choices[spec.key];
    const missing = spec.kind === 'choice' && declared ? spec.options.find((o) => !(o in declared)) : undefined;
    if (missing !== undefined) fail(`methods.${spec.key}`, `no declaration of ${missing}`);
  }
  return {
    tasks,
    taskKnobs,
    train: knobList(doc.train, 'train'),
    algo,
    model: knobList(doc.model, 'model'),
    defaults,
    presets,
    metrics,
    measures,
    formulas,
    tokens,
    lessons: [],
  };
}

/** A `{name: tex}` table of the formulas. */
function texTable(raw: unknown, where: string): Record<string, string> {
  if (!isObject(raw) || !Object.values(raw).every((v) => typeof v === 'string')) fail(where, 'not an object of strings');
  return raw as Record<string, string>;
}

const CHOICES = ['adv_estimator', 'scale_rewards', 'ratio_level', 'surrogate', 'kl_estimator', 'loss_agg_mode'];

function readFormulas(raw: unknown, methods: unknown): Formulas {
  if (!isObject(raw)) fail('formulas', 'not an object');
  const kl = texTable(raw.kl, 'formulas.kl');
  const symbols = raw.symbols;
  if (!Array.isArray(symbols)) fail('formulas.symbols', 'not a list');
  return {
    choices: Object.fromEntries(CHOICES.map((c) => [c, texTable(raw[c], `formulas.${c}`)])),
    dualClip: text(raw, 'dual_clip', 'formulas'),
    klInLoss: text(kl, 'in_loss', 'formulas.kl'),
    klInReward: text(kl, 'in_reward', 'formulas.kl'),
    filters: texTable(raw.filters, 'formulas.filters'),
    shaping: texTable(raw.shaping, 'formulas.shaping'),
    impliedFilter: strings(raw, 'implied_filter', 'formulas'),
    methods: readMethods(methods),
    symbols: symbols.map((x, i): SymbolInfo => {
      const where = `formulas.symbols[${i}]`;
      if (!isObject(x)) fail(where, 'not {name, tex, meaning}');
      return { name: text(x, 'name', where), tex: text(x, 'tex', where), meaning: text(x, 'meaning', where) };
    }),
  };
}

const CLIPS = ['none', 'ratio', 'weight', 'log_ratio', 'adaptive'] as const;

/** One declaration of the schema's `methods` (Rust `Declaration`); throws naming what does not fit. */
function readDeclaration(raw: unknown, where: string): Declaration {
  if (!isObject(raw)) fail(where, 'not a declaration');
  const clipRaw = raw.clip;
  if (!isObject(clipRaw)) fail(where, 'clip is not an object');
  const shape = CLIPS.find((c) => c === clipRaw.shape) ?? fail(where, `unknown clip shape ${JSON.stringify(clipRaw.shape)}`);
  const bound = (field: string): string => text(clipRaw, field, `${where}.clip`);
  const clip: Clip = shape === 'none'
    ? { shape }
    : shape === 'ratio' || shape === 'adaptive'
      ? { shape, low: bound('low'), high: bound('high'), dual: clipRaw.dual === null ? null : bound('dual') }
      : { shape, low: bound('low'), high: bound('high') };
  const off = raw.off;
  if (!isObject(off)) fail(where, 'off is not an object');
  const offWhere = `${where}.off`;
  return {
    reads: strings(raw, 'reads', where),
    sequenceLevel: raw.sequence_level === true,
    clip,
    readsLogp: raw.reads_logp === true,
    off: { ratio: text(off, 'ratio', offWhere), kl: text(off, 'kl', offWhere), aggregation: text(off, 'aggregation', offWhere), curve: text(off, 'curve', offWhere) },
    moves: strings(raw, 'moves', where),
    dropped: text(raw, 'dropped', where),
  };
}

/** A `{name: declaration}` table of the schema's `methods`. */
function declarations(raw: unknown, where: string): Record<string, Declaration> {
  if (!isObject(raw)) fail(where, 'not an object of declarations');
  return Object.fromEntries(Object.entries(raw).map(([name, d]) => [name, readDeclaration(d, `${where}.${name}`)]));
}

/** The schema's `methods`: every choice's declarations by value, and the filters', shapings' and modifiers'. */
function readMethods(raw: unknown): Methods {
  if (!isObject(raw)) fail('methods', 'not an object');
  const choices = Object.fromEntries(CHOICES.map((c) => [c, declarations(raw[c], `methods.${c}`)]));
  return {
    choices,
    filters: declarations(raw.filters, 'methods.filters'),
    shaping: declarations(raw.shaping, 'methods.shaping'),
    modifiers: declarations(raw.modifiers, 'methods.modifiers'),
  };
}

/** The spec of `key` in `specs`; throws naming the section when the schema lacks it. */
export function specOf(specs: readonly KnobSpec[], key: string, section: string): KnobSpec {
  return specs.find((s) => s.key === key) ?? fail(section, `no knob ${key}`);
}

/** `text` cut for an error message, so that a hostile link cannot fill the page with it. */
export function cut(text: string, most = 80): string {
  return text.length > most ? `${text.slice(0, most)}… (${text.length} characters)` : text;
}

/** A value as an error message quotes it (cut). */
export function show(value: unknown): string {
  return cut(typeof value === 'string' ? `"${value}"` : JSON.stringify(value) ?? String(value));
}

/**
 * `''` when `value` is valid for `spec`, else a message naming the knob and what is allowed
 * (Rust's wording: `digits: 9 is out of range; allowed: [1, 4]`). Accepts exactly what Rust's
 * `Knob::check` (and serde's types before it) accepts.
 */
export function knobProblem(spec: KnobSpec, value: KnobValue | undefined): string {
  const { key, allowed } = spec;
  if (value === null || value === undefined) return spec.unset !== null ? '' : `${key}: no value; allowed: ${allowed}`;
  switch (spec.kind) {
    case 'int':
    case 'float': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return `${key}: ${show(value)} is not a number; allowed: ${allowed}`;
      if (spec.kind === 'int') {
        if (!Number.isInteger(value)) return `${key}: ${value} is not an integer; allowed: ${allowed}`;
        const outside = value < spec.min || (spec.max !== null && value > spec.max) || spec.except.includes(value) || !Number.isSafeInteger(value);
        return outside ? `${key}: ${value} is out of range; allowed: ${allowed}` : '';
      }
      const { min, max, exclusiveMin, exclusiveMax } = spec;
      const above = min === null || (exclusiveMin ? value > min : value >= min);
      const below = max === null || (exclusiveMax ? value < max : value <= max);
      return above && below ? '' : `${key}: ${value} is out of range; allowed: ${allowed}`;
    }
    case 'bool':
      return typeof value === 'boolean' ? '' : `${key}: ${show(value)} is not valid; allowed: ${allowed}`;
    case 'choice':
      return typeof value === 'string' && spec.options.includes(value) ? '' : `${key}: ${show(value)} is not valid; allowed: ${allowed}`;
    case 'set': {
      if (!Array.isArray(value)) return `${key}: ${show(value)} is not a list; allowed: ${allowed}`;
      const bad = value.find((v) => !spec.options.includes(v));
      if (bad !== undefined) return `${key}: ${show(bad)} is not valid; allowed: ${allowed}`;
      if (value.length === 0) return `${key}: is empty; allowed: ${allowed}`;
      const twice = value.find((v, i) => value.indexOf(v) !== i);
      return twice === undefined ? '' : `${key}: lists ${show(twice)} twice; allowed: each of ${spec.options.join(', ')} at most once`;
    }
    case 'tokens': {
      if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? '' : `${key}: ${value} is out of range; allowed: ${allowed}`;
      if (isObject(value) && Object.keys(value).length === 1 && 'fraction_of_max' in value) {
        const f = value.fraction_of_max;
        return typeof f === 'number' && f > 0 && f <= 1 ? '' : `${key}.fraction_of_max: ${show(f)} is out of range; allowed: (0, 1]`;
      }
      return `${key}: ${show(value)} is not valid; allowed: ${allowed}`;
    }
    case 'weights': {
      if (!isObject(value)) return `${key}: ${show(value)} is not valid; allowed: ${allowed}`;
      for (const [name, w] of Object.entries(value)) {
        if (!spec.options.includes(name)) return `${key}.${name}: is not a component of this task; allowed: ${spec.options.join(', ')}`;
        if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) return `${key}.${name}: ${show(w)} is out of range; allowed: >= 0`;
      }
      return '';
    }
  }
}

/** Whether two knob values are the same (lists element-wise, objects by their JSON). */
export function sameValue(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The `<input type="number">` attributes of a numeric knob at `value`: inclusive bounds become
 * `min` / `max` (an exclusive bound is left to the page's check, since `min` would admit it), and
 * the step is a tenth of `value`'s order of magnitude (0.2 → 0.01, 1e-3 → 1e-4), 1 for ints.
 */
export function inputAttributes(spec: KnobSpec & { kind: 'int' | 'float' }, value: number | null): { min?: string; max?: string; step: string } {
  const out: { min?: string; max?: string; step: string } = { step: '1' };
  if (spec.kind === 'int') {
    out.min = String(spec.min);
    if (spec.max !== null) out.max = String(spec.max);
    return out;
  }
  if (spec.min !== null && !spec.exclusiveMin) out.min = String(spec.min);
  if (spec.max !== null && !spec.exclusiveMax) out.max = String(spec.max);
  const ref = value !== null && value !== 0 ? Math.abs(value) : spec.max !== null ? Math.abs(spec.max) : 1;
  out.step = String(Number((10 ** (Math.floor(Math.log10(ref)) - 1)).toPrecision(1)));
  return out;
}
