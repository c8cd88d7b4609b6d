// The lesson controller: the Lessons menu, the lesson panel (lesson-panel.ts draws it), the
// reader's progress (answers, completed lessons, kept in this browser), Run held back until the
// lesson's question is answered, and Rust's `lesson_check` (in the helper worker) scoring the
// runs as they report, throttled, with reports about older runs dropped; the checks of finished
// runs are announced in a live region.

import { el } from './controls';
import { LessonPanel, type RunPhase } from './lesson-panel';
import {
  answered, browserStore, loadProgress, readReport, saveProgress, withAnswer, withCompleted, type Lesson, type Progress, type Report,
} from './lessons';
import { LiveRegion } from './live-region';
import type { Elements } from './markup';
import type { StepMetrics } from './metrics';
import { ask, errorMessage } from './protocol';
import { phases, sharesWarmup } from './resolve';
import type { Catalog } from './schema';
import { TASK_TITLES } from './setup-panel';
import type { State } from './state';
import type { PageStore } from './store';
import { isLessonSetup } from './url';

/** `lesson_check` runs at most this often while metrics arrive (it reads every step of every run). */
const CHECK_EVERY_MS = 500;

/** What the controller asks of the app. */
export interface LessonEvents {
  /** Lesson `id`'s setup, then fresh runs of it. */
  go(id: string): void;
  /** The panel's Run. */
  run(): void;
  /** Run's gate changed: the status line may say so. */
  gated(): void;
  notice(text: string): void;
  /** How far the runs are. */
  phase(): RunPhase;
  /** What the checks read: `metrics[variant][seedIndex]`. */
  metrics(): StepMetrics[][][];
  /** The checks of the current runs were evaluated. */
  checked(report: Report): void;
}

/** What a lesson's runs are, in a sentence. */
function setupWords(s: State): string {
  const { sft, rl } = phases(s);
  const n = s.variants.length;
  const seeds = `${s.seeds} paired seed${s.seeds === 1 ? '' : 's'}`;
  const warm = sft > 0 ? `${sft} supervised warm-up steps (${sharesWarmup(s) ? 'trained once per seed, shared by the variants' : 'each variant its own'}), then ` : '';
  return `${n} variants × ${seeds} on ${TASK_TITLES[s.task] ?? s.task}: ${warm}${rl} RL steps — ${n * s.seeds} runs training side by side (the cards on the left hold every knob).`;
}

export class LessonController {
  private readonly storage = browserStore();
  private progress: Progress;
  /** The checks last reported for the current runs. */
  report: Report | null = null;
  /** lesson_check calls made so far. */
  checkCalls = 0;
  /** Bumped by every apply: a report about older runs is dropped. */
  private checkEpoch = 0;
  private checkTimer: ReturnType<typeof setTimeout> | null = null;
  private checkBusy = false;
  private checkDue = false;
  private lastCheck = 0;
  /** The runs of this apply were marked completed already. */
  private completedMarked = false;
  private shownPhase: RunPhase = 'idle';
  /** What the panel last drew: it is rebuilt when this changes (or when asked to). */
  private drawn = '';
  private readonly panel: LessonPanel;
  /** Where the checks' results are announced once the runs finished. */
  private readonly spoken: LiveRegion;

  constructor(
    private readonly ui: Pick<Elements, 'lessons' | 'lesson' | 'run' | 'step' | 'announceChecks'>,
    private readonly catalog: Catalog,
    private readonly store: PageStore,
    /** The helper worker that scores runs (null: no lessons to score). */
    private helper: Worker | null,
    private readonly events: LessonEvents,
  ) {
    this.progress = loadProgress(this.storage);
    this.spoken = new LiveRegion(ui.announceChecks);
    this.panel = new LessonPanel(ui.lesson, {
      answer: (q, choice) => {
        const lesson = this.current();
        if (!lesson) return;
        this.saveProgress(withAnswer(this.progress, lesson, q, choice));
      },
      run: () => events.run(),
      go: (id) => events.go(id),
      restore: () => {
        const { lesson } = this.store.get().state;
        if (lesson) events.go(lesson);
      },
      resetProgress: () => this.saveProgress({}),
    });
  }

  private saveProgress(p: Progress): void {
    this.progress = p;
    saveProgress(this.storage, p);
    this.show(true);
    this.events.gated();
  }

  /** The lesson the page shows, or null. */
  private current(): Lesson | null {
    const { lesson } = this.store.get().state;
    return lesson === null ? null : (this.catalog.lessons.find((l) => l.id === lesson) ?? null);
  }

  /** Whether Run must wait: a lesson is shown and its questions are not all answered. */
  runBlocked(): boolean {
    const lesson = this.current();
    return lesson !== null && !answered(lesson, this.progress);
  }

  /** Why the lesson's checks cannot read the current runs ('' when they can). */
  private checkMismatch(lesson: Lesson): string {
    const { state, applied } = this.store.get();
    const made = applied ?? state;
    const n = lesson.setup.variants.length;
    if (made.variants.length !== n) {
      return `The checks compare the lesson's ${n} variants, in its order; these runs have ${made.variants.length}. Go back to the lesson's setup to check them.`;
    }
    return '';
  }

