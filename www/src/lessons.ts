// Lessons: a paper's finding as data (`lessons/*.json` in the crate, `lessons()` in the wasm) —
// the claim, a complete setup, questions to answer before running, and checks on paired seeds.
// The checks themselves are Rust's (`lesson_check`): this file reads lessons and reports, words
// a report for a student, and keeps the student's progress (answers, completed lessons) in
// localStorage. It holds no DOM (lesson-panel.ts draws) and no page state (lesson-state.ts
// maps a lesson's setup to one).

import type { JsonValue, MeasureInfo } from './schema';

/** One arm of a lesson's comparison: how checks name it, its label, preset, and knobs of its own. */
export interface LessonVariant {
  id: string;
  label: string;
  preset: string;
  /** `algo` knobs laid over the preset. */
  overrides: Record<string, JsonValue>;
  /** `train` knobs laid over the setup's (a group size of its own). */
  train: Record<string, JsonValue>;
}

export interface Question {
  question: string;
  choices: string[];
  /** Index of the right choice. */
  answer: number;
  why: string;
}

export type Expect = 'higher' | 'lower' | 'similar';

/** `metric` of `variants[0]` against `variants[1]`, per seed (a measure of Rust's `compare`). */
export interface Observe {
  metric: string;
  variants: [string, string];
  expect: Expect;
  /** For `similar`: the largest |difference| that counts as the same. */
  within?: number;
}

export interface Lesson {
  id: string;
  title: string;
  paper: { title: string; arxiv: string };
  claim: string;
  setup: {
    /** A run config without `algo`: task, model, train, seed (the base seed). */
    config: Record<string, JsonValue>;
    variants: LessonVariant[];
    seeds: number;
  };
  predict: Question[];
  observe: Observe[];
  explanation: string;
  paper_reported: string;
}

/** How one check came out over the seeds so far (Rust's `CheckResult`). */
export interface CheckResult {
  metric: string;
  variants: [string, string];
  expect: Expect;
  /** In a majority of the seeds that measured it. */
  held: boolean;
  seeds_held: number;
  /** Seeds that measured it. */
  seeds: number;
  /** null when no seed measured it. */
  paired_mean: number | null;
  paired_sd: number | null;
  /** `variants[0] − variants[1]` per seed; null where a run has not measured it yet. */
  per_seed: (number | null)[];
}

