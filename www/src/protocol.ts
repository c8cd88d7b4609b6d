// What the page and its training workers say to each other, and the metric names both read.

import type { RunConfig } from './state';

/** Every field of the Rust `StepMetrics` (src/train/metrics.rs), in the order CSV columns use. */
export const METRIC_NAMES = [
  'step', 'phase', 'wall_ms', 'rollout_ms', 'update_ms', 'reward_mean', 'reward_std', 'accuracy', 'eval_accuracy', 'regret', 'loss',
  'kl', 'entropy', 'clip_frac_low', 'clip_frac_high', 'ratio_mean', 'ratio_max',
  'completion_len_mean', 'completion_len_min', 'completion_len_max', 'truncated_frac',
  'zero_std_group_frac', 'kept_frac', 'resample_rounds', 'grad_norm', 'lr', 'tokens_per_s',
  'prompt_tokens_encoded',
] as const;

export type MetricName = (typeof METRIC_NAMES)[number];

/** One step's metrics; `eval_accuracy` is present only on evaluation steps, and warm-up
 * (`phase: 'sft'`) steps sample nothing, so their rollout metrics are placeholders. */
export type StepMetrics = Record<Exclude<MetricName, 'eval_accuracy' | 'phase'>, number> & {
  eval_accuracy?: number;
  phase: 'sft' | 'rl';
};

/** What a warm-up step measures; its other metrics describe no rollout and are not drawn. */
export const WARMUP_METRICS: readonly MetricName[] = ['step', 'phase', 'wall_ms', 'eval_accuracy', 'loss', 'grad_norm', 'lr'];

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

export type ToWorker =
  | { type: 'presets' }
  /** Time one warm step on each device for `config`. */
  | { type: 'calibrate'; config: RunConfig }
  /** Replace any session by a new one; `from` resumes from `session.save()` bytes. */
  | { type: 'create'; config: RunConfig; backend: Device; from?: ArrayBuffer }
  /** Step until paused or the warm-up plus `config.train.steps` RL steps are done. */
  | { type: 'run' }
  | { type: 'pause' }
  | { type: 'step' }
  /** Free the session and create it again from the same config, from scratch. */
  | { type: 'reset' };

export type FromWorker =
  | { type: 'presets'; presets: PresetInfo[] }
  | { type: 'calibrated'; cpuMs: number; webgpuMs: number | null; error: string }
  | { type: 'ready'; backend: string; parameters: number; step: number }
  | { type: 'metrics'; metrics: StepMetrics }
  | { type: 'samples'; samples: Sample[]; arms: number[] }
  /** WebGPU sessions only: state to resume from on the CPU if the GPU fails later. */
  | { type: 'checkpoint'; step: number; bytes: ArrayBuffer }
  | { type: 'paused' }
  | { type: 'done' }
  | { type: 'error'; message: string };

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