  /** The Lessons menu: each lesson, ✓ once completed. */
  private showMenu(): void {
    const { catalog, progress } = this;
    const none = Object.assign(el('option', { textContent: catalog.lessons.length > 0 ? 'none (free play)' : 'none in this build' }), { value: '' });
    this.ui.lessons.replaceChildren(none, ...catalog.lessons.map((l, i) => {
      const mark = progress[l.id]?.completed ? '✓ ' : answered(l, progress) && l.predict.length > 0 ? '· ' : '';
      return Object.assign(el('option', { textContent: `${mark}${i + 1}. ${l.title}`, title: l.claim }), { value: l.id });
    }));
    this.ui.lessons.value = this.current()?.id ?? '';
    this.ui.lessons.disabled = catalog.lessons.length === 0;
  }

  /** Draws the lesson panel (full = rebuild it; else only when what it shows changed) and gates Run. */
  show(full = false): void {
    const { ui, catalog } = this;
    const { state } = this.store.get();
    const lesson = this.current();
    const blocked = this.runBlocked();
    ui.run.disabled = blocked;
    ui.step.disabled = blocked;
    ui.run.title = blocked ? 'answer the lesson\'s question first' : '';
    const view = lesson && {
      lesson,
      lessons: catalog.lessons,
      progress: this.progress,
      setup: setupWords(state),
      pristine: isLessonSetup(state, catalog),
      mismatch: this.checkMismatch(lesson),
      measures: catalog.measures,
    };
    const drawn = view ? JSON.stringify([view.lesson.id, view.setup, view.pristine, view.mismatch]) : '';
    if (!full && drawn === this.drawn) return;
    this.drawn = drawn;
    this.showMenu();
    this.panel.show(view);
    this.panel.checks(this.report, this.events.phase());
  }

  /** Re-draws what follows the phase of the runs when it changed (Run's state, the explanation). */
  showRunPhase(): void {
    const phase = this.events.phase();
    if (phase === this.shownPhase) return;
    this.shownPhase = phase;
    this.panel.checks(this.report, phase);
  }

  /** New runs: the checks start afresh (a report about the old ones is dropped). */
  newRuns(): void {
    this.checkEpoch++;
    this.report = null;
    this.completedMarked = false;
    this.checkDue = false;
    this.spoken.forget();
  }

  /** After new runs were drawn: the phase the panel shows is theirs. */
  drawnRuns(): void {
    this.shownPhase = this.events.phase();
  }

  /** A run reported `what`: the checks are asked for again (at once when a run stopped). */
  changed(what: string): void {
    if (what === 'metrics') this.scheduleCheck(false);
    if (what === 'done' || what === 'error' || what === 'paused' || what === 'ready') {
      this.showRunPhase();
      this.scheduleCheck(true);
    }
  }

  /** The lesson the current runs were made for, when its checks can read them. */
  private checkedLesson(): Lesson | null {
    const { state, applied } = this.store.get();
    const id = applied?.lesson ?? null;
    if (id === null || id !== state.lesson || !this.helper) return null;
    const lesson = this.catalog.lessons.find((l) => l.id === id) ?? null;
    return lesson && this.checkMismatch(lesson) === '' ? lesson : null;
  }

  /** Asks for the checks soon: at most every CHECK_EVERY_MS, at once when `now` (a run finished). */
  private scheduleCheck(now: boolean): void {
    if (!this.checkedLesson()) return;
    this.checkDue = true;
    if (this.checkBusy) return;
    if (this.checkTimer !== null) {
      if (!now) return;
      clearTimeout(this.checkTimer);
    }
    const wait = now ? 0 : Math.max(0, this.lastCheck + CHECK_EVERY_MS - performance.now());
    this.checkTimer = setTimeout(() => void this.runCheck(), wait);
  }

  private async runCheck(): Promise<void> {
    this.checkTimer = null;
    const lesson = this.checkedLesson();
    if (!this.checkDue || !lesson || !this.helper) return;
    this.checkDue = false;
    this.checkBusy = true;
    this.lastCheck = performance.now();
    const epoch = this.checkEpoch;
    const phase = this.events.phase();
    try {
      this.checkCalls++;
      const reply = await ask(this.helper, { type: 'check', id: lesson.id, runs: JSON.stringify(this.events.metrics()) }, 'checked');
      if (epoch === this.checkEpoch) {
        this.report = readReport(reply.report);
        this.panel.checks(this.report, this.events.phase());
        this.events.checked(this.report);
        // Only the checks of finished runs are said: while they train, they change every report.
        if (phase === 'done') this.spoken.say(this.panel.summary());
        if (phase === 'done' && !this.completedMarked) {
          this.completedMarked = true;
          this.progress = withCompleted(this.progress, lesson);
          saveProgress(this.storage, this.progress);
          this.show(true);
        }
      }
    } catch (e) {
      this.events.notice(`The lesson's checks failed: ${errorMessage(e)}`);
    } finally {
      this.checkBusy = false;
      if (this.checkDue) this.scheduleCheck(this.events.phase() === 'done');
    }
  }

  /** Stops the checks and the helper worker. */
  destroy(): void {
    this.helper?.terminate();
    this.helper = null;
    if (this.checkTimer !== null) clearTimeout(this.checkTimer);
  }
}
