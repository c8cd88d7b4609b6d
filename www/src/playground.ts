// The app once start-up read the schema: a store (store.ts: the state, the runs' state, a replay)
// wired to the panels. Setup and variant cards dispatch edits; after every action the panels
// re-draw from the model, the host's link follows the state, fields tag what waits for a Reset,
// and the live knobs go to the running sessions. Run / Pause / Step / Reset, lessons, replays and
// saved runs make or drive the runs (runs.ts); what they report is drawn by run-reports.ts.

import { afterGpuFailure, calibrationConfig, chooseBackend, type Resolved } from './backend';
import { Charts } from './charts';
import { download, toCsv } from './exporter';
import { renderGlossary } from './glossary';
import type { Host, Probe } from './host';
import { readInspection, type Inspection } from './inspect';
import { Inspector } from './inspector';
import { LessonController } from './lesson-controller';
import { liveDiff } from './live';
import { LiveRegion } from './live-region';
import type { Elements } from './markup';
import { chartsOf, isMapChart, lastStep } from './metrics';
import type { Saved } from './persist';
import { ask, errorMessage, type FromWorker } from './protocol';
import { fetchReplay, toReplay, type Replay } from './replay';
import { crossProblem } from './resolve';
import { RunReports, runPhase, type Say } from './run-reports';
import { Runs, type Run } from './runs';
import { SavedRuns } from './saved-runs';
import type { Catalog } from './schema';
import { SetupPanel } from './setup-panel';
import { defaultState, type State } from './state';
import { PageStore, type Action, type Model } from './store';
import { parse, serialize } from './url';
import { VariantCards } from './variant-cards';
/**
 * Runs one job after another (user actions behind start-up); a failed one says so in the status.
 * The promise settles as the job does (its rejection is handled already: ignoring it is fine).
 */
export type Act = (job: () => void | Promise<void>) => Promise<void>;

/** The actions after which the lesson panel is re-built (after any other, only what changed). */
const LESSON_REBUILT_BY: readonly Action['type'][] = ['lesson', 'free-play', 'link', 'apply', 'replay'];

/** The URL of `#replay=URL`, or null. */
export function replayLink(host: Host): string | null {
  const link = host.link();
  return link.startsWith('#replay=') ? decodeURIComponent(link.slice('#replay='.length)) : null;
}

/** The state the link describes (the default one without a link), or null with a notice. */
export function fromLink(host: Host, catalog: Catalog, say: Say): State | null {
  if (replayLink(host) !== null) return null;
  const link = host.link();
  try {
    const linked = link.length > 1 ? parse(link, catalog) : defaultState(catalog);
    say.notice('');
    return linked;
  } catch (e) {
    const message = errorMessage(e);
    say.notice(`${host.linkName} were not used: ${message}`);
    host.news?.({ type: 'problem', source: 'link', message });
    return null;
  }
}

/** The app once start-up read the schema: the store, the runs and the panels, wired. */
export class Playground {
  readonly store: PageStore;
  readonly runs: Runs;
  readonly reports: RunReports;
  readonly lessons: LessonController;
  readonly saved: SavedRuns | null;
  private readonly setup: SetupPanel;
  private readonly cards: VariantCards;
  private readonly inspector: Inspector;
  private backend: Resolved | null = null;
  /** The backend choice `backend` was resolved for: changing the control resolves again. */
  private resolvedFor: State['backend'] | null = null;
  /** The notice currently shown for a rule between two knobs (cleared once the rule holds). */
  private knobNotice = '';

  constructor(
    private readonly host: Host,
    private readonly ui: Elements,
    private readonly say: Say,
    readonly catalog: Catalog,
    helper: Worker | null,
    state: State,
    /** Whether `state` is the link's (not the default one in place of a link that was refused). */
    private readonly linked: boolean,
    private readonly act: Act,
    private readonly destroyed: () => boolean,
  ) {
    this.store = new PageStore(catalog, state);
    const dispatch = (action: Action): void => this.store.dispatch(action);
    this.runs = new Runs({
      changed: (run, what) => this.runChanged(run, what),
      fellBack: (run, message) => {
        if (this.backend) this.backend = afterGpuFailure(this.backend, message);
        this.reports.showBackend(this.backend);
        this.reports.fellBack(run, message);
      },
      checkpointRefused: (run, step, message) => this.reports.checkpointRefused(run, step, message),
      liveFailed: (run, message) => this.reports.liveFailed(run, message),
    });
    this.setup = new SetupPanel(ui.setup, catalog, dispatch);
    this.cards = new VariantCards(ui.variants, ui.addVariant, catalog, this.store);
    this.lessons = new LessonController(ui, catalog, this.store, helper, {
      go: (id) => this.goLesson(id),
      run: () => act(async () => {
        if (this.lessons.runBlocked()) return;
        if (runPhase(this.runs) === 'done' || this.pending()) await this.apply();
        this.play();
      }),
      gated: () => this.reports.updateStatus(),
      notice: (text) => say.notice(text),
      phase: () => runPhase(this.runs),
      metrics: () => this.reports.metricsGrid(),
      checked: (report) => host.news?.({ type: 'checks', report }),
    });
    this.reports = new RunReports(ui, catalog, this.store, this.runs, new Charts(ui.charts), say, () => this.lessons.runBlocked(), new LiveRegion(ui.announceRun));
    this.saved = host.persist === true
      ? new SavedRuns(catalog, this.store, this.runs, say, {
        runName: (run) => this.reports.runName(run),
        startAfresh: (key) => act(async () => {
          if (key !== null) await this.saved?.forget(key);
          await this.apply();
        }),
      })
      : null;
    this.inspector = new Inspector(ui.inspector, {
      fetch: (v) => this.inspectRun(v),
      step: (v) => lastStep((this.runs.grid[v] ?? []).slice(0, 1).map((r) => r.metrics)),
      paper: (v) => catalog.presets.find((p) => p.name === this.store.get().applied?.variants[v]?.preset)?.source ?? '',
    }, catalog.formulas, catalog.algo);
    renderGlossary(ui.glossary, catalog.metrics, chartsOf(catalog.metrics).flatMap((spec) => (isMapChart(spec) ? [spec] : [...spec])));
    this.store.subscribe((model, action) => this.render(model, action));
  }

