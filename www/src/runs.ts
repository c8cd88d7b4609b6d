// The page's training runs: one worker per variant × seed, what each reported, the shared
// warm-up of each seed, and the CPU fallback of a WebGPU run that fails mid-run.
//
// Shared warm-up: the supervised warm-up (`train.sft_steps`) does not depend on the optimizer, so
// the variants of seed k would all train the same one. Instead one worker of seed k trains it
// (a session created with `warmup`), saves its state, and every variant of seed k, that worker's
// own included, continues from those bytes with `Session.branch` under its own config. The
// warm-up's metrics are shown for every variant of the seed (they are the same steps).

import { isGpuFailure } from './backend';
import type { StepMetrics } from './metrics';
import { spawnWorker, type Device, type FromWorker, type FromWorkerTagged, type Sample, type ToWorker } from './protocol';
import type { Saved } from './persist';
import { sharesWarmup, toRunConfig } from './resolve';
import type { Catalog } from './schema';
import type { LiveChanges, RunConfig, State, Train } from './state';

export type Status = 'starting' | 'ready' | 'running' | 'paused' | 'done' | 'error';

export interface Run {
  readonly variant: number;
  /** Seed index k; the seed value is `state.seed + k`. */
  readonly seedIndex: number;
  worker: Worker;
  config: RunConfig;
  device: Device;
  status: Status;
  /** The session the page last asked this worker for; messages about older ones are dropped. */
  gen: number;
  error: string;
  parameters: number;
  /** Every step so far, the seed's shared warm-up steps included. */
  metrics: StepMetrics[];
  samples: Sample[];
  arms: number[];
  /** The last state saved by a WebGPU session of this run (after its branch, if it has one). */
  checkpoint: Checkpoint | null;
  /** The step of the checkpoint a CPU session is being resumed from, until it is ready; else null. */
  resuming: number | null;
  /** Every live change so far, merged: what a session resumed from a checkpoint is given again. */
  live: LiveChanges;
}

/** A run's saved state (`Session.save()` bytes) after `step` steps. */
export interface Checkpoint {
  step: number;
  bytes: ArrayBuffer;
}

/** The shared warm-up of one seed. */
export interface Warmup {
  readonly seedIndex: number;
  /** The run whose worker trains it (then branches like the others). */
  readonly runner: Run;
  /** The state after the warm-up, once trained: what every variant of the seed branches from. */
  bytes: ArrayBuffer | null;
}

export interface RunsEvents {
  /** `run` reported something (`what` is the message type). */
  changed(run: Run, what: FromWorker['type']): void;
  /** A WebGPU run failed with `message` and now resumes on the CPU (its metrics cut to where it resumes). */
  fellBack(run: Run, message: string): void;
  /**
   * The checkpoint of step `step` that `run` was resuming from was refused (`message`: what is
   * wrong with its bytes); the run restarted from an earlier point (its metrics cut to it).
   */
  checkpointRefused(run: Run, step: number, message: string): void;
  /** `set_live` refused a change on `run`. */
  liveFailed(run: Run, message: string): void;
}

/** For tests and the curious: what the workers were asked to train. */
export interface Counters {
  /** Warm-up sessions started from scratch (one per seed when sft_steps > 0). */
  warmups: number;
  /** Warm-up (`phase: "sft"`) steps reported by any worker. */
  sftSteps: number;
  /** Sessions created with `Session.branch`. */
  branches: number;
}

/** For tests: what the CPU fallback did. */
export interface Recovery {
  /** WebGPU runs moved to the CPU after their device was lost or failed. */
  fallbacks: number;
  /** Checkpoints refused when a run resumed from them (cut or damaged bytes). */
  refusedCheckpoints: number;
  /** How the test hook's last `loseDevice` lost it: `destroyed` (a real device) or `injected`; '' before any. */
  lastLoss: string;
}

export class Runs {
  /** `grid[variant][seedIndex]`. */
  grid: Run[][] = [];
  /** `warmups[seedIndex]`; empty when `train.sft_steps` is 0. */
  warmups: Warmup[] = [];
  counters: Counters = { warmups: 0, sftSteps: 0, branches: 0 };
  recovery: Recovery = { fallbacks: 0, refusedCheckpoints: 0, lastLoss: '' };
  /** Whether Run is in force: runs branched after their warm-up then start stepping at once. */
  private playing = false;
  private nextGen = 0;

  constructor(private readonly events: RunsEvents) {}

  /**
   * Starts every run of `state` on `device` from scratch. Live workers are reused, so their wasm
   * stays compiled and their WebGPU device initialised. The variants of a seed share one
   * warm-up when there is one.
   */
  reset(state: State, catalog: Catalog, device: Device): void {
    this.build(state, catalog, device);
    for (const run of this.grid.flat()) this.start(run);
  }

