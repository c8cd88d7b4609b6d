// Browser tests in a real headless Chromium (Debian's, WebGPU through SwiftShader here), driven
// by playwright-core against the built page served by `vite preview`. Run: `npm test` in www/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { preview } from 'vite';

const PORT = 4174;
const BASE = `http://127.0.0.1:${PORT}/`;
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run'];

let server;
const browsers = [];

async function launch({ webgpu }) {
  const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'grpo-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: webgpu ? [...FLAGS, '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=swiftshader'] : FLAGS,
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
  });
  browsers.push(browser);
  return browser;
}

/** A page that records console errors and uncaught exceptions. */
async function open(browser, url) {
  const page = await browser.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  await page.waitForFunction(() => window.__playground !== undefined, null, { timeout: 60_000 });
  return { page, errors };
}

const stepOf = (page, n) => page.getAttribute(`[data-testid="variant-${n}"]`, 'data-step').then(Number);

async function waitForSteps(page, variants, atLeast, timeout) {
  await page.waitForFunction(
    ([n, k]) => [...Array(n).keys()].every((i) =>
      Number(document.querySelector(`[data-testid="variant-${i}"]`)?.getAttribute('data-step')) >= k),
    [variants, atLeast], { timeout, polling: 250 });
}

/** Bandit, tiny model: a step is a few ms on the CPU and ~1 s through SwiftShader. */
function bandit(backend, steps, extra = '') {
  return `${BASE}#task=bandit&arms=8&model=tiny&num_generations=8&prompts_per_step=4&learning_rate=0.01`
    + `&max_completion_length=1&sft_steps=0&steps=${steps}&seeds=1&seed=0&backend=${backend}`
    + `&v0.preset=grpo&v0.label=grpo&v0.colour=%231f77b4&v1.preset=rloo&v1.label=rloo&v1.colour=%23d62728${extra}`;
}

before(async () => {
  server = await preview({ root: new URL('..', import.meta.url).pathname, preview: { host: '127.0.0.1', port: PORT, strictPort: true }, logLevel: 'warn' });
});

after(async () => {
  for (const b of browsers) await b.close();
  await server?.close();
});

test('the wasm is at most 3 MB gzipped', async () => {
  const wasm = await readFile(new URL('../pkg/grpo_playground_bg.wasm', import.meta.url));
  const gz = gzipSync(wasm, { level: 9 }).length;
  assert.ok(gz <= 3_000_000, `${gz} bytes gzipped (${wasm.length} raw)`);
});

test('two variants train on WebGPU and their data-step advances', { timeout: 300_000 }, async () => {
  const browser = await launch({ webgpu: true });
  const { page, errors } = await open(browser, bandit('webgpu', 3));
  await page.click('[data-testid="run"]');
  await waitForSteps(page, 2, 2, 280_000);
  const badge = await page.textContent('[data-testid="backend"]');
  assert.match(badge, /WebGPU/, `badge: ${badge}`);
  assert.ok((await stepOf(page, 0)) >= 2 && (await stepOf(page, 1)) >= 2);
  assert.deepEqual(errors, []);
});

test('the same batch gives the same loss on WebGPU and on the CPU in wasm', { timeout: 300_000 }, async () => {
  const browser = await launch({ webgpu: true });
  const page = await browser.newPage();
  await page.goto(`${BASE}selftest.html`);
  const result = await page.evaluate(() => window.selftest(), null);
  assert.ok(Number.isFinite(result.cpu) && Number.isFinite(result.webgpu), JSON.stringify(result));
  assert.ok(Math.abs(result.cpu - result.webgpu) <= 1e-4 * Math.max(1, Math.abs(result.cpu)), JSON.stringify(result));
  assert.equal(result.roundtrip, result.cpu, 'WebGPU → checkpoint → CPU keeps the weights exactly');
});

test('auto falls back to the CPU without WebGPU, trains, exports CSV and restores from its URL', { timeout: 120_000 }, async () => {
  const browser = await launch({ webgpu: false });
  const url = bandit('auto', 12);
  const { page, errors } = await open(browser, url);
  await page.click('[data-testid="run"]');
  await waitForSteps(page, 2, 12, 100_000);
  const badge = await page.textContent('[data-testid="backend"]');
  assert.match(badge, /CPU/, `badge: ${badge}`);
  const reward = Number(await page.getAttribute('[data-testid="variant-0"]', 'data-reward'));
  assert.ok(Number.isFinite(reward), 'data-reward is a number');

  // CSV: one row per step per variant (one seed), with the metric columns.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="export-csv"]')]);
  const csv = (await readFile(await download.path(), 'utf8')).trim().split('\n');
  const header = csv[0].split(',');
  for (const column of ['variant', 'preset', 'seed', 'step', 'phase', 'reward_mean', 'kl', 'entropy', 'clip_frac_low', 'kept_frac', 'tokens_per_s']) {
    assert.ok(header.includes(column), `CSV header lacks ${column}: ${csv[0]}`);
  }
  assert.equal(csv.length - 1, 12 * 2, 'one row per step per variant');

  // The URL carries the whole configuration: a fresh page on it has the same state.
  const shared = page.url();
  const state = await page.evaluate(() => JSON.stringify(window.__playground.state));
  const second = await open(browser, shared);
  assert.equal(await second.page.evaluate(() => JSON.stringify(window.__playground.state)), state);
  assert.equal(await second.page.textContent('[data-testid="variant-1"] select, [data-testid="variant-1"]').then((t) => t.includes('rloo')), true);

  await page.screenshot({ path: new URL('../../docs/screenshot.png', import.meta.url).pathname });
  assert.deepEqual(errors, []);
  assert.deepEqual(second.errors, []);
});

test('the bench page times the reference step in wasm, each prompt encoded once per group', { timeout: 180_000 }, async () => {
  const browser = await launch({ webgpu: false });
  const page = await browser.newPage();
  await page.goto(`${BASE}bench.html?backend=cpu&warmup=1&steps=3`);
  await page.waitForFunction(() => window.benchResult !== undefined, null, { timeout: 170_000, polling: 250 });
  const result = await page.evaluate(() => window.benchResult);
  assert.equal(result.error, undefined, result.error);
  const t = result.timing;
  assert.deepEqual([t.prompts, t.group, t.max_len], [16, 8, 8]);
  assert.ok(t.rollout_ms > 0 && t.update_ms > 0 && t.step_ms >= Math.min(t.rollout_ms, t.update_ms), JSON.stringify(t));
  assert.ok(Math.abs(t.completions_per_s * t.step_ms / 1000 - 128) < 1e-6, 'completions/s is 128 per step');
  // 16 prompts of 5–7 tokens, encoded once each; a per-completion encoding would be 8× that.
  assert.ok(t.prompt_tokens_encoded >= 16 * 5 && t.prompt_tokens_encoded <= 16 * 7, `${t.prompt_tokens_encoded}`);
  assert.equal(t.prompt_tokens_unshared, 8 * t.prompt_tokens_encoded);
  assert.deepEqual(result.kernels.map((k) => k.ms >= 0 && Number.isFinite(k.ms)), Array(6).fill(true));
});
