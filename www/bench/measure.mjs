// Measures the page as README reports it: time to interactive, time from Run to the first
// finished step, and steady ms/step on WebGPU (SwiftShader here) and CPU-in-wasm, for one config.
// Run after scripts/build-web: `node bench/measure.mjs` in www/ (prints a Markdown table).
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { preview } from 'vite';

const PORT = 4175;
const FLAGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const STEPS = Number(process.env.STEPS ?? 8);
// 1-digit addition, tiny model, G = 8, 8 prompts, 3-token completions: the config compared below.
const HASH = `#task=arithmetic&digits=1&model=tiny&num_generations=8&prompts_per_step=8&learning_rate=0.001`
  + `&max_completion_length=3&sft_steps=0&steps=${STEPS}&seeds=1&seed=0&v0.preset=grpo&v0.label=grpo&v0.colour=%231f77b4`
  + `&v1.preset=dr_grpo&v1.label=dr_grpo&v1.colour=%23d62728${process.env.EXTRA ?? ""}`;

async function measure(backend, webgpu) {
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'grpo-bench-')), {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true,
    args: webgpu ? [...FLAGS, '--enable-unsafe-webgpu'] : FLAGS,
  });
  const page = await context.newPage();
  const t0 = Date.now();
  await page.goto(`http://127.0.0.1:${PORT}/${HASH}&backend=${backend}`);
  await page.waitForFunction(() => window.__playground !== undefined, null, { timeout: 60_000 });
  const interactive = Date.now() - t0;
  const t1 = Date.now();
  await page.click('[data-testid="run"]');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="variant-0"]')?.getAttribute('data-step')) >= 1, null, { timeout: 300_000, polling: 50 });
  const firstStep = Date.now() - t1;
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid="variant-0"]')?.getAttribute('data-step')) >= n, STEPS, { timeout: 600_000, polling: 100 });
  const walls = await page.evaluate(() => window.__playground.metrics[0][0].map((m) => m.wall_ms));
  const badge = await page.textContent('[data-testid="backend"]');
  await context.close();
  const steady = walls.slice(2);
  return { backend: badge.trim(), interactive, firstStep, firstStepMs: walls[0], msPerStep: steady.reduce((a, b) => a + b, 0) / steady.length };
}

const server = await preview({ root: new URL('..', import.meta.url).pathname, preview: { host: '127.0.0.1', port: PORT, strictPort: true }, logLevel: 'warn' });
try {
  const rows = process.env.CPU_ONLY ? [await measure("cpu", false)] : [await measure("cpu", false), await measure("webgpu", true)];
  console.log('| backend | page interactive | Run → first step | first step | ms/step (steps 3+) |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.backend} | ${r.interactive} ms | ${r.firstStep} ms | ${r.firstStepMs.toFixed(0)} ms | ${r.msPerStep.toFixed(1)} |`);
  }
  const wasm = new URL('../pkg/grpo_playground_bg.wasm', import.meta.url).pathname;
  console.log(`\nwasm: ${(statSync(wasm).size / 1048576).toFixed(2)} MiB raw (see scripts/build-web for gzipped)`);
} finally {
  await server.close();
}