  /** The grid of runs of `state` and its warm-ups, with no session asked for yet. */
  private build(state: State, catalog: Catalog, device: Device): void {
    this.playing = false;
    const spare = this.grid.flat().filter((r) => r.status !== 'error');
    for (const r of this.grid.flat()) if (r.status === 'error') r.worker.terminate();
    this.grid = state.variants.map((_, v) =>
      Array.from({ length: state.seeds }, (_, k) => {
        const old = spare.shift();
        return this.newRun(v, k, old?.worker ?? spawnWorker(), toRunConfig(state, v, k, catalog), device);
      }),
    );
    for (const r of spare) r.worker.terminate();
    // Seed k's warm-up runs in variant (k mod V)'s worker, spreading the warm-ups of several
    // seeds. Variants whose own trainer knobs change what the warm-up reads each train their own.
    const variants = this.grid.length;
    this.warmups = sharesWarmup(state) && variants > 0
      ? Array.from({ length: state.seeds }, (_, k) => ({ seedIndex: k, runner: this.at(k % variants, k), bytes: null }))
      : [];
  }

  /** Asks for `run`'s session from scratch: its own, its seed's warm-up, or a wait for that warm-up. */
  private start(run: Run): void {
    const w = this.warmupOf(run);
    if (!w) this.send(run, { type: 'create', gen: 0, config: run.config, backend: run.device });
    else if (w.runner === run) {
      this.counters.warmups++;
      this.send(run, { type: 'create', gen: 0, config: run.config, backend: run.device, warmup: true });
    } else this.send(run, { type: 'standby', gen: 0, config: run.config });
  }

  /**
   * Saved runs (persist.ts): like `reset`, but each run starts from what `saved` holds of it. A
   * run with a checkpoint resumes from it (its metrics cut at the checkpoint's step, its live
   * changes given again; finished if it was); else a seed whose shared warm-up was saved branches
   * from it (metrics cut at the warm-up); else the seed starts from scratch.
   */
  restore(state: State, catalog: Catalog, device: Device, saved: Saved): void {
    this.build(state, catalog, device);
    for (const w of this.warmups) w.bytes = saved.warmups[w.seedIndex] ?? null;
    for (const run of this.grid.flat()) {
      const s = saved.runs[run.variant]?.[run.seedIndex];
      const w = this.warmupOf(run);
      // A seed whose warm-up is trained again branches all its runs afresh when it ends.
      if (!s || (w && w.bytes === null)) {
        this.start(run);
      } else if (s.checkpoint) {
        const { step, bytes } = s.checkpoint;
        run.metrics = s.metrics.filter((m) => m.step <= step);
        run.live = s.live;
        run.checkpoint = s.checkpoint;
        if (s.done) run.status = 'done';
        this.send(run, { type: 'create', gen: 0, config: run.config, backend: run.device, from: bytes });
        if (s.live.train || s.live.algo) this.send(run, { type: 'live', changes: s.live, config: run.config });
      } else if (w && w.bytes) {
        run.metrics = s.metrics.filter((m) => m.step <= run.config.train.sft_steps);
        run.live = s.live;
        this.branch(run, w.bytes);
      } else {
        this.start(run);
      }
    }
  }

  /** Stops every worker for good (the app was taken off its page). */
  dispose(): void {
    this.playing = false;
    for (const r of this.grid.flat()) r.worker.terminate();
    this.grid = [];
    this.warmups = [];
  }

  /** Every run that can still train starts (or keeps) stepping; those waiting for their warm-up start after it. */
  run(): void {
    this.playing = true;
    for (const r of this.active()) {
      r.status = 'running';
      if (!this.waiting(r)) this.send(r, { type: 'run' });
    }
  }

  pause(): void {
    this.playing = false;
    for (const r of this.active()) {
      if (r.status !== 'running') continue;
      // A run waiting for its warm-up has no session to ask: it is paused already.
      if (this.waiting(r)) r.status = 'paused';
      else this.send(r, { type: 'pause' });
    }
  }

  /** One step of every run that is not already stepping on its own; during a warm-up, one warm-up step. */
  step(): void {
    for (const r of this.active()) if (r.status !== 'running' && !this.waiting(r)) this.send(r, { type: 'step' });
  }