  /** For browser tests: the live state, metrics, configs and catalog. */
  probe(): Probe {
    const { store, runs, reports, lessons, catalog } = this;
    return {
      get state() {
        return store.get().state;
      },
      get applied() {
        return store.get().applied;
      },
      get metrics() {
        return reports.metricsGrid();
      },
      get configs() {
        return runs.grid.map((seeds) => seeds.map((r) => r.config));
      },
      get counters() {
        return { ...runs.counters };
      },
      get defaults() {
        return catalog.defaults;
      },
      get catalog() {
        return catalog;
      },
      get sharedWarmup() {
        return runs.warmups.length > 0;
      },
      get report() {
        return lessons.report;
      },
      get checkCalls() {
        return lessons.checkCalls;
      },
      get phase() {
        return runPhase(runs);
      },
    };
  }

  /** The first drawing of the panels (the link follows the state from now on). */
  draw(): void {
    const model = this.store.get();
    this.setup.render(model.state);
    this.cards.render(model.state);
    this.reports.updateCards();
    this.commit(model);
    this.lessons.show();
  }

  /** After every action: the panels it changed re-drawn, then the link, tags and notices. */
  private render(model: Model, action: Action): void {
    if (action.type === 'apply') this.newRuns(model, action.device, action.saved);
    this.setup.update(model, action);
    if (this.cards.update(model, action)) this.reports.updateCards();
    if (action.type === 'live-taken') this.reports.showStill();
    if (action.type === 'lesson') this.say.notice('');
    this.commit(model);
    if (action.type === 'replay') this.reports.replayed(action.replay);
    this.lessons.show(LESSON_REBUILT_BY.includes(action.type));
    if (action.type === 'apply') this.lessons.drawnRuns();
  }

  /** Runs of `model.applied` from scratch (or from `saved`, the same state's saved runs), drawn afresh. */
  private newRuns(model: Model, device: Resolved['device'], saved: Saved | undefined): void {
    const made = model.applied;
    if (!made) return;
    if (saved) this.runs.restore(made, this.catalog, device, saved);
    else this.runs.reset(made, this.catalog, device);
    this.saved?.started(saved !== undefined);
    this.lessons.newRuns();
    this.inspector.reset(made.variants.map((v) => v.label));
    this.reports.newRuns(made, saved !== undefined);
    this.host.news?.({ type: 'runs' });
  }

  /**
   * After every change of the state: live knobs go to the sessions that can still train (no
   * Reset), the link follows the state, and fields and note say which changes wait for a Reset.
   */
  private commit(model: Model): void {
    const { state, applied } = model;
    if (applied && this.runs.hasActive()) {
      const changes = liveDiff(applied, state, this.catalog);
      if (changes.some((c) => c !== null)) {
        this.runs.setLive(changes);
        this.store.dispatch({ type: 'live-taken' });
      }
    }
    this.host.write(serialize(state, this.catalog));
    this.ui.note.classList.toggle('pending', this.pending());
    this.setup.markPending(applied, state);
    this.cards.markPending(applied, state);
    const problem = crossProblem(this.catalog, state.task, state.taskKnobs);
    if (problem !== '' || (this.knobNotice !== '' && this.say.noticeText === this.knobNotice)) this.say.notice(problem);
    this.knobNotice = problem;
  }

  /** Whether the runs were made from other knobs than the page shows (which lesson it is aside). */
  pending(): boolean {
    const { state, applied, replay } = this.store.get();
    const knobs = (s: State): string => serialize({ ...s, lesson: null }, this.catalog);
    return applied === null || replay !== null || knobs(applied) !== knobs(state);
  }

