// One training run (one variant × one seed) per worker. Each worker is an independent wasm
// instance with its own WebGPU device, so runs never wait on each other's steps, spread over the
// cores of the machine (the browser schedules the workers), and a crash ends only its own run.
// JS drives the loop: a play loop calls `session.step()` until its cancel token goes stale.

import init, { Session, export_config, lesson_check, lessons, schema, validate_config } from '../pkg/grpo_playground.js';
import type { StepMetrics } from './metrics';
import { errorMessage, type Device, type FromWorker, type FromWorkerTagged, type Sample, type ToWorker } from './protocol';
import type { RunConfig } from './state';

/** Steps between sample snapshots for the viewer (each costs a JSON round trip). */
const SAMPLE_EVERY = 5;
/**
 * A WebGPU session saves its state (what a CPU fallback resumes from) every this many steps, or
 * sooner once `CHECKPOINT_MS` passed since the last save: a loss then costs at most that much
 * training, on a fast GPU (20 steps of milliseconds) as on a slow one (a software adapter takes
 * seconds a step). A save of the tiny models here is a few hundred kB and one readback.
 */
const CHECKPOINT_EVERY = 20;
const CHECKPOINT_MS = 10_000;

/** The part of a dedicated worker's global scope used here (the DOM lib types `self` as a Window). */
interface WorkerScope {
  postMessage(message: FromWorkerTagged, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (e: MessageEvent<ToWorker>) => void): void;
  addEventListener(type: 'error', listener: (e: ErrorEvent) => void): void;
  addEventListener(type: 'unhandledrejection', listener: (e: PromiseRejectionEvent) => void): void;
}
const scope = self as unknown as WorkerScope;

/** The `gen` of the session (or standby) the worker is on: what its messages are about. */
let gen = 0;

function post(message: FromWorker, transfer: Transferable[] = []): void {
  scope.postMessage({ ...message, gen }, transfer);
}

interface Run {
  session: Session;
  config: RunConfig;
  backend: Device;
  step: number;
  /** Trains only the supervised warm-up, then posts its state (`warmed`) and stops. */
  warmup: boolean;
  /** `performance.now()` at the last checkpoint (or when the session was opened). */
  savedAt: number;
}

let run: Run | null = null;
/** Bumped by pause, step, create and standby: a play loop stops once its token is stale. */
let token = 0;
/** Session calls run one at a time: a `step()` during another one is rejected as busy. */
let queue: Promise<unknown> = Promise.resolve();
let wasm: Promise<unknown> | null = null;

function serial<T>(job: () => Promise<T>): Promise<T> {
  const next = queue.then(job);
  queue = next.catch(() => undefined);
  return next;
}

/** Instantiates the wasm module once per worker. */
function loadWasm(): Promise<unknown> {
  wasm ??= init().then((exports) => {
    // For memory probes (bench/long-run.mjs reads it over the DevTools protocol): the module's
    // linear memory is otherwise reachable only by walking the heap, which stalls a busy worker.
    (globalThis as { grpoWasmMemory?: WebAssembly.Memory }).grpoWasmMemory = exports.memory;
    return exports;
  });
  return wasm;
}

/**
 * The WebGPU devices this worker's wasm opened. wgpu opens them through
 * `GPUAdapter.requestDevice`, which is wrapped here (before the wasm loads) to keep each device
 * and watch its `lost` promise: a GPU reset, a driver crash or the browser reclaiming the device
 * resolves it, and the run's error then says so at once, whether or not the step in flight ever
 * settles (after a loss, a readback may wait forever). The page moves such a run to the CPU from
 * its last checkpoint (runs.ts).
 */
const devices: GPUDevice[] = [];

function watchDevices(): void {
  const adapter = (globalThis as { GPUAdapter?: typeof GPUAdapter }).GPUAdapter;
  if (!adapter) return;
  const request = adapter.prototype.requestDevice;
  adapter.prototype.requestDevice = async function (this: GPUAdapter, descriptor?: GPUDeviceDescriptor): Promise<GPUDevice> {
    const device = await request.call(this, descriptor);
    devices.push(device);
    void device.lost.then((info) => lost(device, info));
    return device;
  };
}
watchDevices();

/** How the last device was lost; null while none was. */
let lostInfo: GPUDeviceLostInfo | null = null;
/** The loss was reported already (by `lost` or by a failed step's `explain`). */
let lossReported = false;

function lossMessage(info: GPUDeviceLostInfo): string {
  return `WebGPU device lost (${info.reason})${info.message ? `: ${info.message}` : ''}`;
}

function lost(device: GPUDevice, info: GPUDeviceLostInfo): void {
  const i = devices.indexOf(device);
  if (i >= 0) devices.splice(i, 1);
  lostInfo = info;
  // A CPU session (or none) does not care; a WebGPU one stops stepping and says why.
  if (run?.backend !== 'webgpu' || lossReported) return;
  lossReported = true;
  token++;
  post({ type: 'error', message: lossMessage(info) });
}

