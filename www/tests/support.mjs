// What the unit tests share: the page's TypeScript modules, compiled by Vite's SSR loader (no
// browser, no build step), and the REAL schema and lessons with Rust's own validator and lesson
// checks, from the built wasm package (www/pkg, which scripts/build-web writes; `initSync` loads
// it in Node). No test holds a copy of the schema or of a lesson. GRPO_SCHEMA=<file> reads the
// schema from `grpo-playground schema` output instead (then there is no Rust validator, no
// lessons and no lesson checks, and the tests that need them skip).
import { after } from 'node:test';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'vite';

const root = new URL('..', import.meta.url).pathname;
let server;

/** The page module at `path` (e.g. `/src/state.ts`). */
export async function load(path) {
  server ??= await createServer({ root, logLevel: 'warn', server: { middlewareMode: true, hmr: false }, appType: 'custom' });
  return server.ssrLoadModule(path);
}

/**
 * The page state's modules as one namespace: the state and its defaults (state.ts), a variant's
 * resolved knobs (resolve.ts), the URL codec (url.ts), the live diff (live.ts) and a lesson's
 * setup (lesson-state.ts).
 */
export async function pageState() {
  // One after another: the first load starts the one Vite server.
  const modules = [];
  for (const m of ['state', 'resolve', 'url', 'live', 'lesson-state']) modules.push(await load(`/src/${m}.ts`));
  return Object.assign({}, ...modules);
}

after(async () => {
  await server?.close();
  server = undefined;
});

let rust;

/**
 * `{ json, validate, lessons, check }`: the schema document, Rust's `validate_config` (`''` when
 * a config is valid, else the message naming the field), the lessons' JSON (`lessons()`) and
 * `lesson_check(id, runsJson)`; with GRPO_SCHEMA only the schema (`validate` and `check` null,
 * `lessons` '[]').
 */
export async function rustSchema() {
  if (rust) return rust;
  if (process.env.GRPO_SCHEMA) {
    rust = { json: readFileSync(process.env.GRPO_SCHEMA, 'utf8'), validate: null, lessons: '[]', check: null };
    return rust;
  }
  const wasm = new URL('../pkg/grpo_playground_bg.wasm', import.meta.url);
  if (!existsSync(wasm)) throw new Error('www/pkg is not built: run scripts/build-web first (or set GRPO_SCHEMA to `grpo-playground schema` output)');
  const pkg = await import(new URL('../pkg/grpo_playground.js', import.meta.url).href);
  pkg.initSync({ module: readFileSync(wasm) });
  if (typeof pkg.schema !== 'function') throw new Error('www/pkg has no schema() export: rebuild it with scripts/build-web');
  if (typeof pkg.lessons !== 'function') throw new Error('www/pkg has no lessons() export: rebuild it with scripts/build-web');
  rust = { json: pkg.schema(), validate: pkg.validate_config, lessons: pkg.lessons(), check: pkg.lesson_check };
  return rust;
}

/** The page's catalog of the real schema, with the real lessons. */
export async function catalog() {
  const { readSchema } = await load('/src/schema.ts');
  const { readLessons } = await load('/src/lessons.ts');
  const r = await rustSchema();
  return { ...readSchema(r.json), lessons: readLessons(r.lessons) };
}

/** A seeded generator in [0, 1) (a linear congruential one: the same numbers on every run). */
export function seeded(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}
