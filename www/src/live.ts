// Live knobs: what a running session takes without a Reset (learning rate, temperature, ε, β, ...;
// the schema marks them `live`), as the difference between the state the runs were made from
// and the state the page shows.

import { algoValue, variantTrain } from './resolve';
import { sameValue, type Catalog, type JsonValue } from './schema';
import type { LiveChanges, State } from './state';

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
