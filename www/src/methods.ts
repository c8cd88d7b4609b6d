// What each method declares beside its formula in Rust (`src/algo/declaration.rs`), as the
// schema's `methods` publishes it: the knobs it reads, whether its loss is sequence-level, its
// clip, why a stage does nothing with it, the metrics only it can move and why a filter drops a
// completion. The explainer, the glossary, the surrogate plot and the inspector read these, so
// the page names no estimator, surrogate or filter; this file says which are in force for a knob
// row.

import type { Clip } from './generated/Clip';
import type { Formulas, JsonValue } from './schema';

/** A clip's shape; the bounds are knob names (an unset `high` is `low`): Rust's `Clip`. */
export type { Clip };

/** Why a stage does nothing with a surrogate, in words; '' where it does something. */
export interface Off {
  ratio: string;
  /** The KL term in the loss (the KL in the reward still acts). */
  kl: string;
  aggregation: string;
  /** The per-token surrogate plot. */
  curve: string;
}

/** One method's declaration (Rust `Declaration`). */
export interface Declaration {
  /** The knobs its formula reads besides its own, in the explainer's order. */
  reads: readonly string[];
  /** Its loss is one per sequence or group: it replaces the per-token surrogate, KL term and aggregation. */
  sequenceLevel: boolean;
  clip: Clip;
  /** Its per-token term reads log π itself, not only the ratio. */
  readsLogp: boolean;
  off: Off;
  /** The metrics that stay flat unless a method in force declares them. */
  moves: readonly string[];
  /** Why a completion it drops is out of the loss (filters). */
  dropped: string;
}

/** Every declaration: each choice knob's by value; the filters', shapings' and advantage modifiers' by knob. */
export interface Methods {
  choices: Readonly<Record<string, Readonly<Record<string, Declaration>>>>;
  filters: Readonly<Record<string, Declaration>>;
  shaping: Readonly<Record<string, Declaration>>;
  modifiers: Readonly<Record<string, Declaration>>;
}

type Knobs = Readonly<Record<string, JsonValue>>;

/** Whether a knob's value turns its method on (set, not false, not 0). */
export const on = (v: JsonValue | undefined): boolean => v !== undefined && v !== null && v !== false && v !== 0;

/** The declaration of the value `knobs` choose for the choice knob `knob`. */
export function chosen(knobs: Knobs, knob: string, m: Methods): Declaration {
  const value = String(knobs[knob]);
  const d = m.choices[knob]?.[value];
  if (!d) throw new Error(`methods: no declaration of ${knob} = ${value}`);
  return d;
}

/** Whether the filter `key` is one a choice implies (the estimator's pivot) rather than a knob of its own. */
const implied = (key: string, f: Formulas): boolean => key in f.choices;

/**
 * The filters on in `knobs`, in the schema's order: one keyed by the estimator when the chosen
 * estimator implies it (`impliedFilter`), any other when its knob is on.
 */
export function filtersOn(knobs: Knobs, f: Formulas): string[] {
  return Object.keys(f.filters).filter((key) => (implied(key, f) ? f.impliedFilter.includes(String(knobs[key])) : on(knobs[key])));
}

/** The knobs that turn a filter on by themselves (every filter but one an estimator implies). */
export function filterKnobs(f: Formulas): string[] {
  return Object.keys(f.filters).filter((key) => !implied(key, f));
}

/** The reward shapings on in `knobs`: a buffer given as a fraction is on, any other knob when set. */
export function shapingOn(knobs: Knobs, f: Formulas): string[] {
  return Object.keys(f.shaping).filter((key) => {
    const v = knobs[key];
    return typeof v === 'object' && v !== null ? true : on(v);
  });
}

/** The advantage modifiers on in `knobs`. */
export function modifiersOn(knobs: Knobs, m: Methods): string[] {
  return Object.keys(m.modifiers).filter((key) => on(knobs[key]));
}

/** Every declaration in force for `knobs`: each choice's value, and each filter, shaping and modifier on. */
export function inForce(knobs: Knobs, f: Formulas): Declaration[] {
  const m = f.methods;
  return [
    ...Object.keys(m.choices).map((knob) => chosen(knobs, knob, m)),
    ...filtersOn(knobs, f).map((key) => m.filters[key] as Declaration),
    ...shapingOn(knobs, f).map((key) => m.shaping[key] as Declaration),
    ...modifiersOn(knobs, m).map((key) => m.modifiers[key] as Declaration),
  ];
}

/** Every declaration of the schema. */
function everyDeclaration(m: Methods): Declaration[] {
  return [...Object.values(m.choices).flatMap((t) => Object.values(t)), ...Object.values(m.filters), ...Object.values(m.shaping), ...Object.values(m.modifiers)];
}

/** Whether `metric` can move in `knobs`: no method declares it, or one in force does. */
export function canMove(metric: string, knobs: Knobs, f: Formulas): boolean {
  const declares = (d: Declaration): boolean => d.moves.includes(metric);
  return !everyDeclaration(f.methods).some(declares) || inForce(knobs, f).some(declares);
}
