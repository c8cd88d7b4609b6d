// Where the runs train: WebGPU or CPU, chosen by evidence rather than assumed. A software
// adapter (SwiftShader) took 2–3 s per step where CPU-in-wasm took ~15 ms (DESIGN.md, Facts), so
// "auto" rules those out, then times one warm step on each device and keeps the faster.

import { ask, errorMessage, spawnWorker, type Device } from './protocol';
import { toRunConfig } from './resolve';
import type { Catalog } from './schema';
import { defaultState, type BackendChoice, type RunConfig } from './state';

/** The device chosen and why; `adapterName` is empty when no adapter was found. */
export interface Resolved {
  device: Device;
  reason: string;
  adapterName: string;
}

/** Calibration gives up after this long (a stuck GPU step would otherwise block the page). */
const CALIBRATION_TIMEOUT_MS = 60_000;

export interface Adapter {
  name: string;
  /** What to call a software adapter in the badge; empty for hardware. */
  software: string;
}

/** The fields of `GPUAdapterInfo` the choice reads. */
export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter?: boolean;
}

/** A name for the badge, and whether the adapter is software (SwiftShader, or the browser says it is a fallback). */
export function describeAdapter(info: AdapterInfo): Adapter {
  const name = info.description || [info.vendor, info.architecture].filter(Boolean).join(' ') || 'unnamed adapter';
  const swiftShader = /swiftshader/i.test(`${info.vendor} ${info.architecture} ${info.device} ${info.description}`);
  return { name, software: swiftShader ? 'SwiftShader' : info.isFallbackAdapter === true ? name : '' };
}

/** The adapter WebGPU would use, or the reason there is none. */
async function findAdapter(): Promise<Adapter | string> {
  // `navigator.gpu` is typed as always present; browsers without WebGPU leave it undefined.
  const gpu = (navigator as { gpu?: GPU }).gpu;
  if (!gpu) return 'WebGPU unavailable';
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter();
  } catch (e) {
    return `WebGPU adapter request failed: ${errorMessage(e)}`;
  }
  if (!adapter) return 'no WebGPU adapter';
  return describeAdapter(adapter.info);
}

function cpu(reason: string, adapterName = ''): Resolved {
  return { device: 'cpu', reason, adapterName };
}

/** The tiny run "auto" times: RL steps of the default task on the tiny model, small groups. */
export function calibrationConfig(catalog: Catalog): RunConfig {
  const s = defaultState(catalog);
  s.model = 'tiny';
  s.train = { ...s.train, num_generations: 4, prompts_per_step: 4, sft_steps: 0, steps: 2 };
  return toRunConfig(s, 0, 0, catalog);
}

/** Times one warm step of `config` on each device in a throwaway worker. */
async function calibrate(config: RunConfig): Promise<{ cpuMs: number; webgpuMs: number | null; error: string }> {
  const worker = spawnWorker();
  let timer = 0;
  const timeout = new Promise<never>((_, reject) => {
    timer = window.setTimeout(() => reject(new Error('WebGPU calibration timed out')), CALIBRATION_TIMEOUT_MS);
  });
  try {
    return await Promise.race([ask(worker, { type: 'calibrate', config }, 'calibrated'), timeout]);
  } finally {
    window.clearTimeout(timer);
    worker.terminate();
  }
}

/**
 * The choice before any timing: `choice` with the adapter found (or why there is none). Null:
 * "auto" on a hardware adapter, which times a step on each device (`afterCalibration`).
 */
export function decide(choice: BackendChoice, adapter: Adapter | string): Resolved | null {
  if (choice === 'cpu') return cpu('chosen in settings');
  if (typeof adapter === 'string') return cpu(adapter);
  if (choice === 'webgpu') return { device: 'webgpu', reason: 'chosen in settings', adapterName: adapter.name };
  if (adapter.software) return cpu(`software adapter (${adapter.software})`, adapter.name);
  return null;
}

/** "auto" after timing a warm step on each device: the faster one; the CPU when WebGPU failed. */
export function afterCalibration(adapter: Adapter, t: { cpuMs: number; webgpuMs: number | null; error: string }): Resolved {
  if (t.webgpuMs === null) return cpu(`WebGPU failed: ${t.error}`, adapter.name);
  const timing = `WebGPU ${t.webgpuMs.toFixed(1)} ms/step, CPU ${t.cpuMs.toFixed(1)} ms/step`;
  return t.webgpuMs < t.cpuMs
    ? { device: 'webgpu', reason: `faster: ${timing}`, adapterName: adapter.name }
    : cpu(`faster than WebGPU (${timing})`, adapter.name);
}

/** Resolves the user's choice; `calibration` is a tiny run config used only to time "auto". */
export async function chooseBackend(choice: BackendChoice, calibration: RunConfig): Promise<Resolved> {
  const adapter = choice === 'cpu' ? 'not asked' : await findAdapter();
  const decided = decide(choice, adapter);
  if (decided || typeof adapter === 'string') return decided ?? cpu(String(adapter));
  try {
    return afterCalibration(adapter, await calibrate(calibration));
  } catch (e) {
    return cpu(errorMessage(e), adapter.name);
  }
}

/** The badge: "WebGPU (adapter name)" or "CPU — reason". */
export function badgeText(r: Resolved): string {
  return r.device === 'webgpu' ? `WebGPU (${r.adapterName})` : `CPU — ${r.reason}`;
}

/**
 * Whether an error of a WebGPU run is the GPU's doing (device lost, shader or out-of-memory
 * failures, or a wasm panic, which on WebGPU is most likely a failed readback) rather than, say,
 * a config error that the CPU would hit as well.
 */
export function isGpuFailure(message: string): boolean {
  return /gpu|device|adapter|shader|lost|out of memory|unreachable|panicked/i.test(message);
}

/**
 * What the page runs on after a WebGPU run failed mid-run and was resumed on the CPU; the
 * message's first line (wgpu's errors go on with their causes and a backtrace).
 */
export function afterGpuFailure(previous: Resolved, message: string): Resolved {
  return cpu(`WebGPU failed mid-run (${message.split('\n', 1)[0] ?? ''}); resumed on CPU`, previous.adapterName);
}