/**
 * How long a failed WebGPU step waits for its device's `lost` promise before reporting its own
 * error: the loss's news crosses the GPU process, which a busy software adapter can delay for
 * long after the failed readback (250 ms was not always enough here).
 */
const LOSS_WAIT_MS = 2_000;

/**
 * What to say about an error of this worker. A WebGPU step often fails first (its readback is
 * refused) and the device's `lost` promise settles a moment later: the loss is the cause to name.
 */
async function explain(err: unknown): Promise<string> {
  const message = errorMessage(err);
  if (run?.backend !== 'webgpu' || (devices.length === 0 && !lostInfo)) return message;
  const info = lostInfo ?? await Promise.race([...devices.map((d) => d.lost), new Promise<null>((r) => setTimeout(() => r(null), LOSS_WAIT_MS))]);
  if (!info) return message;
  lossReported = true;
  return lossMessage(info);
}

/** The test hook: a real loss where there is a device, else the error one would post. */
function loseDevice(): void {
  const device = devices.at(-1);
  if (device && run?.backend === 'webgpu') {
    post({ type: 'losing', how: 'destroyed' });
    device.destroy();
    return;
  }
  post({ type: 'losing', how: 'injected' });
  token++;
  post({ type: 'error', message: 'WebGPU device lost (injected by the test hook): no device to destroy' });
}

/** Loads the wasm and checks `config` (before touching the device: a bad config fails at once). */
async function check(config: RunConfig): Promise<string> {
  await loadWasm();
  const json = JSON.stringify(config);
  const problem = validate_config(json);
  if (problem !== '') throw new Error(problem);
  return json;
}

type Start = { from?: ArrayBuffer | undefined; branch?: ArrayBuffer | undefined };

async function open(config: RunConfig, backend: Device, start: Start = {}): Promise<Session> {
  const json = await check(config);
  if (start.branch) return Session.branch(new Uint8Array(start.branch), json, backend);
  return start.from ? Session.load(new Uint8Array(start.from), backend) : Session.create(json, backend);
}

async function create(m: Extract<ToWorker, { type: 'create' }>): Promise<void> {
  token++;
  await serial(async () => {
    gen = m.gen;
    run?.session.free();
    run = null;
    const session = await open(m.config, m.backend, { from: m.from, branch: m.branch });
    run = { session, config: m.config, backend: m.backend, step: session.steps_done(), warmup: m.warmup === true, savedAt: performance.now() };
    post({ type: 'ready', backend: session.backend(), parameters: session.parameter_count(), step: run.step });
    // A warm-up resumed from a checkpoint taken at its very end has nothing left to train.
    if (run.warmup && run.step >= run.config.train.sft_steps) await postWarmed(run);
  });
}

async function standby(m: Extract<ToWorker, { type: 'standby' }>): Promise<void> {
  token++;
  await serial(async () => {
    gen = m.gen;
    run?.session.free();
    run = null;
    await check(m.config);
    post({ type: 'standby' });
  });
}

/** The whole training state as an ArrayBuffer that owns exactly its bytes (transferable without a copy). */
async function saved(r: Run): Promise<ArrayBuffer> {
  const bytes = (await r.session.save()) as Uint8Array;
  return bytes.slice().buffer;
}

async function postWarmed(r: Run): Promise<void> {
  const bytes = await saved(r);
  post({ type: 'warmed', step: r.step, bytes }, [bytes]);
}

async function postSamples(r: Run): Promise<void> {
  const samples = JSON.parse(r.session.samples(r.config.train.num_generations)) as Sample[];
  // `[]` for tasks whose answers are not one choice among a few tokens.
  const arms = JSON.parse(String(await r.session.arm_probabilities())) as number[];
  post({ type: 'samples', samples, arms });
}

async function stepOnce(r: Run, withSamples: boolean): Promise<void> {
  const metrics = JSON.parse(String(await r.session.step())) as StepMetrics;
  r.step = metrics.step;
  post({ type: 'metrics', metrics });
  // Warm-up steps sample nothing to show; RL steps show their first rollout, then every few.
  const firstRl = r.step === r.config.train.sft_steps + 1;
  if (metrics.phase !== 'sft' && (withSamples || firstRl || r.step % SAMPLE_EVERY === 0)) await postSamples(r);
  if (r.warmup && r.step >= r.config.train.sft_steps) {
    await postWarmed(r);
  } else if (r.backend === 'webgpu' && (r.step % CHECKPOINT_EVERY === 0 || performance.now() - r.savedAt >= CHECKPOINT_MS)) {
    r.savedAt = performance.now();
    const bytes = await saved(r);
    post({ type: 'checkpoint', step: r.step, bytes }, [bytes]);
  }
}

