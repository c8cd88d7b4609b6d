// A lesson's setup is a whole page state: its task and knobs over the task's defaults, and its
// variants in its order. What the page cannot hold is an error naming the lesson and the field.

import type { Lesson } from './lessons';
import { crossProblem, overridesProblem, trainProblem } from './resolve';
import { knobProblem, sameValue, show, type Catalog, type JsonValue, type KnobValue } from './schema';
import {
  MAX_VARIANTS, MIN_VARIANTS, MODEL_CHOICES, SEED_KNOB, SEEDS_KNOB, defaultTask, isRecord, modelNumbers, newVariant, oneOf,
  taskSpecs, taskState, type State, type Variant,
} from './state';

/** The lesson `id`; an unknown id lists the valid ones. */
export function lessonOf(catalog: Catalog, id: string): Lesson {
  const found = catalog.lessons.find((l) => l.id === id);
  if (!found) {
    const valid = catalog.lessons.map((l) => l.id);
    throw new Error(`lesson: unknown ${show(id)}; valid: ${valid.length > 0 ? valid.join(', ') : '(no lessons in this build)'}`);
  }
  return found;
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
