// Profiles the reference training step as CPU-in-wasm in Chromium (bench.html, driven like
// bench/reference.mjs) and prints the functions with the most self time: where the wasm step's
// time goes. Needs a wasm with its name section (scripts/build-web drops it): build with
// `KEEP_NAMES=1 scripts/build-web`, then in www/: `node bench/profile.mjs`
// (STEPS, TOP to change the counts).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { preview } from 'vite';

const PORT = 4178;
const FLAGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const STEPS = Number(process.env.STEPS ?? 20);
const TOP = Number(process.env.TOP ?? 30);

const server = await preview({ root: new URL('..', import.meta.url).pathname, preview: { host: '127.0.0.1', port: PORT, strictPort: true }, logLevel: 'warn' });
const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'grpo-profile-')), {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: FLAGS,
});
try {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  await page.goto(`http://127.0.0.1:${PORT}/bench.html?backend=cpu&warmup=3&steps=${STEPS}`);
  await page.waitForFunction(() => window.benchResult !== undefined, null, { timeout: 1_800_000, polling: 500 });
  const { profile } = await cdp.send('Profiler.stop');
  const result = await page.evaluate(() => window.benchResult);
  if (result.error) throw new Error(result.error);
  // Self time per function: each sample is charged to the node it landed in.
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const deltas = profile.timeDeltas;
  profile.samples.forEach((id, i) => {
    const name = byId.get(id).callFrame.functionName || '(anonymous)';
    self.set(name, (self.get(name) ?? 0) + (deltas[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, TOP);
  console.log(`step ${result.timing.step_ms.toFixed(1)} ms (rollout ${result.timing.rollout_ms.toFixed(1)}, update ${result.timing.update_ms.toFixed(1)})`);
  console.log('| self % | function |');
  console.log('|---|---|');
  for (const [name, us] of rows) console.log(`| ${((100 * us) / total).toFixed(1)} | \`${name.slice(0, 140)}\` |`);
} finally {
  await context.close();
  await server.close();
}
