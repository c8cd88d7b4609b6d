// The page's training runs: one worker per variant × seed, what each reported, and the CPU
// fallback of a WebGPU run that fails mid-run.

import { isGpuFailure } from './backend';
import { spawnWorker, type Device, type FromWorker, type Sample, type StepMetrics, type ToWorker } from './protocol';
import { toRunConfig, type RunConfig, type State } from './state';

export type Status = 'starting' | 'ready' | 'running' | 'paused' | 'done' | 'error';

export interface Run {
  readonly variant: number;
  /** Seed index k; the seed value is `state.seed + k`. */
  readonly seedIndex: number;
  worker: Worker;
  config: RunConfig;
  device: Device;
  status: Status;
  /** Messages from a session being replaced are dropped until the new one is ready. */
  stale: boolean;
  error: string;
  parameters: number;
  metrics: StepMetrics[];
  samples: Sample[];
  arms: number[];
  checkpoint: { step: number; bytes: ArrayBuffer } | null;
}

export interface RunsEvents {
  /** `run` reported something (`what` is the message type). */
  changed(run: Run, what: FromWorker['type']): void;
  /** A WebGPU run failed with `message` and now resumes on the CPU. */
  fellBack(run: Run, message: string): void;
}

export class Runs {
  /** `grid[variant][seedIndex]`. */
  grid: Run[][] = [];

  constructor(private readonly events: RunsEvents) {}

  /**
   * Starts every run of `state` on `device` from scratch. Live workers are reused, so their wasm
   * stays compiled and their WebGPU device initialised; `reset` suffices when nothing changed.
   */
  reset(state: State, device: Device): void {
    const spare = this.grid.flat().filter((r) => r.status !== 'error');
    for (const r of this.grid.flat()) if (r.status === 'error') r.worker.terminate();
    this.grid = state.variants.map((_, v) =>
      Array.from({ length: state.seeds }, (_, k) => {
        const config = toRunConfig(state, v, k);
        const old = spare.shift();
        const run = this.newRun(v, k, old?.worker ?? spawnWorker(), config, device);
        const same = old !== undefined && old.device === device && JSON.stringify(old.config) === JSON.stringify(config);
        this.send(run, same ? { type: 'reset' } : { type: 'create', config, backend: device });
        return run;
      }),
    );
    for (const r of spare) r.worker.terminate();
  }

  /** Every run that can still train starts (or keeps) stepping. */
  run(): void {
    for (const r of this.active()) {
      r.status = 'running';
      this.send(r, { type: 'run' });
    }
  }

  pause(): void {
    for (const r of this.active()) if (r.status === 'running') this.send(r, { type: 'pause' });
  }

  /** One step of every run that is not already stepping on its own. */
  step(): void {
    for (const r of this.active()) if (r.status !== 'running') this.send(r, { type: 'step' });
  }

  private active(): Run[] {
    return this.grid.flat().filter((r) => r.status !== 'error' && r.status !== 'done');
  }

  private send(run: Run, message: ToWorker): void {
    if (message.type === 'create' || message.type === 'reset') run.stale = true;
    run.worker.postMessage(message);
  }

  private newRun(variant: number, seedIndex: number, worker: Worker, config: RunConfig, device: Device): Run {
    const run: Run = {
      variant, seedIndex, worker, config, device, status: 'starting', stale: true, error: '',
      parameters: 0, metrics: [], samples: [], arms: [], checkpoint: null,
    };
    this.listen(run);
    return run;
  }

  /** Routes a worker's messages to `run`; a reused worker drops the listeners of its old run. */
  private listen(run: Run): void {
    run.worker.onmessage = (e: MessageEvent<FromWorker>) => this.receive(run, e.data);
    run.worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.fail(run, e.message || 'the worker crashed');
    };
  }

  private receive(run: Run, m: FromWorker): void {
    if (run.stale && m.type !== 'ready' && m.type !== 'error') return;
    switch (m.type) {
      case 'ready':
        run.stale = false;
        run.parameters = m.parameters;
        if (run.status === 'starting') run.status = 'ready';
        break;
      case 'metrics':
        run.metrics.push(m.metrics);
        break;
      case 'samples':
        run.samples = m.samples;
        run.arms = m.arms;
        break;
      case 'checkpoint':
        run.checkpoint = { step: m.step, bytes: m.bytes };
        break;
      case 'paused':
        if (run.status === 'running') run.status = 'paused';
        break;
      case 'done':
        run.status = 'done';
        break;
      case 'error':
        this.fail(run, m.message);
        return;
      case 'presets':
      case 'calibrated':
        return;
    }
    this.events.changed(run, m.type);
  }

  private fail(run: Run, message: string): void {
    if (run.device === 'webgpu' && isGpuFailure(message)) {
      this.fallBack(run, message);
      return;
    }
    run.status = 'error';
    run.error = message;
    this.events.changed(run, 'error');
  }

  /**
   * Moves a failed WebGPU run to a fresh CPU worker (the failed wasm instance may be dead),
   * resuming from its last checkpoint, or from scratch without one; metrics after the
   * checkpoint are dropped because the resumed run will produce those steps again.
   */
  private fallBack(run: Run, message: string): void {
    run.worker.terminate();
    const checkpoint = run.checkpoint;
    run.metrics = checkpoint ? run.metrics.filter((m) => m.step <= checkpoint.step) : [];
    run.checkpoint = null;
    run.device = 'cpu';
    run.worker = spawnWorker();
    this.listen(run);
    const from = checkpoint ? { from: checkpoint.bytes } : {};
    this.send(run, { type: 'create', config: run.config, backend: 'cpu', ...from });
    if (run.status === 'running') this.send(run, { type: 'run' });
    this.events.fellBack(run, message);
  }
}

/** The last step every seed of a variant has finished (0 before any). */
export function lastStep(seeds: readonly Run[]): number {
  return seeds.length === 0 ? 0 : Math.min(...seeds.map((r) => r.metrics.at(-1)?.step ?? 0));
}

/** Mean over seeds of each seed's last `reward_mean`; null before any step. */
export function lastReward(seeds: readonly Run[]): number | null {
  const last = seeds.flatMap((r) => r.metrics.at(-1)?.reward_mean ?? []);
  return last.length === 0 ? null : last.reduce((a, b) => a + b, 0) / last.length;
}
