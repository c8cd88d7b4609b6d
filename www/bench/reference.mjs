// The training-step benchmark in the browser: opens bench.html on CPU-in-wasm and on WebGPU in
// Debian's Chromium (SwiftShader here) and prints a Markdown table. Run after scripts/build-web:
// `node bench/reference.mjs` in www/ (STEPS, WARMUP to change the counts). WEBGPU_FLAGS replaces
// the Chromium flags of the WebGPU run (scripts/gpu-bench passes the ones a hardware GPU needs);
// JSON_OUT=file also writes the results, with the WebGPU adapter's info, as JSON;
// REQUIRE_HARDWARE=1 fails before the WebGPU run when its adapter is missing or software.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { preview } from 'vite';

const PORT = 4176;
const FLAGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const STEPS = Number(process.env.STEPS ?? 10);
const WARMUP = Number(process.env.WARMUP ?? 3);
const WEBGPU_FLAGS = (process.env.WEBGPU_FLAGS ?? '--enable-unsafe-webgpu').split(' ').filter(Boolean);

async function run(backend) {
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'grpo-bench-')), {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true,
    args: backend === 'webgpu' ? [...FLAGS, ...WEBGPU_FLAGS] : FLAGS,
  });
  try {
    const page = await context.newPage();
    let adapter;
    if (backend === 'webgpu') {
      // What WebGPU will run on, asked first on a page that starts nothing: a software adapter
      // (SwiftShader) times nothing a GPU would, and REQUIRE_HARDWARE=1 stops before its minutes.
      await page.goto(`http://127.0.0.1:${PORT}/selftest.html`);
      adapter = await page.evaluate(async () => {
        const a = await navigator.gpu?.requestAdapter();
        if (!a) return null;
        const { vendor, architecture, device, description } = a.info;
        return { vendor, architecture, device, description, isFallbackAdapter: a.info.isFallbackAdapter ?? a.isFallbackAdapter ?? false };
      });
      const software = adapter === null || adapter.isFallbackAdapter || /swiftshader/i.test(Object.values(adapter).join(' '));
      if (software && process.env.REQUIRE_HARDWARE === '1') {
        throw new Error(`no hardware WebGPU adapter in Chromium: ${adapter === null ? 'none at all' : JSON.stringify(adapter)}`);
      }
    }
    await page.goto(`http://127.0.0.1:${PORT}/bench.html?backend=${backend}&warmup=${WARMUP}&steps=${STEPS}`);
    await page.waitForFunction(() => window.benchResult !== undefined, null, { timeout: 1_800_000, polling: 500 });
    const result = await page.evaluate(() => window.benchResult);
    if (result.error) throw new Error(`${backend}: ${result.error}`);
    return adapter === undefined ? result : { ...result, adapter };
  } finally {
    await context.close();
  }
}

const server = await preview({ root: new URL('..', import.meta.url).pathname, preview: { host: '127.0.0.1', port: PORT, strictPort: true }, logLevel: 'warn' });
try {
  const results = [];
  for (const backend of (process.env.BACKENDS ?? 'cpu webgpu').split(' ')) results.push(await run(backend));
  if (process.env.JSON_OUT) writeFileSync(process.env.JSON_OUT, JSON.stringify(results));
  console.log(`| backend | rollout ms | update ms | step ms | completions/s |`);
  console.log('|---|---|---|---|---|');
  for (const { backend, timing: t } of results) {
    console.log(`| ${backend} | ${t.rollout_ms.toFixed(1)} | ${t.update_ms.toFixed(1)} | ${t.step_ms.toFixed(1)} | ${t.completions_per_s.toFixed(0)} |`);
  }
  for (const { adapter } of results) if (adapter !== undefined) console.log(`\nWebGPU adapter: ${JSON.stringify(adapter)}`);
  console.log(`\n| op (ms per launch) | ${results.map((r) => r.backend).join(' | ')} |`);
  console.log(`|---|${results.map(() => '---').join('|')}|`);
  for (const [i, { op }] of results[0].kernels.entries()) {
    console.log(`| ${op} | ${results.map((r) => r.kernels[i].ms.toFixed(3)).join(' | ')} |`);
  }
} finally {
  await server.close();
}
