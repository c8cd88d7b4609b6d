// What a host page's script sees of <grpo-playground> (element.ts holds the element itself): the
// types of its events' details and of its `metrics` snapshot, the check every method makes of its
// call, and the bridge that turns the app's news (host.ts) into the element's DOM events. The
// package's declarations are emitted from this file and element.ts (tsconfig.element.json).

import type { StepMetrics } from './generated/StepMetrics';
import type { News, Probe } from './host';
import { checkWords, type CheckState, type Report } from './lessons';
import { lastStep } from './metrics';
import { errorMessage } from './protocol';

export type { StepMetrics } from './generated/StepMetrics';

/** The element's tag. */
export const TAG = 'grpo-playground';

/** The runs' state as `runstate` events tell it. */
export type RunState = 'running' | 'paused' | 'finished' | 'reset';

/** One variant of the current runs (or of a replay), as `metrics` shows it. */
export interface VariantMetrics {
  /** The variant's index: `v0`, `v1`, … in the `state` attribute. */
  readonly variant: number;
  readonly preset: string;
  readonly label: string;
  /** The last step every seed finished (0 before any). */
  readonly step: number;
  /** The first seed's metrics of that step (null before any). */
  readonly latest: StepMetrics | null;
  /** Every step so far, per seed (`seeds[k]`: seed `seed + k`), as the charts draw them. */
  readonly seeds: readonly (readonly StepMetrics[])[];
}

/** `step`: every seed of `variant` finished step `step` (once per variant and step). */
export interface StepDetail {
  readonly variant: number;
  readonly step: number;
  /** The first seed's metrics of that step. */
  readonly metrics: StepMetrics;
}

/** `runstate`: the runs started, paused (all of them), finished (all of them) or were made afresh. */
export interface RunStateDetail {
  readonly state: RunState;
  /** Per variant, the last step every seed finished. */
  readonly steps: readonly number[];
}

/** One of a lesson's checks, as its panel words it. */
export interface CheckDetail {
  /** Its place in the lesson's list of checks. */
  readonly index: number;
  /** The measure it compares (a measure of Rust's `compare`). */
  readonly metric: string;
  readonly state: CheckState;
  /** Whether it holds so far (`state === 'held'`). */
  readonly passed: boolean;
  readonly message: string;
}

/** `checks`: lesson `lesson`'s checks, each time Rust's `lesson_check` scored the runs. */
export interface ChecksDetail {
  readonly lesson: string;
  /** Whether every check holds. */
  readonly held: boolean;
  readonly checks: readonly CheckDetail[];
}

/**
 * `error`: a bad attribute (`field` names it: state, lesson, replay, controls, height, theme), a
 * run that failed (`variant`), or an action that failed.
 */
export interface ErrorDetail {
  readonly message: string;
  readonly field: string | null;
  readonly variant: number | null;
}

/** The element's own events: each a `CustomEvent` that bubbles and leaves the shadow root. */
export interface GrpoPlaygroundEventMap {
  step: CustomEvent<StepDetail>;
  runstate: CustomEvent<RunStateDetail>;
  checks: CustomEvent<ChecksDetail>;
  error: CustomEvent<ErrorDetail>;
}

/** The methods a host calls; each takes no arguments. */
type Method = 'run' | 'pause' | 'step' | 'reset';

/**
 * `action` of `app` for `method`. Throws when it was called with arguments (a TypeError) or
 * before the element is ready (`app` null); the promise rejects as the action failed. Each
 * message names the method, then what is valid or what went wrong.
 */
export function callApp<T>(method: Method, args: ArrayLike<unknown>, app: T | null, action: (app: T) => Promise<void>): Promise<void> {
  if (args.length > 0) {
    throw new TypeError(`${TAG}.${method}(): takes no arguments, got ${args.length}; call el.${method}()`);
  }
  if (app === null) throw new Error(`${TAG}.${method}(): not ready yet; await el.ready first`);
  const done = action(app).catch((e: unknown) => {
    throw new Error(`${TAG}.${method}(): ${errorMessage(e)}`);
  });
  // The `error` event says it too: a host that ignores the promise gets no unhandled rejection.
  done.catch(() => undefined);
  return done;
}