  private runChanged(run: Run, what: FromWorker['type']): void {
    if (this.saved?.changed(run, what)) return;
    this.reports.changed(run, what);
    if (what === 'metrics' && run.seedIndex === 0) this.inspector.stepped(run.variant);
    this.lessons.changed(what);
    this.host.news?.({ type: 'report', variant: run.variant, what });
    if (what === 'error') this.host.news?.({ type: 'problem', source: 'run', message: run.error, variant: run.variant });
  }

  /** Variant `v`'s last RL step per token, from its first seed's worker (null before one). */
  private async inspectRun(v: number): Promise<Inspection | null> {
    const run = this.runs.grid[v]?.[0];
    if (!run || run.status === 'error' || run.status === 'starting') return null;
    return readInspection((await ask(run.worker, { type: 'inspect' }, 'inspected')).json);
  }

  /** Makes the runs match the current state, from scratch (or from `saved`, the same state's saved runs). */
  async apply(saved?: Saved): Promise<void> {
    if (!this.backend || this.resolvedFor !== this.store.get().state.backend) {
      this.backend = null;
      this.reports.showBackend(null);
      this.say.status('choosing a backend…');
      this.backend = await chooseBackend(this.store.get().state.backend, calibrationConfig(this.catalog));
      if (this.destroyed()) return;
      this.resolvedFor = this.store.get().state.backend;
      this.reports.showBackend(this.backend);
    }
    this.store.dispatch({ type: 'apply', device: this.backend.device, saved });
  }

  /** Run: fresh runs first when the knobs changed since the last ones (not while a lesson's question waits). */
  async runNow(): Promise<void> {
    if (this.lessons.runBlocked()) return;
    if (this.pending()) await this.apply();
    this.play();
  }

  private play(): void {
    this.runs.run();
    this.reports.updateStatus();
    this.lessons.showRunPhase();
    this.host.news?.({ type: 'played' });
  }

  pause(): void {
    this.runs.pause();
    this.host.news?.({ type: 'played' });
  }

  async step(): Promise<void> {
    if (this.lessons.runBlocked()) return;
    if (this.pending()) await this.apply();
    this.runs.step();
  }

  /** Loads lesson `id`: its whole setup (the backend choice kept), then fresh runs of it. */
  goLesson(id: string): void {
    this.act(async () => {
      this.store.dispatch({ type: 'lesson', id });
      await this.apply();
    });
  }

  /** The replay a dropped file or `#replay=URL` names (drawn at once), or a notice saying what is wrong with it. */
  async showReplay(read: () => Promise<Replay>): Promise<void> {
    try {
      const replay = await read();
      this.runs.pause();
      this.store.dispatch({ type: 'replay', replay });
    } catch (e) {
      const message = errorMessage(e);
      this.say.notice(message);
      this.host.news?.({ type: 'problem', source: 'replay', message });
    }
  }

  /** "Export CSV" / "Export JSON": the runs' state and metrics. */
  export(as: 'csv' | 'json'): void {
    const { applied } = this.store.get();
    if (!applied) return;
    const grid = this.reports.metricsGrid();
    if (as === 'csv') download('grpo-playground.csv', toCsv(applied, grid, this.catalog.metrics), 'text/csv');
    else download('grpo-playground.json', toReplay(applied, grid, this.catalog), 'application/json');
  }

  /**
   * The host's link changed (the page: never by its own writes, only by a hand-edited URL or a
   * pasted link): its state replaces the shown one, or its replay is shown.
   */
  async linkChanged(): Promise<void> {
    const { state } = this.store.get();
    if (this.host.link() === serialize(state, this.catalog)) return;
    const url = replayLink(this.host);
    if (url !== null) return this.showReplay(() => fetchReplay(url, this.catalog));
    const linked = fromLink(this.host, this.catalog, this.say);
    // The same state written otherwise (an attribute changed while start-up read it) changes nothing.
    if (!linked || serialize(linked, this.catalog) === serialize(state, this.catalog)) return;
    const otherLesson = linked.lesson !== state.lesson;
    this.store.dispatch({ type: 'link', state: linked });
    // Another lesson: fresh runs of its setup, as the menu makes them; an element's runs
    // follow its attributes, whatever they changed.
    if (this.host.restartOnLink || (otherLesson && linked.lesson !== null)) {
      await this.apply();
      if (this.host.autoplay()) await this.runNow();
    }
  }

  /**
   * The first runs: restored from this browser's saved runs of the linked state, or the link's
   * replay shown (`replayUrl`), played if autoplay.
   */
  async begin(replayUrl: string | null): Promise<void> {
    const { state } = this.store.get();
    const saved = replayUrl === null && this.linked ? await this.saved?.load(state) : null;
    if (this.destroyed()) return;
    await this.apply(saved ?? undefined);
    if (saved) this.saved?.restored(saved);
    if (replayUrl !== null) await this.showReplay(() => fetchReplay(replayUrl, this.catalog));
    // Not the default state in place of a link that was refused: its notice says why.
    else if (this.linked && (this.host.autoplay() || saved?.playing === true) && this.runs.hasActive()) await this.runNow();
  }

  /** Stops every worker. */
  destroy(): void {
    this.runs.dispose();
    this.lessons.destroy();
  }
}

