// Long runs: memory and step time at the start and at the end of many native steps (the CLI's
// `train`; its RSS from /proc) and many page steps (Chromium, CPU in wasm: the renderer's RSS
// from /proc, the page's and every worker's JS heap and every worker's wasm memory over CDP).
// Not a test and not in CI: run it by hand after `cargo build --release` and scripts/build-web,
// in www/ (Node 20 needs --experimental-websocket for the CDP connection; Node 22 has it):
//   node --experimental-websocket bench/long-run.mjs
//   NATIVE_STEPS=10000 PAGE_STEPS=2000 BIN=../target/release/grpo-playground node ... (the defaults)
//   ONLY=native | ONLY=page
// "Flat" here: the value after the first tenth of the run (allocations that come once — weights,
// Adam moments, caches, the wasm heap's growth to its working size) against the value at the
// end, and the least-squares slope over the second half, per 1,000 steps. Both runs keep every
// step's metrics (the CLI for its summary, the page for its charts and CSV), so a flat run still
// grows by that: the page half measures what they cost on its heap (a copy of them) to compare.
// The page's heap is measured after a forced collection; the workers' heaps are not collected.
// PORT and CDP_PORT move the page half's servers off 4177 and 9340; VERBOSE=1 prints each probe.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { preview } from 'vite';

const NATIVE_STEPS = Number(process.env.NATIVE_STEPS ?? 10_000);
const PAGE_STEPS = Number(process.env.PAGE_STEPS ?? 2_000);
const ONLY = process.env.ONLY ?? '';
const BIN = process.env.BIN ?? join(process.env.CARGO_TARGET_DIR ?? new URL('../../target', import.meta.url).pathname, 'release/grpo-playground');
const PORT = Number(process.env.PORT ?? 4177);
const CDP_PORT = Number(process.env.CDP_PORT ?? 9340);
const FLAGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const MB = 1024 * 1024;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resident set size of `pid` in bytes (0 once it has exited). */
function rss(pid) {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
    return Number(line.split(/\s+/)[1]) * 1024;
  } catch {
    return 0;
  }
}

/** Least-squares slope of y over x. */
function slope(points) {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

/** One memory series (samples of `{step, value}`) as the report's row: after a tenth, at the end, the late slope. */
function flatness(name, samples, steps, unit = MB) {
  const early = samples.find((s) => s.step >= steps / 10) ?? samples[0];
  const last = samples[samples.length - 1];
  const late = samples.filter((s) => s.step >= steps / 2).map((s) => ({ x: s.step, y: s.value }));
  return {
    name,
    early: `${(early.value / unit).toFixed(1)} MiB @ step ${early.step}`,
    end: `${(last.value / unit).toFixed(1)} MiB @ step ${last.step}`,
    growth: `${((last.value - early.value) / unit).toFixed(2)} MiB`,
    slope: `${((slope(late) * 1000) / unit).toFixed(3)} MiB / 1000 steps`,
  };
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** Step time over steps [from, to) (1-based step numbers). */
function stepTime(walls, from, to) {
  return `${mean(walls.slice(from - 1, to - 1)).toFixed(2)} ms (steps ${from}–${to - 1})`;
}

function table(title, rows, timing) {
  console.log(`\n### ${title}\n`);
  console.log('| series | after the first tenth | at the end | growth | slope over the second half |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.name} | ${r.early} | ${r.end} | ${r.growth} | ${r.slope} |`);
  console.log(`\nstep time: ${timing}`);
}

async function native() {
  const dir = mkdtempSync(join(tmpdir(), 'grpo-long-'));
  const config = join(dir, 'config.json');
  const out = join(dir, 'metrics.jsonl');
  // The bandit's defaults, training for the whole run (evaluation every 100 steps, as the page's charts would).
  writeFileSync(config, JSON.stringify({ task: { name: 'bandit' }, train: { steps: NATIVE_STEPS, eval_every: 100 } }));
  const child = spawn(BIN, ['train', '--config', config, '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const samples = [];
  let code = null;
  exited.then((c) => { code = c; });
  while (code === null) {
    await sleep(250);
    let steps = 0;
    try {
      steps = readFileSync(out, 'utf8').split('\n').length - 1;
    } catch {
      // Not written yet.
    }
    const value = rss(child.pid);
    if (value > 0) samples.push({ step: steps, value });
  }
  if (code !== 0) throw new Error(`train exited with ${code}: ${stderr}`);
  const walls = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l).wall_ms);
  const n = walls.length;
  table(`native: ${n} steps of \`train\` on the bandit's defaults (${BIN})`, [flatness('RSS', samples, n)],
    `${stepTime(walls, 11, Math.min(n, 511))} at the start, ${stepTime(walls, Math.max(1, n - 499), n + 1)} at the end`);
}

/** A CDP client over the browser's WebSocket with flat sessions (page and worker sessions). */
async function cdp(url) {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
  let id = 0;
  const waiting = new Map();
  const listeners = [];
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (m.id !== undefined) {
      const w = waiting.get(m.id);
      waiting.delete(m.id);
      if (m.error) w.reject(new Error(`${w.method}: ${m.error.message}`));
      else w.resolve(m.result);
    } else for (const l of listeners) l(m);
  };
  return {
    send(method, params = {}, sessionId = undefined) {
      const mid = ++id;
      ws.send(JSON.stringify({ id: mid, method, params, sessionId }));
      return new Promise((resolve, reject) => waiting.set(mid, { resolve, reject, method }));
    },
    on(listener) { listeners.push(listener); },
    close() { ws.close(); },
  };
}

/** The pids of `root` and all its descendants. */
function descendants(root) {
  const parent = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // Gone.
    }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const [pid, ppid] of parent) if (ppid === out[i]) out.push(pid);
  return out;
}