/** `value` and everything in it, frozen. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** The metrics of the runs (or of a replay) the probe reads, as a frozen copy. */
export function metricsSnapshot(probe: Probe | undefined): readonly VariantMetrics[] {
  if (!probe) return Object.freeze([]);
  const variants = probe.applied?.variants ?? [];
  return deepFreeze(structuredClone(probe.metrics).map((seeds, v): VariantMetrics => {
    const step = lastStep(seeds);
    return {
      variant: v,
      preset: variants[v]?.preset ?? '',
      label: variants[v]?.label ?? '',
      step,
      latest: seeds[0]?.find((m) => m.step === step) ?? null,
      seeds,
    };
  }));
}

/** The first seed's metrics of `step`, searching back from the last (where the step usually is). */
function metricsAt(seeds: readonly (readonly StepMetrics[])[], step: number): StepMetrics | undefined {
  const first = seeds[0] ?? [];
  for (let i = first.length - 1; i >= 0; i--) if (first[i]?.step === step) return first[i];
  return undefined;
}

/** Turns the app's news into the element's events. */
export class EventBridge {
  /** Per variant, the last step a `step` event announced. */
  #announced: number[] = [];
  /** The last `runstate` sent (null before any). */
  #state: RunState | null = null;

  constructor(
    private readonly target: HTMLElement,
    private readonly probe: () => Probe | undefined,
  ) {}

  send<K extends keyof GrpoPlaygroundEventMap>(type: K, detail: GrpoPlaygroundEventMap[K]['detail']): void {
    this.target.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  /** A bad attribute, a failed run or action. */
  error(message: string, field: string | null, variant: number | null = null): void {
    this.send('error', { message, field, variant });
  }

  hear(news: News): void {
    switch (news.type) {
      case 'runs':
        this.#announced = [];
        this.#setState('reset');
        return;
      case 'report':
        if (news.what === 'metrics') this.#announce(news.variant);
        this.#followPhase();
        return;
      case 'played':
        this.#followPhase();
        return;
      case 'checks':
        this.#checks(news.report);
        return;
      case 'problem': {
        const field = news.source === 'replay' ? 'replay' : news.source === 'link' ? (/^lesson: /.test(news.message) ? 'lesson' : 'state') : null;
        this.error(news.message, field, news.variant ?? null);
      }
    }
  }

  /** A `step` event for each step every seed of `variant` finished since the last one announced. */
  #announce(variant: number): void {
    const seeds = this.probe()?.metrics[variant] ?? [];
    const now = lastStep(seeds);
    // A run resumed from an earlier point (a CPU fallback) reports those steps again.
    const from = Math.min(this.#announced[variant] ?? 0, now);
    this.#announced[variant] = now;
    for (let step = from + 1; step <= now; step++) {
      const metrics = metricsAt(seeds, step);
      if (metrics) this.send('step', { variant, step, metrics });
    }
  }

  /** A `runstate` event when the runs' phase changed: running, paused (from running), finished. */
  #followPhase(): void {
    const phase = this.probe()?.phase;
    if (phase === 'running') this.#setState('running');
    else if (phase === 'done') this.#setState('finished');
    else if (this.#state === 'running') this.#setState('paused');
  }

  #setState(state: RunState): void {
    if (state === this.#state && state !== 'reset') return;
    this.#state = state;
    const steps = (this.probe()?.metrics ?? []).map(lastStep);
    this.send('runstate', { state, steps });
  }

  #checks(report: Report): void {
    const probe = this.probe();
    const lesson = probe?.catalog.lessons.find((l) => l.id === report.id);
    if (!probe || !lesson) return;
    const labels = Object.fromEntries(lesson.setup.variants.map((v) => [v.id, v.label]));
    const checks = lesson.observe.map((o, index): CheckDetail => {
      const words = checkWords(o, report.checks[index] ?? null, labels, probe.catalog.measures);
      return { index, metric: o.metric, state: words.state, passed: words.state === 'held', message: words.line };
    });
    this.send('checks', { lesson: report.id, held: report.held, checks });
  }
}
