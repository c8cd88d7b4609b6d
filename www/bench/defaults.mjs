// Measures the page on each task's defaults, as a visitor gets them (`#task=NAME`, two variants,
// CPU in wasm): time from Run to the first RL step, seconds per step in the warm-up and in RL,
// and held-out accuracy against the wall clock. Run after scripts/build-web, in www/:
//   node bench/defaults.mjs                   # every task, 90 s of training each
//   TASKS=arithmetic,chain TRAIN_S=60 node bench/defaults.mjs
//   HASH='#task=chain&sft_steps=300' node bench/defaults.mjs
//   SHOT=/tmp/page node bench/defaults.mjs    # also a screenshot per page at the end: /tmp/page-TASK.png
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { preview } from 'vite';

const PORT = 4176;
const FLAGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const SECONDS = Number(process.env.TRAIN_S ?? 90);
const HASHES = process.env.HASH
  ? [process.env.HASH]
  : (process.env.TASKS ?? 'default,arithmetic,chain,maze,bandit').split(',').map((t) => (t === 'default' ? '' : `#task=${t}`));

async function measure(hash) {
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'grpo-defaults-')), {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: FLAGS,
  });
  try {
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${PORT}/${hash}`);
    await page.waitForFunction(() => /^ready/.test(document.querySelector('[data-testid="status"]')?.textContent ?? ''), null, { timeout: 120_000 });
    const { train, task } = await page.evaluate(() => ({ train: window.__playground.state.train, task: window.__playground.state.task }));
    // In the page: when each variant's seed-0 run first showed each step (ms after Run).
    await page.evaluate(() => {
      const seen = (window.__seen = []);
      const t0 = performance.now();
      const tick = () => {
        window.__playground.metrics.forEach((seeds, v) => {
          seen[v] ??= {};
          for (const m of seeds[0] ?? []) seen[v][m.step] ??= performance.now() - t0;
        });
      };
      window.__tick = setInterval(tick, 100);
    });
    await page.click('[data-testid="run"]');
    const end = Date.now() + SECONDS * 1000;
    while (Date.now() < end && !/^done/.test(await page.textContent('[data-testid="status"]'))) await page.waitForTimeout(500);
    await page.click('[data-testid="pause"]');
    await page.waitForTimeout(300);
    if (process.env.SHOT) await page.screenshot({ path: `${process.env.SHOT}-${hash ? task : 'default'}.png` });
    const { metrics, seen, counters } = await page.evaluate(() => ({ metrics: window.__playground.metrics, seen: window.__seen, counters: window.__playground.counters }));
    const sft = train.sft_steps;
    const rows = metrics.map((seeds, v) => {
      const run = seeds[0];
      const at = seen[v] ?? {};
      const firstRl = at[sft + 1];
      const warm = run.filter((m) => m.phase === 'sft');
      const rl = run.filter((m) => m.phase === 'rl');
      const evals = run.filter((m) => typeof m.eval_accuracy === 'number').map((m) => ({
        step: m.step, s: +((at[m.step] ?? NaN) / 1000).toFixed(1), acc: +m.eval_accuracy.toFixed(3),
        ...(m.eval_by_difficulty ? { by: m.eval_by_difficulty } : {}),
      }));
      const last = run.at(-1)?.step ?? 0;
      const rlSeconds = firstRl !== undefined && at[last] !== undefined && last > sft + 1 ? (at[last] - firstRl) / 1000 / (last - sft - 1) : NaN;
      return {
        variant: v, steps: last, firstRlS: firstRl === undefined ? null : +(firstRl / 1000).toFixed(1),
        warmupMsPerStep: warm.length ? +(warm.reduce((a, m) => a + m.wall_ms, 0) / warm.length).toFixed(1) : null,
        rlMsPerStep: rl.length ? +(rl.reduce((a, m) => a + m.wall_ms, 0) / rl.length).toFixed(1) : null,
        rlWallSPerStep: +rlSeconds.toFixed(3),
        evals,
      };
    });
    return { hash: hash || '(no hash)', task, train, counters, rows };
  } finally {
    await context.close();
  }
}

const server = await preview({ root: new URL('..', import.meta.url).pathname, preview: { host: '127.0.0.1', port: PORT, strictPort: true }, logLevel: 'warn' });
try {
  for (const hash of HASHES) console.log(JSON.stringify(await measure(hash)));
} finally {
  await server.close();
}