  /**
   * Live knob changes, `changes[variant]` (null: none), to every seed of each variant, between
   * steps and without a Reset; the runs' configs follow, so a later branch or fallback keeps them.
   */
  setLive(changes: readonly (LiveChanges | null)[]): void {
    changes.forEach((c, v) => {
      if (!c) return;
      for (const run of this.grid[v] ?? []) {
        if (run.status === 'error') continue;
        run.config = { ...run.config, train: { ...run.config.train, ...c.train } as Train, algo: { ...run.config.algo, ...c.algo } };
        run.live = { train: { ...run.live.train, ...c.train }, algo: { ...run.live.algo, ...c.algo } };
        this.send(run, { type: 'live', changes: c, config: run.config });
      }
    });
  }

  /** Whether any run can still train (a live change to finished runs would change nothing). */
  hasActive(): boolean {
    return this.active().length > 0;
  }

  /** The warm-up of `run`'s seed while it is still being trained, else null. */
  pendingWarmup(run: Run): Warmup | null {
    const w = this.warmupOf(run);
    return w && w.bytes === null ? w : null;
  }

  /** Whether any seed is still in its shared warm-up. */
  inWarmup(): boolean {
    return this.warmups.some((w) => w.bytes === null);
  }

  private warmupOf(run: Run): Warmup | null {
    return this.warmups[run.seedIndex] ?? null;
  }

  /** A run with no session yet: its seed's warm-up is being trained in another worker. */
  private waiting(run: Run): boolean {
    const w = this.pendingWarmup(run);
    return w !== null && w.runner !== run;
  }

  private at(variant: number, seedIndex: number): Run {
    const run = this.grid[variant]?.[seedIndex];
    if (!run) throw new Error(`no run ${variant}/${seedIndex}`);
    return run;
  }

  private seedRuns(seedIndex: number): Run[] {
    return this.grid.flatMap((seeds) => seeds[seedIndex] ?? []);
  }

  private active(): Run[] {
    return this.grid.flat().filter((r) => r.status !== 'error' && r.status !== 'done');
  }

  /** Posts `message`; a create or standby opens a new session generation of the run. */
  private send(run: Run, message: ToWorker): void {
    if (message.type === 'create' || message.type === 'standby') {
      run.gen = ++this.nextGen;
      message.gen = run.gen;
      if (message.type === 'create' && message.branch) this.counters.branches++;
    }
    run.worker.postMessage(message);
  }

  private newRun(variant: number, seedIndex: number, worker: Worker, config: RunConfig, device: Device): Run {
    const run: Run = {
      variant, seedIndex, worker, config, device, status: 'starting', gen: -1, error: '',
      parameters: 0, metrics: [], samples: [], arms: [], checkpoint: null, resuming: null, live: {},
    };
    this.listen(run);
    return run;
  }

