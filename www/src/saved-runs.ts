// Saved runs in the app: this browser's saved comparisons (persist.ts keeps them in IndexedDB)
// restored on load with a notice saying what came back, saved as the runs report, forgotten by
// "Clear saved runs", and forgotten when a restored checkpoint cannot be read (the runs then
// start afresh).

import { Persist, type Saved } from './persist';
import { runPhase, type Say } from './run-reports';
import type { Run, Runs } from './runs';
import type { Catalog } from './schema';
import type { State } from './state';
import type { PageStore } from './store';
import { serialize } from './url';

/** What the saved runs ask of the app. */
export interface SavedEvents {
  /** `grpo (seed 3)`: a run as notices name it. */
  runName(run: Run): string;
  /** Forgets the comparison saved under `key` (null: none), then makes fresh runs. */
  startAfresh(key: string | null): void;
}

export class SavedRuns {
  private readonly persist: Persist;
  /** The current runs were restored and not all started yet: an error is a checkpoint that did not load. */
  private restoring = false;

  constructor(
    private readonly catalog: Catalog,
    private readonly store: PageStore,
    private readonly runs: Runs,
    private readonly say: Say,
    private readonly events: SavedEvents,
  ) {
    // A replay is not saved: no runs trained it here.
    this.persist = new Persist(() => catalog, () => {
      const { applied, replay } = store.get();
      return applied && !replay ? { state: applied, runs, playing: runPhase(runs) === 'running' } : null;
    }, (text) => say.notice(text));
  }

  /** The saved runs of `state`, if this browser has them. */
  load(state: State): Promise<Saved | null> {
    return this.persist.load(state);
  }

  /** New runs were made (`restored`: from saved runs): they are saved from now on. */
  started(restored: boolean): void {
    this.restoring = restored;
    this.persist.started();
  }

  /** A run reported `what`; true when it was a restore that failed (the runs then start afresh). */
  changed(run: Run, what: string): boolean {
    if (this.restoring && what === 'error') {
      this.restoreFailed(run);
      return true;
    }
    if (this.restoring && this.runs.grid.flat().every((r) => r.status !== 'starting')) this.restoring = false;
    this.persist.changed(run, what);
    return false;
  }

  /** A restored run failed to start from its checkpoint: the comparison is forgotten and starts afresh. */
  private restoreFailed(run: Run): void {
    this.restoring = false;
    const { applied } = this.store.get();
    const key = applied ? serialize(applied, this.catalog) : null;
    this.say.notice(`The saved checkpoint of ${this.events.runName(run)} could not be read (${run.error}); the runs start afresh.`);
    this.events.startAfresh(key);
  }

  /** Forgets the comparison saved under `key`. */
  forget(key: string): Promise<void> {
    return this.persist.forget(key);
  }

  /** Says what a restore brought back. */
  restored(saved: Saved): void {
    const all = saved.runs.flat();
    const finished = all.filter((r) => r.done).length;
    const resumed = all.filter((r) => !r.done && r.checkpoint).map((r) => r.checkpoint?.step ?? 0);
    const parts = [`${finished} finished`];
    const [lo, hi] = [Math.min(...resumed), Math.max(...resumed)];
    if (resumed.length > 0) parts.push(`${resumed.length} continue${saved.playing ? '' : ' on Run'} from their checkpoint (step ${lo === hi ? lo : `${lo}–${hi}`})`);
    const fresh = all.length - finished - resumed.length;
    if (fresh > 0) parts.push(`${fresh} started again (no checkpoint yet)`);
    this.say.notice(`Restored from this browser: ${all.length} runs — ${parts.join(', ')}. "Clear saved runs" forgets them.`);
  }

  /** "Clear saved runs": forgets every saved comparison; the runs on screen go on. */
  async clear(): Promise<void> {
    const n = await this.persist.clear();
    if (this.persist.enabled) this.say.notice(`Forgot ${n} saved comparison${n === 1 ? '' : 's'}; the runs on screen go on in memory (Reset saves again).`);
  }

  /** Writes what waits for its throttled write (the page is going away). */
  flush(): void {
    this.persist.flush();
  }
}
