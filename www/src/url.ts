// The URL hash: `task=maze&size=6&model=tiny&...&v0.preset=grpo&v0.label=…&v0.colour=%23...`.
// Only what differs from the task's defaults is written (the task and the presets always are);
// with a lesson, `lesson=ID` and only what differs from its setup (`#lesson=kl-beta&steps=20`).
// `parse(serialize(s)) == s`; a bad field throws naming it and what is valid.

import { lessonOf, lessonState } from './lesson-state';
import { crossProblem, overridesProblem, trainProblem } from './resolve';
import { cut, knobProblem, sameValue, show, type Catalog, type JsonValue, type KnobSpec, type KnobValue, type TaskName } from './schema';
import {
  BACKEND_CHOICES, MAX_LABEL, MAX_VARIANTS, MIN_VARIANTS, MODEL_CHOICES, SEED_KNOB, SEEDS_KNOB, copyKnob, defaultState,
  defaultTask, everyTrainSpec, isRecord, newVariant, oneOf, taskSpecs, taskState, type State, type Train, type Variant,
} from './state';

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
/** The value of `spec` written as `raw` in a URL; `def` when absent. Throws naming the field and range. */
export function readKnob(spec: KnobSpec, raw: string | null, def: KnobValue): KnobValue {
  if (raw === null) return copyKnob(def);
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
    case 'weights':
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