/** `lesson_check`'s answer. */
export interface Report {
  id: string;
  held: boolean;
  checks: CheckResult[];
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function fail(where: string, problem: string): never {
  throw new Error(`lessons: ${where}: ${problem}`);
}

function text(o: Record<string, unknown>, field: string, where: string): string {
  const v = o[field];
  if (typeof v !== 'string') fail(where, `${field} is not a string`);
  return v;
}

function object(o: Record<string, unknown>, field: string, where: string, optional = false): Record<string, JsonValue> {
  const v = o[field];
  if (v === undefined && optional) return {};
  if (!isObject(v)) fail(where, `${field} is not an object`);
  return v as Record<string, JsonValue>;
}

function list(o: Record<string, unknown>, field: string, where: string): unknown[] {
  const v = o[field];
  if (!Array.isArray(v)) fail(where, `${field} is not a list`);
  return v;
}

const EXPECTS: readonly Expect[] = ['higher', 'lower', 'similar'];

/**
 * The lessons `lessons()` returns. Rust has validated them (knobs, ranges, measure and variant
 * names); this checks only the shape the page reads, naming the lesson and field otherwise.
 */
export function readLessons(json: string): Lesson[] {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (e) {
    fail('document', `not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!Array.isArray(doc)) fail('document', 'not a list of lessons');
  return doc.map((raw, i): Lesson => {
    if (!isObject(raw)) fail(`[${i}]`, 'not an object');
    const id = text(raw, 'id', `[${i}]`);
    const paper = object(raw, 'paper', id);
    const setup = object(raw, 'setup', id);
    const seeds = setup.seeds;
    if (typeof seeds !== 'number' || !Number.isInteger(seeds) || seeds < 1) fail(`${id}.setup`, 'seeds is not a count');
    const variants = list(setup, 'variants', `${id}.setup`).map((v, k): LessonVariant => {
      const where = `${id}.setup.variants[${k}]`;
      if (!isObject(v)) fail(where, 'not an object');
      return {
        id: text(v, 'id', where),
        label: text(v, 'label', where),
        preset: text(v, 'preset', where),
        overrides: { ...object(v, 'overrides', where, true) },
        train: { ...object(v, 'train', where, true) },
      };
    });
    const ids = variants.map((v) => v.id);
    const predict = list(raw, 'predict', id).map((q, k): Question => {
      const where = `${id}.predict[${k}]`;
      if (!isObject(q)) fail(where, 'not an object');
      const choices = list(q, 'choices', where);
      if (!choices.every((c) => typeof c === 'string')) fail(where, 'choices are not strings');
      const answer = q.answer;
      if (typeof answer !== 'number' || !Number.isInteger(answer) || answer < 0 || answer >= choices.length) fail(where, 'answer is not an index into choices');
      return { question: text(q, 'question', where), choices: choices as string[], answer, why: text(q, 'why', where) };
    });
    const observe = list(raw, 'observe', id).map((o, k): Observe => {
      const where = `${id}.observe[${k}]`;
      if (!isObject(o)) fail(where, 'not an object');
      const pair = list(o, 'variants', where);
      if (pair.length !== 2 || !pair.every((p) => typeof p === 'string' && ids.includes(p))) fail(where, `variants is not two of ${ids.join(', ')}`);
      const expect = EXPECTS.find((e) => e === o.expect) ?? fail(where, `expect is not one of ${EXPECTS.join(', ')}`);
      const check: Observe = { metric: text(o, 'metric', where), variants: [pair[0] as string, pair[1] as string], expect };
      if (typeof o.within === 'number') check.within = o.within;
      return check;
    });
    return {
      id,
      title: text(raw, 'title', id),
      paper: { title: text(paper, 'title', `${id}.paper`), arxiv: text(paper, 'arxiv', `${id}.paper`) },
      claim: text(raw, 'claim', id),
      setup: { config: object(setup, 'config', `${id}.setup`), variants, seeds },
      predict,
      observe,
      explanation: text(raw, 'explanation', id),
      paper_reported: text(raw, 'paper_reported', id),
    };
  });
}

const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/** `lesson_check`'s JSON as a Report (NaN, which serde writes as null, stays null). */
export function readReport(json: string): Report {
  const doc: unknown = JSON.parse(json);
  if (!isObject(doc) || !Array.isArray(doc.checks)) throw new Error('lesson_check: not a report');
  return {
    id: String(doc.id),
    held: doc.held === true,
    checks: doc.checks.map((raw): CheckResult => {
      const c = isObject(raw) ? raw : {};
      const pair = Array.isArray(c.variants) ? c.variants.map(String) : [];
      const seeds = num(c.seeds) ?? 0;
      return {
        metric: String(c.metric),
        variants: [pair[0] ?? '', pair[1] ?? ''],
        expect: EXPECTS.find((e) => e === c.expect) ?? 'higher',
        held: c.held === true,
        seeds_held: num(c.seeds_held) ?? 0,
        seeds,
        paired_mean: seeds > 0 ? num(c.paired_mean) : null,
        paired_sd: seeds > 0 ? num(c.paired_sd) : null,
        per_seed: Array.isArray(c.per_seed) ? c.per_seed.map(num) : [],
      };
    }),
  };
}

// ---- a check in words (the measures' nouns and windows come from Rust's schema)

export type CheckState = 'held' | 'failed' | 'pending';

/** A check as the panel shows it: its state, one sentence, and the numbers behind it. */
export interface CheckWords {
  state: CheckState;
  /** `β = 0.2 vs β = 0: KL lower on 2 of 3 seeds (−0.10 ± 0.05)`. */
  line: string;
  /** `difference per seed (β = 0.2 − β = 0): −0.08, −0.12, not yet`. */
  perSeed: string;
  /** What the measure reads: `KL: to the policy RL started from, …`. */
  means: string;
}

const MINUS = '\u2212';

/** Decimals that show two significant digits of the largest magnitude in `values`. */
function decimalsFor(values: readonly number[]): number {
  const top = Math.max(0, ...values.map(Math.abs));
  if (top === 0) return 2;
  return Math.min(6, Math.max(0, 1 - Math.floor(Math.log10(top))));
}

/** `x` with a sign (+ or the minus sign) and `decimals` decimals; `−0.00` is written `0.00`. */
export function signed(x: number, decimals: number): string {
  const s = Math.abs(x).toFixed(decimals);
  if (Number(s) === 0) return s;
  return `${x < 0 ? MINUS : '+'}${s}`;
}

function expectWords(o: Observe): string {
  if (o.expect === 'similar') return `within ±${o.within ?? 0}`;
  return o.expect;
}

/**
 * The words for check `o` of a lesson given its result so far (null: none yet), its variants
 * named by `labels` (id → label). Pending until a seed has measured it; then held or failed as
 * Rust decided (a majority of the measured seeds).
 */
export function checkWords(o: Observe, result: CheckResult | null, labels: Readonly<Record<string, string>>, measures: readonly MeasureInfo[]): CheckWords {
  const [a, b] = o.variants.map((id) => labels[id] ?? id) as [string, string];
  const words = measures.find((m) => m.name === o.metric);
  const noun = words?.label ?? o.metric;
  const means = words ? `${noun}: ${words.doc}` : `${o.metric} (a measure of compare)`;
  const head = `${a} vs ${b}: ${noun} ${expectWords(o)}`;
  if (!result || result.seeds === 0 || result.paired_mean === null) {
    return { state: 'pending', line: `${head} — not yet measured`, perSeed: '', means };
  }
  const measured = result.per_seed.filter((d): d is number => d !== null);
  const sd = result.paired_sd ?? 0;
  const decimals = decimalsFor([result.paired_mean, sd, ...measured]);
  const spread = result.seeds > 1 ? ` ± ${sd.toFixed(decimals)}` : '';
  const unmeasured = result.per_seed.length - result.seeds;
  const later = unmeasured > 0 ? `; ${unmeasured} not yet measured` : '';
  const seeds = result.seeds === 1 ? 'seed' : 'seeds';
  return {
    state: result.held ? 'held' : 'failed',
    line: `${head} on ${result.seeds_held} of ${result.seeds} ${seeds} (${signed(result.paired_mean, decimals)}${spread}${later})`,
    perSeed: `difference per seed (${a} − ${b}): ${result.per_seed.map((d) => (d === null ? 'not yet' : signed(d, decimals))).join(', ')}`,
    means,
  };
}

/**
 * One line over the checks: nothing measured yet, how many hold so far while the runs train,
 * and the verdict once they are done.
 */
export function verdictWords(states: readonly CheckState[], done: boolean): string {
  const n = states.length;
  const held = states.filter((s) => s === 'held').length;
  const measured = states.filter((s) => s !== 'pending').length;
  if (n === 0) return 'This lesson has nothing to check.';
  if (measured === 0) return done ? 'The runs finished without measuring the checks.' : 'Nothing measured yet: the checks fill in once RL steps arrive.';
  if (!done) return n === 1 ? `So far the check ${held === 1 ? 'holds' : 'does not hold'} (the runs are still training).` : `So far ${held} of ${n} checks hold (the runs are still training).`;
  if (held === n) return n === 1 ? 'The check held: the paper\'s finding shows here.' : `${n === 2 ? 'Both' : `All ${n}`} checks held: the paper's finding shows here.`;
  if (held === 0) return n === 1 ? 'The check did not hold here: see why below.' : `None of the ${n} checks held here: see why below.`;
  return `${held} of ${n} checks held: see why below.`;
}

// ---- progress: answers and completed lessons, kept across reloads

/** What a student has done in one lesson. */
export interface LessonProgress {
  /** The choice made for each question (null: not answered). */
  answers: (number | null)[];
  /** The lesson's runs finished at least once. */
  completed: boolean;
}

export type Progress = Record<string, LessonProgress>;

export const PROGRESS_KEY = 'grpo-playground.lessons';
const PROGRESS_VERSION = 1;

/**
 * Progress from its stored text. Anything that is not this version's shape — corrupt JSON,
 * another version, a malformed entry — is ignored (that entry, or all of it), never thrown.
 */
export function readProgress(stored: string | null): Progress {
  if (stored === null) return {};
  let doc: unknown;
  try {
    doc = JSON.parse(stored);
  } catch {
    return {};
  }
  if (!isObject(doc) || doc.version !== PROGRESS_VERSION || !isObject(doc.lessons)) return {};
  const out: Progress = {};
  for (const [id, entry] of Object.entries(doc.lessons)) {
    if (!isObject(entry) || !Array.isArray(entry.answers) || typeof entry.completed !== 'boolean') continue;
    if (!entry.answers.every((a) => a === null || (typeof a === 'number' && Number.isInteger(a) && a >= 0))) continue;
    out[id] = { answers: entry.answers as (number | null)[], completed: entry.completed };
  }
  return out;
}

export function writeProgress(p: Progress): string {
  return JSON.stringify({ version: PROGRESS_VERSION, lessons: p });
}

/** The part of `Storage` progress uses (localStorage, or a test's stand-in). */
export type Store = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** The browser's localStorage, or null where it is refused (a sandboxed iframe, privacy settings). */
export function browserStore(): Store | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

export function loadProgress(store: Store | null): Progress {
  try {
    return readProgress(store?.getItem(PROGRESS_KEY) ?? null);
  } catch {
    return {};
  }
}

/** Saves `p`; a full or refused store keeps the progress for this page only. */
export function saveProgress(store: Store | null, p: Progress): void {
  try {
    store?.setItem(PROGRESS_KEY, writeProgress(p));
  } catch {
    // Nothing to do: the page keeps working with the progress in memory.
  }
}

/** The choice recorded for question `q` of `lesson`, if it is one of its choices. */
export function chosen(lesson: Lesson, p: Progress, q: number): number | null {
  const a = p[lesson.id]?.answers[q];
  const question = lesson.predict[q];
  return typeof a === 'number' && question !== undefined && a < question.choices.length ? a : null;
}

/** Whether every question of `lesson` has an answer (a lesson without questions always has). */
export function answered(lesson: Lesson, p: Progress): boolean {
  return lesson.predict.every((_, q) => chosen(lesson, p, q) !== null);
}

/** `p` with choice `choice` for question `q` of `lesson` (a new object; earlier answers kept). */
export function withAnswer(p: Progress, lesson: Lesson, q: number, choice: number): Progress {
  const old = p[lesson.id];
  const answers = lesson.predict.map((_, k) => (k === q ? choice : chosen(lesson, p, k)));
  return { ...p, [lesson.id]: { answers, completed: old?.completed ?? false } };
}

export function withCompleted(p: Progress, lesson: Lesson): Progress {
  const answers = lesson.predict.map((_, k) => chosen(lesson, p, k));
  return { ...p, [lesson.id]: { answers, completed: true } };
}

/** Counts over `lessons` (entries of lessons no longer shipped are not counted). */
export function progressCounts(lessons: readonly Lesson[], p: Progress): { answered: number; completed: number; total: number } {
  return {
    answered: lessons.filter((l) => answered(l, p) && l.predict.length > 0).length,
    completed: lessons.filter((l) => p[l.id]?.completed === true).length,
    total: lessons.length,
  };
}