async function page() {
  const server = await preview({ root: new URL('..', import.meta.url).pathname, preview: { host: '127.0.0.1', port: PORT, strictPort: true }, logLevel: 'warn' });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true,
    args: [...FLAGS, `--remote-debugging-port=${CDP_PORT}`, '--enable-precise-memory-info'],
  });
  try {
    const version = await (await fetch(`http://127.0.0.1:${CDP_PORT}/json/version`)).json();
    const rootPid = Number(execFileSync('pgrep', ['-f', `remote-debugging-port=${CDP_PORT}`, '-o']).toString().trim());
    const client = await cdp(version.webSocketDebuggerUrl);
    const page = await browser.newPage();
    // The bandit on the tiny model, two variants, one seed, CPU in wasm, evaluation every 100 steps.
    const hash = `#task=bandit&model=tiny&sft_steps=0&steps=${PAGE_STEPS}&eval_every=100&seeds=1&seed=0&backend=cpu`
      + '&v0.preset=grpo&v1.preset=dr_grpo';
    await page.goto(`http://127.0.0.1:${PORT}/${hash}`);
    await page.waitForFunction(() => window.__playground !== undefined, null, { timeout: 60_000 });
    const { targetInfos } = await client.send('Target.getTargets');
    const target = targetInfos.find((t) => t.type === 'page' && t.url.includes(`:${PORT}/`));
    const { sessionId } = await client.send('Target.attachToTarget', { targetId: target.targetId, flatten: true });
    const workers = new Map();
    client.on((m) => {
      if (m.method === 'Target.attachedToTarget' && m.params.targetInfo.type === 'worker') workers.set(m.params.sessionId, m.params.targetInfo.url);
      if (m.method === 'Target.detachedFromTarget') workers.delete(m.params.sessionId);
    });
    await client.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: true }, sessionId);
    await page.click('[data-testid="run"]');

    /** JS heap used and wasm memory of one page or worker session (the worker keeps its module's memory in `grpoWasmMemory`). */
    const probe = async (session) => {
      const heap = (await client.send('Runtime.getHeapUsage', {}, session)).usedSize;
      const bytes = await client.send('Runtime.evaluate', { expression: 'globalThis.grpoWasmMemory?.buffer.byteLength ?? 0', returnByValue: true }, session);
      return { heap, wasm: bytes.result.value };
    };
    const series = { renderers: [], pageHeap: [], workerHeap: [], wasm: [] };
    const stepNow = () => page.evaluate(() => Math.min(...[0, 1].map((i) => Number(document.querySelector(`[data-testid="variant-${i}"]`)?.getAttribute('data-step')))));
    for (;;) {
      const step = await stepNow();
      const renderers = descendants(rootPid).filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer');
        } catch {
          return false;
        }
      });
      series.renderers.push({ step, value: renderers.reduce((s, pid) => s + rss(pid), 0) });
      // The page's heap after a full collection (workers are not collected: a collection
      // requested over CDP waits for a worker's thread, and a busy one may not answer).
      await client.send('HeapProfiler.collectGarbage', {}, sessionId);
      series.pageHeap.push({ step, value: (await probe(sessionId)).heap });
      let heap = 0;
      let wasm = 0;
      for (const w of [...workers.keys()]) {
        const p = await probe(w).catch(() => ({ heap: 0, wasm: 0 }));
        heap += p.heap;
        wasm += p.wasm;
      }
      series.workerHeap.push({ step, value: heap });
      series.wasm.push({ step, value: wasm });
      if (process.env.VERBOSE) console.error(`step ${step}: ${workers.size} workers, wasm ${(wasm / MB).toFixed(1)} MiB`);
      if (step >= PAGE_STEPS) break;
      await sleep(2000);
    }
    const walls = await page.evaluate(() => window.__playground.metrics[0][0].map((m) => m.wall_ms));
    // What the metrics the page keeps (for its charts and CSV) cost on its heap: a copy of them, measured.
    const heapNow = async () => {
      await client.send('HeapProfiler.collectGarbage', {}, sessionId);
      return (await client.send('Runtime.getHeapUsage', {}, sessionId)).usedSize;
    };
    const without = await heapNow();
    const kept = await page.evaluate(() => {
      window.metricsCopy = structuredClone(window.__playground.metrics);
      return window.metricsCopy.flat(2).length;
    });
    const copy = (await heapNow()) - without;
    await page.evaluate(() => { delete window.metricsCopy; });
    const n = walls.length;
    table(`page: ${n} steps per variant, two variants on the bandit, CPU in wasm (${workers.size} workers probed)`, [
      flatness('renderer RSS (page and its workers)', series.renderers, n),
      flatness('page JS heap (used)', series.pageHeap, n),
      flatness('workers\' JS heap (used, summed)', series.workerHeap, n),
      flatness('workers\' wasm memory (summed)', series.wasm, n),
    ], `${stepTime(walls, 11, Math.min(n, 211))} at the start, ${stepTime(walls, Math.max(1, n - 199), n + 1)} at the end (variant 0)`);
    console.log(`\nthe metrics the page keeps: ${kept} steps (all variants), ${(copy / MB).toFixed(2)} MiB on the JS heap (a copy measured), ${(copy / kept).toFixed(0)} bytes a step`);
    client.close();
  } finally {
    await browser.close();
    await server.close();
  }
}

if (ONLY !== 'page') await native();
if (ONLY !== 'native') await page();
