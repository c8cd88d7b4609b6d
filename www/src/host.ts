// What the app (main.ts) and its host agree on: the page (page.ts) or a <grpo-playground>
// element (element.ts) mounts it with a Host, tells it through the App it gets back, and reads
// the Probe in browser tests.

import type { RunPhase } from './lesson-panel';
import type { Report } from './lessons';
import type { StepMetrics } from './metrics';
import type { FromWorker } from './protocol';
import type { Counters } from './runs';
import type { Catalog, TaskDefault, TaskName } from './schema';
import type { RunConfig, State } from './state';

/**
 * For browser tests (the page's `window.__playground`, an element's `playground`): the live
 * state, `metrics[variant][seedIndex]` = steps so far, the configs the current runs were created
 * with (live changes included), what the workers were asked to train, the task defaults and the
 * whole schema the app read from the wasm.
 */
export interface Probe {
  readonly state: State;
  /** The state the current runs were made from (null before the first runs). */
  readonly applied: State | null;
  readonly metrics: StepMetrics[][][];
  readonly configs: RunConfig[][];
  readonly counters: Counters;
  readonly defaults: Readonly<Record<TaskName, TaskDefault>>;
  readonly catalog: Catalog;
  /** Whether the current runs share one warm-up per seed. */
  readonly sharedWarmup: boolean;
  /** The lesson checks last reported for the current runs (null: none yet or no lesson). */
  readonly report: Report | null;
  /** lesson_check calls made so far (they are throttled). */
  readonly checkCalls: number;
  /** How far the runs are: none training, some training, or every one finished. */
  readonly phase: RunPhase;
}

/**
 * What the app tells its host as it happens (an element turns it into DOM events): fresh runs,
 * a run's report, Run or Pause taken, a lesson's checks, and a problem: a link (or replay) that
 * was refused, a run that failed, an action that failed.
 */
export type News =
  | { type: 'runs' }
  | { type: 'report'; variant: number; what: FromWorker['type'] }
  | { type: 'played' }
  | { type: 'checks'; report: Report }
  | { type: 'problem'; source: 'link' | 'replay' | 'run' | 'action'; message: string; variant?: number };

/** How much chrome the app shows: everything, charts with Run / Pause / Reset, or charts only. */
export type Controls = 'full' | 'minimal' | 'none';
export const CONTROLS: readonly Controls[] = ['full', 'minimal', 'none'];

/**
 * Where the app lives and where its state is linked: the page's URL hash, or an element's
 * attributes. The link is what `parse` reads: `#task=bandit&v0.preset=grpo…`, `#lesson=ID…`,
 * `#replay=URL`, or '' for the default state.
 */
export interface Host {
  /** The app's box; its markup (markup.ts) goes inside, replacing what was there. */
  container: HTMLElement;
  /**
   * Whether the app is the page's main content (the page: its results are the <main> landmark),
   * or sits inside another page's landmarks (an element: a region named grpo-playground).
   */
  mainContent?: boolean;
  /** Where dropped replay files are taken (the page: its document). */
  dropZone: EventTarget;
  /** The current link. */
  link(): string;
  /** The state's link after every change (the page writes it to the URL). */
  write(link: string): void;
  /** Says what the link is in a notice about a link that was not used: "The link's settings". */
  linkName: string;
  /**
   * Whether a changed link restarts the runs at once (an element: it may have no Reset button),
   * or only sets the controls, for Reset (the page: like a knob changed by hand).
   */
  restartOnLink: boolean;
  /** Whether runs start on their own: after start-up and after a link change that restarts them. */
  autoplay(): boolean;
  controls(): Controls;
  /** Start-up has read the schema: the probe is readable from now on. */
  ready(probe: Probe): void;
  /** Whether comparisons are saved in this browser and restored on load (persist.ts): the page, not an element. */
  persist?: boolean;
  /** Hears what happens (an element: its events). */
  news?(news: News): void;
}

/**
 * A mounted app: what its host tells it. The buttons' actions run one after another, behind
 * start-up; each promise resolves when its action was taken, or rejects as it failed (the status
 * says so too). Run and Step fail while a lesson's question waits for its answer.
 */
export interface App {
  /** Resolves when start-up read the schema and made the first runs; rejects when it failed. */
  readonly started: Promise<void>;
  /** The link changed (a hash change; an attribute change). */
  linkChanged(): void;
  /** `host.controls()` changed. */
  controlsChanged(): void;
  /** The colours changed (an element's theme): the charts, drawn on canvases, draw again. */
  restyled(): void;
  /** Run, as the Run button. */
  play(): Promise<void>;
  /** As the Pause button. */
  pause(): Promise<void>;
  /** As the Step button: one step of every run not already stepping. */
  step(): Promise<void>;
  /** As the Reset button: fresh runs of the shown state. */
  reset(): Promise<void>;
  /** Stops every worker; the app shows nothing from now on. */
  destroy(): void;
}
