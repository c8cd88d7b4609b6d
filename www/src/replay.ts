// Replayable figures: a finished comparison as one JSON file — the page state as the URL writes it
// (seed, seeds, variants, lesson), and every run's config, seed and metrics — that imports back
// with its charts drawn at once, without training ("Run" then trains it live). The page's
// "Export JSON" writes it; a file dropped on the page or `#replay=URL` reads it. A file is
// outside input: everything in it is checked here, and a bad one gets an Error naming the field.

import { MAP_METRICS, type StepMetrics } from './metrics';
import { toRunConfig } from './resolve';
import type { Catalog, JsonValue } from './schema';
import type { State } from './state';
import { parse, serialize } from './url';

export const REPLAY_FORMAT = 'grpo-playground replay';
export const REPLAY_VERSION = 1;

/** A replay as the page holds it: the state and `grid[variant][seedIndex]` = that run's steps. */
export interface Replay {
  state: State;
  grid: StepMetrics[][][];
}

/** The file of a finished comparison: `grid[variant][seedIndex]` = that run's steps. */
export function toReplay(state: State, grid: readonly (readonly (readonly StepMetrics[])[])[], catalog: Catalog): string {
  return JSON.stringify({
    format: REPLAY_FORMAT,
    version: REPLAY_VERSION,
    hash: serialize(state, catalog),
    lesson: state.lesson,
    state,
    runs: grid.map((seeds, v) => ({
      variant: v,
      label: state.variants[v]?.label ?? '',
      preset: state.variants[v]?.preset ?? '',
      seeds: seeds.map((steps, k) => ({ seed: state.seed + k, config: toRunConfig(state, v, k, catalog), steps })),
    })),
  }, null, 2);
}

type Json = JsonValue | undefined;

function isObject(v: Json): v is { [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(field: string, problem: string): never {
  throw new Error(`replay ${field}: ${problem}`);
}

function object(field: string, v: Json): { [key: string]: JsonValue } {
  if (!isObject(v)) fail(field, 'not an object');
  return v;
}

function array(field: string, v: Json, length?: number): JsonValue[] {
  if (!Array.isArray(v)) fail(field, 'not a list');
  if (length !== undefined && v.length !== length) fail(field, `${v.length} entries; this state has ${length}`);
  return v;
}

const finite = (v: Json): boolean => typeof v === 'number' && Number.isFinite(v);

/** One step's metrics: known keys only, numbers where the schema has numbers. */
function readStep(field: string, v: Json, known: ReadonlySet<string>, after: number): StepMetrics {
  const m = object(field, v);
  const step = m.step;
  if (typeof step !== 'number' || !Number.isInteger(step) || step <= after) {
    fail(`${field}.step`, `${JSON.stringify(step ?? null)} is not a whole number above the previous step (${after})`);
  }
  if (m.phase !== 'sft' && m.phase !== 'rl') fail(`${field}.phase`, `${JSON.stringify(m.phase ?? null)}; valid: sft, rl`);
  for (const [key, value] of Object.entries(m)) {
    const at = `${field}.${key}`;
    if (key === 'step' || key === 'phase') continue;
    if (!known.has(key)) fail(at, 'not a metric of this build');
    if (value === null) continue;
    if ((MAP_METRICS as readonly string[]).includes(key)) {
      for (const [label, x] of Object.entries(object(at, value))) if (!finite(x)) fail(`${at}.${label}`, 'not a finite number');
    } else if (key === 'live_changes') {
      object(at, value);
    } else if (!finite(value)) {
      fail(at, 'not a finite number');
    }
  }
  return m as unknown as StepMetrics;
}

/**
 * The replay in `text`, checked against this build: its state parses as a URL would (naming the
 * field otherwise), it has a run per variant and seed, each with the config that state trains
 * and metrics this build knows.
 */
export function readReplay(text: string, catalog: Catalog): Replay {
  let raw: JsonValue;
  try {
    raw = JSON.parse(text) as JsonValue;
  } catch (e) {
    throw new Error(`replay: not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const file = object('file', raw);
  if (file.format !== REPLAY_FORMAT) fail('format', `${JSON.stringify(file.format ?? null)}; expected "${REPLAY_FORMAT}"`);
  if (file.version !== REPLAY_VERSION) fail('version', `${JSON.stringify(file.version ?? null)}; this page reads ${REPLAY_VERSION}`);
  if (typeof file.hash !== 'string') fail('hash', 'not a string');
  let state: State;
  try {
    state = parse(file.hash, catalog);
  } catch (e) {
    fail('hash', e instanceof Error ? e.message : String(e));
  }
  const known = new Set(catalog.metrics.map((m) => m.key));
  const runs = array('runs', file.runs, state.variants.length);
  const grid = runs.map((r, v) => {
    const seeds = array(`runs[${v}].seeds`, object(`runs[${v}]`, r).seeds, state.seeds);
    return seeds.map((s, k) => {
      const at = `runs[${v}].seeds[${k}]`;
      const run = object(at, s);
      if (run.seed !== state.seed + k) fail(`${at}.seed`, `${JSON.stringify(run.seed ?? null)}; the state's seed ${k} is ${state.seed + k}`);
      if (JSON.stringify(run.config) !== JSON.stringify(toRunConfig(state, v, k, catalog))) {
        fail(`${at}.config`, 'not the config the state trains');
      }
      let last = -1;
      return array(`${at}.steps`, run.steps).map((m, i) => {
        const step = readStep(`${at}.steps[${i}]`, m, known, last);
        last = step.step;
        return step;
      });
    });
  });
  return { state, grid };
}

/** The replay at `url` (`#replay=URL`, relative to the page), fetched and checked. */
export async function fetchReplay(url: string, catalog: Catalog): Promise<Replay> {
  let response: Response;
  try {
    response = await fetch(new URL(url, location.href));
  } catch (e) {
    throw new Error(`replay ${url}: not fetched (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!response.ok) throw new Error(`replay ${url}: HTTP ${response.status}`);
  return readReplay(await response.text(), catalog);
}
