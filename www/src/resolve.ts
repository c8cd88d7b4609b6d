// What a variant trains with: its preset's row, then its overrides; its trainer knobs laid over
// the shared ones; the rules between knobs of one task; and the run config Rust reads.

import { knobProblem, sameValue, show, type Catalog, type JsonValue, type KnobSpec, type KnobValue, type PresetInfo, type TaskName } from './schema';
import { modelNumbers, taskSpecs, type RunConfig, type State, type Train, type Variant } from './state';

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

/**
 * The trainer knobs the supervised warm-up reads: the variants of a seed share one warm-up only
 * when they agree on these (Rust's `RunConfig::check_branch` before the warm-up's end).
 */
export const WARMUP_TRAIN_KEYS: readonly string[] = [
  'sft_steps', 'sft_learning_rate', 'prompts_per_step', 'max_completion_length',
  'adam_beta1', 'adam_beta2', 'weight_decay', 'max_grad_norm',
];

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
