// The training-step benchmark in the browser: opens bench.html on CPU-in-wasm and on WebGPU in
// Debian's Chromium (SwiftShader here) and prints a Markdown table. Run after scripts/build-web:
// `node bench/reference.mjs` in www/ (STEPS, WARMUP to change the counts).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { preview } from 'vite';

const PORT = 4176;
const FLAGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const STEPS = Number(process.env.STEPS ?? 10);
const WARMUP = Number(process.env.WARMUP ?? 3);

async function run(backend) {
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'grpo-bench-')), {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true,
    args: backend === 'webgpu' ? [...FLAGS, '--enable-unsafe-webgpu'] : FLAGS,
  });
  try {
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${PORT}/bench.html?backend=${backend}&warmup=${WARMUP}&steps=${STEPS}`);
    await page.waitForFunction(() => window.benchResult !== undefined, null, { timeout: 1_800_000, polling: 500 });
    const result = await page.evaluate(() => window.benchResult);
    if (result.error) throw new Error(`${backend}: ${result.error}`);
    return result;
  } finally {
    await context.close();
  }
}

const server = await preview({ root: new URL('..', import.meta.url).pathname, preview: { host: '127.0.0.1', port: PORT, strictPort: true }, logLevel: 'warn' });
try {
  const results = [];
  for (const backend of (process.env.BACKENDS ?? 'cpu webgpu').split(' ')) results.push(await run(backend));
  console.log(`| backend | rollout ms | update ms | step ms | completions/s |`);
  console.log('|---|---|---|---|---|');
  for (const { backend, timing: t } of results) {
    console.log(`| ${backend} | ${t.rollout_ms.toFixed(1)} | ${t.update_ms.toFixed(1)} | ${t.step_ms.toFixed(1)} | ${t.completions_per_s.toFixed(0)} |`);
  }
  console.log(`\n| op (ms per launch) | ${results.map((r) => r.backend).join(' | ')} |`);
  console.log(`|---|${results.map(() => '---').join('|')}|`);
  for (const [i, { op }] of results[0].kernels.entries()) {
    console.log(`| ${op} | ${results.map((r) => r.kernels[i].ms.toFixed(3)).join(' | ')} |`);
  }
} finally {
  await server.close();
}