  /** Routes a worker's messages to `run`; a reused worker drops the listeners of its old run. */
  private listen(run: Run): void {
    run.worker.onmessage = (e: MessageEvent<FromWorkerTagged>) => this.receive(run, e.data);
    run.worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.fail(run, e.message || 'the worker crashed');
    };
  }

  private receive(run: Run, m: FromWorkerTagged): void {
    if (m.gen !== run.gen) return;
    switch (m.type) {
      case 'ready':
        run.resuming = null;
        run.parameters = m.parameters;
        if (run.status === 'starting') run.status = 'ready';
        break;
      case 'standby':
        if (run.status === 'starting') run.status = 'ready';
        break;
      case 'metrics': {
        if (m.metrics.phase === 'sft') this.counters.sftSteps++;
        const w = this.pendingWarmup(run);
        if (w && w.runner === run) {
          // The shared warm-up's step: the same step of every variant of this seed.
          for (const r of this.seedRuns(run.seedIndex)) {
            r.metrics.push(m.metrics);
            if (r !== run) this.events.changed(r, 'metrics');
          }
        } else run.metrics.push(m.metrics);
        break;
      }
      case 'samples':
        run.samples = m.samples;
        run.arms = m.arms;
        break;
      case 'checkpoint':
        run.checkpoint = { step: m.step, bytes: m.bytes };
        break;
      case 'warmed':
        this.warmed(run, m.bytes);
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
      case 'liveError':
        this.events.liveFailed(run, m.message);
        return;
      case 'losing':
        this.recovery.lastLoss = m.how;
        return;
      case 'schema':
      case 'lessons':
      case 'checked':
      case 'calibrated':
      // Answers to `ask`, which listens for them itself.
      case 'inspected':
        return;
    }
    this.events.changed(run, m.type);
  }

  /** Seed k's warm-up is trained: every variant of seed k branches from its state. */
  private warmed(runner: Run, bytes: ArrayBuffer): void {
    const w = this.pendingWarmup(runner);
    if (!w || w.runner !== runner) return;
    w.bytes = bytes;
    for (const r of this.seedRuns(w.seedIndex)) {
      if (r.status === 'error') continue;
      this.branch(r, bytes);
      // Paused at the end of the warm-up (a Step, or Pause while its last step ran): stay paused.
      if (r.status === 'running' && !this.playing) r.status = 'paused';
    }
  }

  /** Replaces `run`'s session by one branched from the warm-up's `bytes` under its own config. */
  private branch(run: Run, bytes: ArrayBuffer): void {
    run.checkpoint = null;
    // A copy per worker (structured clone): the page keeps the original for a later CPU fallback.
    this.send(run, { type: 'create', gen: 0, config: run.config, backend: run.device, branch: bytes });
    if (this.playing && run.status === 'running') this.send(run, { type: 'run' });
  }

  /**
   * Test hook: loses the WebGPU device of run `variant`/`seedIndex` mid-run, the way a real
   * loss would (worker.ts); the run then falls back like any other (`fallBack`).
   */
  loseDevice(variant: number, seedIndex: number): void {
    this.send(this.at(variant, seedIndex), { type: 'loseDevice' });
  }

  /** The checkpoint the page keeps for run `variant`/`seedIndex` (test hooks read and damage it). */
  checkpointOf(variant: number, seedIndex: number): Checkpoint | null {
    return this.at(variant, seedIndex).checkpoint;
  }

  setCheckpoint(variant: number, seedIndex: number, checkpoint: Checkpoint): void {
    this.at(variant, seedIndex).checkpoint = checkpoint;
  }

  private fail(run: Run, message: string): void {
    if (run.device === 'webgpu' && isGpuFailure(message)) {
      this.fallBack(run, message);
      return;
    }
    if (run.resuming !== null && /^checkpoint: /.test(message)) {
      // Cut or damaged bytes (Session.load refuses them, naming what is wrong): start over from
      // the point before that checkpoint rather than stop the run.
      const step = run.resuming;
      this.recovery.refusedCheckpoints++;
      this.resume(run, null);
      this.events.checkpointRefused(run, step, message);
      return;
    }
    run.status = 'error';
    run.error = message;
    this.events.changed(run, 'error');
  }

  /**
   * Moves a failed WebGPU run to a fresh CPU worker (the failed wasm instance may be dead, its
   * device is), resuming from its last checkpoint (`resume`).
   */
  private fallBack(run: Run, message: string): void {
    run.worker.terminate();
    run.device = 'cpu';
    run.worker = spawnWorker();
    this.listen(run);
    this.recovery.fallbacks++;
    this.resume(run, run.checkpoint);
    this.events.fellBack(run, message);
  }

  /**
   * Restarts `run` in its (CPU) worker from `checkpoint`, else from its seed's warm-up (a
   * branch), else from scratch; metrics after that point are dropped because the resumed run
   * will produce those steps again, so the charts show each step once. A failed warm-up resumes
   * as a warm-up, for every variant of its seed.
   */
  private resume(run: Run, checkpoint: Checkpoint | null): void {
    const upTo = checkpoint?.step ?? 0;
    run.checkpoint = null;
    run.resuming = checkpoint ? checkpoint.step : null;
    const w = this.warmupOf(run);
    const from = checkpoint ? { from: checkpoint.bytes } : {};
    if (w && w.bytes === null && w.runner !== run) {
      // No session yet (its worker crashed while waiting): wait again, on the CPU.
      this.send(run, { type: 'standby', gen: 0, config: run.config });
    } else if (w && w.bytes === null) {
      for (const r of this.seedRuns(run.seedIndex)) r.metrics = r.metrics.filter((m) => m.step <= upTo);
      this.send(run, { type: 'create', gen: 0, config: run.config, backend: 'cpu', warmup: true, ...from });
    } else if (w && w.bytes !== null) {
      const sft = run.config.train.sft_steps;
      run.metrics = run.metrics.filter((m) => m.step <= (checkpoint ? upTo : sft));
      this.send(run, { type: 'create', gen: 0, config: run.config, backend: 'cpu', ...(checkpoint ? from : { branch: w.bytes }) });
    } else {
      run.metrics = run.metrics.filter((m) => m.step <= upTo);
      this.send(run, { type: 'create', gen: 0, config: run.config, backend: 'cpu', ...from });
    }
    // A saved session holds the config it was created with: give it the live changes again.
    if (checkpoint && (run.live.train || run.live.algo)) this.send(run, { type: 'live', changes: run.live, config: run.config });
    if (this.playing && run.status === 'running' && !this.waiting(run)) this.send(run, { type: 'run' });
  }
}