function unfinished(): Run | null {
  // The trainer runs the supervised warm-up steps first, then `steps` RL steps; a warm-up
  // session stops after the former.
  if (!run) return null;
  const { sft_steps, steps } = run.config.train;
  return run.step < (run.warmup ? sft_steps : sft_steps + steps) ? run : null;
}

/**
 * One turn of the worker's task queue. A CPU step can resolve without leaving the microtask
 * queue, so a loop of them would never let the page's messages (pause, live changes) in: the
 * play loop waits for this between steps. A MessageChannel message, unlike setTimeout, is not
 * clamped to 4 ms.
 */
const turns = new MessageChannel();
const TURN_MS = 10;
const waiting: (() => void)[] = [];
turns.port1.onmessage = () => waiting.shift()?.();
function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    turns.port2.postMessage(null);
  });
}

/** Steps until the token goes stale (pause, step, reset) or the step budget is spent. */
async function play(): Promise<void> {
  const mine = ++token;
  const advance = async (): Promise<boolean> => {
    const r = unfinished();
    if (mine !== token || !r) return false;
    await stepOnce(r, false);
    return true;
  };
  let turn = performance.now();
  while (await serial(advance)) {
    // A turn every few milliseconds: messages wait at most that (and a step); fast steps lose little.
    if (performance.now() - turn < TURN_MS) continue;
    await nextTurn();
    turn = performance.now();
  }
  // A warm-up session has said `warmed` instead; the page branches the RL runs from it.
  if (mine === token && run && !run.warmup) post({ type: 'done' });
}

async function calibrate(config: RunConfig): Promise<FromWorker> {
  const cpuMs = await timeStep(config, 'cpu');
  try {
    return { type: 'calibrated', cpuMs, webgpuMs: await timeStep(config, 'webgpu'), error: '' };
  } catch (e) {
    return { type: 'calibrated', cpuMs, webgpuMs: null, error: errorMessage(e) };
  }
}

/** Milliseconds of a second step: the first includes WebGPU shader compilation, paid once per run. */
async function timeStep(config: RunConfig, backend: Device): Promise<number> {
  const session = await open(config, backend);
  try {
    await session.step();
    const t0 = performance.now();
    await session.step();
    return performance.now() - t0;
  } finally {
    session.free();
  }
}

async function handle(m: ToWorker): Promise<void> {
  switch (m.type) {
    case 'schema':
      await loadWasm();
      post({ type: 'schema', schema: schema() });
      return;
    case 'lessons':
      await loadWasm();
      post({ type: 'lessons', lessons: lessons() });
      return;
    case 'check':
      await loadWasm();
      post({ type: 'checked', report: lesson_check(m.id, m.runs) });
      return;
    case 'export':
      await loadWasm();
      post({ type: 'exported', text: export_config(JSON.stringify(m.config), m.to) });
      return;
    case 'calibrate':
      post(await calibrate(m.config));
      return;
    case 'create':
      return create(m);
    case 'standby':
      return standby(m);
    case 'run':
      return play();
    case 'pause':
      token++;
      return serial(async () => post({ type: 'paused' }));
    case 'step':
      token++;
      return serial(async () => {
        const r = unfinished();
        if (r) await stepOnce(r, true);
        else if (run && !run.warmup) post({ type: 'done' });
      });
    case 'inspect':
      // Queued behind the step in flight: it reads the step that just finished.
      return serial(async () => post({ type: 'inspected', json: run && !run.warmup ? String(await run.session.inspect()) : 'null' }));
    case 'live':
      return serial(async () => live(m));
    case 'loseDevice':
      // Not queued: the point is to lose the device in the middle of a step.
      loseDevice();
      return;
    case 'save':
      // Saved runs (persist.ts). A warm-up session posts its state as `warmed` instead.
      return serial(async () => {
        if (!run || run.warmup) return;
        const bytes = await saved(run);
        post({ type: 'checkpoint', step: run.step, bytes }, [bytes]);
      });
  }
}

/**
 * Live knobs change between steps. A warm-up session only notes the config (it trains no RL
 * step; the branch after it starts from `config`); a worker without a session has nothing to do.
 */
function live(m: Extract<ToWorker, { type: 'live' }>): void {
  if (!run) return;
  run.config = m.config;
  if (run.warmup) return;
  try {
    run.session.set_live(JSON.stringify(m.changes));
  } catch (e) {
    post({ type: 'liveError', message: errorMessage(e) });
  }
}

function report(err: unknown): void {
  void explain(err).then((message) => post({ type: 'error', message }));
}

scope.addEventListener('message', (e) => {
  handle(e.data).catch(report);
});
// A wasm panic surfaces as an uncaught exception outside any awaited promise: report it too.
scope.addEventListener('unhandledrejection', (e) => {
  e.preventDefault();
  report(e.reason);
});
scope.addEventListener('error', (e) => {
  e.preventDefault();
  report(e.message || 'worker error');
});
