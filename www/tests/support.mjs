// What the unit tests share: the page's TypeScript modules, compiled by Vite's SSR loader (no
// browser, no build step), and the REAL schema with Rust's own validator, from the built wasm
// package (www/pkg, which scripts/build-web writes; `initSync` loads it in Node). No test holds
// a copy of the schema. GRPO_SCHEMA=<file> reads the schema from `grpo-playground schema` output
// instead (then there is no Rust validator, and the tests that need one skip).
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

after(async () => {
  await server?.close();
  server = undefined;
});

let rust;

/**
 * `{ json, validate }`: the schema document and Rust's `validate_config` (`''` when a config is
 * valid, else the message naming the field), or `validate: null` with GRPO_SCHEMA.
 */
export async function rustSchema() {
  if (rust) return rust;
  if (process.env.GRPO_SCHEMA) {
    rust = { json: readFileSync(process.env.GRPO_SCHEMA, 'utf8'), validate: null };
    return rust;
  }
  const wasm = new URL('../pkg/grpo_playground_bg.wasm', import.meta.url);
  if (!existsSync(wasm)) throw new Error('www/pkg is not built: run scripts/build-web first (or set GRPO_SCHEMA to `grpo-playground schema` output)');
  const pkg = await import(new URL('../pkg/grpo_playground.js', import.meta.url).href);
  pkg.initSync({ module: readFileSync(wasm) });
  if (typeof pkg.schema !== 'function') throw new Error('www/pkg has no schema() export: rebuild it with scripts/build-web');
  rust = { json: pkg.schema(), validate: pkg.validate_config };
  return rust;
}

/** The page's catalog of the real schema. */
export async function catalog() {
  const { readSchema } = await load('/src/schema.ts');
  return readSchema((await rustSchema()).json);
}

/** A seeded generator in [0, 1) (a linear congruential one: the same numbers on every run). */
export function seeded(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}
