// What the page and its training workers say to each other, and the metric names both read.

import type { RunConfig } from './state';

/** Every field of the Rust `StepMetrics` (src/train/metrics.rs), in the order CSV columns use. */
export const METRIC_NAMES = [
  'step', 'phase', 'wall_ms', 'rollout_ms', 'update_ms', 'reward_mean', 'reward_std', 'accuracy', 'eval_accuracy', 'regret', 'loss',
  'kl', 'entropy', 'clip_frac_low', 'clip_frac_high', 'ratio_mean', 'ratio_max',
  'completion_len_mean', 'completion_len_min', 'completion_len_max', 'completion_len_correct', 'completion_len_incorrect', 'truncated_frac',
  'zero_std_group_frac', 'kept_frac', 'resample_rounds', 'grad_norm', 'lr', 'tokens_per_s',
  'prompt_tokens_encoded',
] as const;

export type MetricName = (typeof METRIC_NAMES)[number];

/** Metrics a step may leave out (or report as null): evaluation-only ones, and the mean length
 * of correct / incorrect completions when a step had none of them. */
export type OptionalMetric = 'eval_accuracy' | 'completion_len_correct' | 'completion_len_incorrect';

/** One step's metrics; `eval_accuracy` and `eval_by_difficulty` (held-out accuracy per
 * difficulty label: terms, digits or path length; absent when the eval set has one difficulty)
 * are present only on evaluation steps, and warm-up (`phase: 'sft'`) steps sample nothing, so
 * their rollout metrics are placeholders. */
export type StepMetrics = Record<Exclude<MetricName, OptionalMetric | 'phase'>, number> & {
  [K in OptionalMetric]?: number | null;
} & {
  phase: 'sft' | 'rl';
  eval_by_difficulty?: Record<string, number> | null;
};

/** What a warm-up step measures; its other metrics describe no rollout and are not drawn. */
export const WARMUP_METRICS: readonly MetricName[] = ['step', 'phase', 'wall_ms', 'eval_accuracy', 'loss', 'grad_norm', 'lr'];

/** The held-out accuracy of `m` per difficulty label, or null. */
export function byDifficulty(m: StepMetrics): Record<string, number> | null {
  const d = m.eval_by_difficulty;
  return d && typeof d === 'object' ? d : null;
}

/** Difficulty labels in reading order: numerically when they are numbers. */
export function sortLabels(labels: Iterable<string>): string[] {
  return [...new Set(labels)].sort((a, b) => {
    const [x, y] = [Number(a), Number(b)];
    return Number.isFinite(x) && Number.isFinite(y) ? x - y : a.localeCompare(b);
  });
}

/** One completion of the last rollout, as `Session.samples(n)` returns it. */
export interface Sample {
  prompt: string;
  completion: string;
  prompt_tokens: number[];
  completion_tokens: number[];
  reward: number;
  advantage: number;
  correct: boolean;
  kept: boolean;
  details: string;
}

/** One row of the Rust preset table; `knobs` holds only the values differing from the defaults. */
export interface PresetInfo {
  name: string;
  source: string;
  knobs: Record<string, unknown>;
}

/** A device a session can run on (what `Session.create` accepts). */
export type Device = 'cpu' | 'webgpu';

/**
 * `gen` numbers the sessions the page asks a worker for; everything the worker says about a
 * session carries its `gen`, so the page drops what a replaced session still had in flight.
 */
export type ToWorker =
  | { type: 'presets' }
  /** Time one warm step on each device for `config`. */
  | { type: 'calibrate'; config: RunConfig }
  /**
   * Replace any session by a new one: `from` resumes `session.save()` bytes as they are;
   * `branch` resumes them under `config` (`Session.branch`: the state after a shared warm-up).
   * `warmup`: train only the `config.train.sft_steps` supervised steps, then post `warmed`.
   */
  | { type: 'create'; gen: number; config: RunConfig; backend: Device; from?: ArrayBuffer; branch?: ArrayBuffer; warmup?: boolean }
  /** No session until a `create` with `branch` comes: load the wasm and check `config` meanwhile. */
  | { type: 'standby'; gen: number; config: RunConfig }
  /** Step until paused or the warm-up plus `config.train.steps` RL steps are done. */
  | { type: 'run' }
  | { type: 'pause' }
  | { type: 'step' };

export type FromWorker =
  /** `defaults`: `task_defaults()`'s JSON. */
  | { type: 'presets'; presets: PresetInfo[]; defaults: string }
  | { type: 'calibrated'; cpuMs: number; webgpuMs: number | null; error: string }
  | { type: 'ready'; backend: string; parameters: number; step: number }
  | { type: 'standby' }
  | { type: 'metrics'; metrics: StepMetrics }
  | { type: 'samples'; samples: Sample[]; arms: number[] }
  /** WebGPU sessions only: state to resume from on the CPU if the GPU fails later. */
  | { type: 'checkpoint'; step: number; bytes: ArrayBuffer }
  /** A `warmup` session finished its supervised steps: its state, to branch every variant from. */
  | { type: 'warmed'; step: number; bytes: ArrayBuffer }
  | { type: 'paused' }
  | { type: 'done' }
  | { type: 'error'; message: string };

/** A worker's message as it arrives: with the `gen` of the session it is about (0: none). */
export type FromWorkerTagged = FromWorker & { gen: number };

/** A training worker; Vite bundles `worker.ts` as an ES module worker. */
export function spawnWorker(): Worker {
  return new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
}

/**
 * Sends `message` and resolves with the first reply of type `want`; rejects on an error reply or
 * when the worker itself fails (e.g. the wasm package is missing).
 */
export function ask<T extends FromWorker['type']>(
  worker: Worker,
  message: ToWorker,
  want: T,
): Promise<Extract<FromWorker, { type: T }>> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      worker.removeEventListener('message', onMessage);
      worker.removeEventListener('error', onError);
    };
    const onMessage = (e: MessageEvent<FromWorker>): void => {
      const reply = e.data;
      if (reply.type === 'error') {
        done();
        reject(new Error(reply.message));
      } else if (reply.type === want) {
        done();
        resolve(reply as Extract<FromWorker, { type: T }>);
      }
    };
    const onError = (e: ErrorEvent): void => {
      done();
      reject(new Error(e.message || 'the worker failed to start (is www/pkg built?)'));
    };
    worker.addEventListener('message', onMessage);
    worker.addEventListener('error', onError);
    worker.postMessage(message);
  });
}

/** A readable message from anything thrown or rejected (wasm-bindgen rejects with JsError). */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return typeof e === 'string' ? e : JSON.stringify(e);
}
