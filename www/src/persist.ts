// Saved runs: the page's comparison kept in this browser (IndexedDB), so a reload shows it again.
// One record per comparison, keyed by its state's link (`serialize`): every run's metrics so far
// in the replay format (replay.ts: state, configs, seeds, steps), each run's latest checkpoint
// (`session.save()` bytes, format 2 with checksum), whether it had finished, its live changes,
// and each seed's shared warm-up state. On load with a record for the link's state, the charts
// are drawn from it at once, finished runs are finished, and the others resume from their
// checkpoint with their metrics cut at the checkpoint's step (no step twice, none lost).
//
// Saving is throttled so that storage never slows training: a run is asked for a checkpoint at
// most every CHECKPOINT_STEPS steps and CHECKPOINT_MS, and on pause and finish; the record is
// written at most every WRITE_MS. Any storage failure (no IndexedDB, private mode, quota) turns
// saving off with a notice; the runs go on in memory.

import { lastStep, type StepMetrics } from './metrics';
import { errorMessage, type ToWorker } from './protocol';
import { readReplay, toReplay } from './replay';
import type { Run, Runs } from './runs';
import type { Catalog } from './schema';
import type { LiveChanges, State } from './state';
import { serialize } from './url';

const DB = 'grpo-playground';
const STORE = 'comparisons';
/** Comparisons kept; saving one more forgets the least recently saved. */
const MAX_SAVED = 12;
/** Steps, and milliseconds, between checkpoints asked of a running run. */
const CHECKPOINT_STEPS = 20;
const CHECKPOINT_MS = 2000;
/** Milliseconds between writes of a comparison's record while it trains. */
const WRITE_MS = 1500;

/** A run as saved. */
export interface SavedRun {
  /** Its steps so far, the seed's shared warm-up included (as `Run.metrics`). */
  metrics: StepMetrics[];
  /** Its latest state; null before the first one. */
  checkpoint: { step: number; bytes: ArrayBuffer } | null;
  /** Finished: its checkpoint is at its last step. */
  done: boolean;
  /** Every live change so far, merged (given again to a session resumed from its checkpoint). */
  live: LiveChanges;
}

/** A comparison as restored: the state, `runs[variant][seedIndex]`, each seed's warm-up state. */
export interface Saved {
  state: State;
  runs: SavedRun[][];
  warmups: (ArrayBuffer | null)[];
  /** Whether it was training when saved (it then resumes on its own). */
  playing: boolean;
}

/** The record in IndexedDB. */
interface SavedRecord {
  key: string;
  savedAt: number;
  playing: boolean;
  /** The replay file (replay.ts) of the metrics so far. */
  replay: string;
  runs: { checkpoint: { step: number; bytes: ArrayBuffer } | null; done: boolean; live: LiveChanges }[][];
  warmups: (ArrayBuffer | null)[];
}

/** What is being saved: the state the runs were made from (live changes included) and the runs. */
export interface Source {
  state: State;
  runs: Runs;
  playing: boolean;
}

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

/** The database, or an error saying why there is none (no IndexedDB, private mode, blocked). */
function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    try {
      if (typeof indexedDB === 'undefined' || indexedDB === null) throw new Error('IndexedDB is not available');
      const r = indexedDB.open(DB, 1);
      r.onupgradeneeded = () => {
        const store = r.result.createObjectStore(STORE, { keyPath: 'key' });
        store.createIndex('savedAt', 'savedAt');
      };
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error ?? new Error('IndexedDB did not open'));
      r.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
    } catch (e) {
      reject(e instanceof Error ? e : new Error(errorMessage(e)));
    }
  });
}

/** "QuotaExceededError: …", or the message. */
function describe(e: unknown): string {
  return e instanceof DOMException ? `${e.name}: ${e.message}` : errorMessage(e);
}

export class Persist {
  private db: Promise<IDBDatabase | null> | null = null;
  /** Set once storage failed: nothing is read or written from then on. */
  private off = false;
  /** The key the current comparison was last written under (a live change moves it). */
  private written: string | null = null;
  /** Cleared: the current comparison is not saved again until the next one starts. */
  private paused = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private writing = false;
  private dirty = false;
  /** Per run: the step and time of the last checkpoint asked for. */
  private asked = new Map<Run, { step: number; at: number }>();

  /**
   * `source()`: what to save now (null: nothing, e.g. a replay is shown); `notice(text)`: tells
   * the user that saving is off, and why.
   */
  constructor(
    private readonly catalog: () => Catalog,
    private readonly source: () => Source | null,
    private readonly notice: (text: string) => void,
  ) {
    // Opened now, while the app reads the wasm, so that start-up does not wait for it; a failure
    // is told when the database is first needed.
    this.opening = openDb();
    this.opening.catch(() => undefined);
  }

  private readonly opening: Promise<IDBDatabase>;

  /** Whether saving is on (false after a storage failure). */
  get enabled(): boolean {
    return !this.off;
  }

  private database(): Promise<IDBDatabase | null> {
    this.db ??= this.opening.catch((e: unknown) => {
      this.fail('opening', e);
      return null;
    });
    return this.db;
  }

  /** Turns saving off with a notice naming IndexedDB: the store a student can look up or allow. */
  private fail(what: string, e: unknown): void {
    if (this.off) return;
    this.off = true;
    this.notice(`Saved runs are off: ${what} this browser's IndexedDB failed (${describe(e)}); the runs are kept in memory only, and a reload starts them afresh.`);
  }

  /** The saved comparison of `state`, checked, or null (none, storage off, or a bad record: forgotten). */
  async load(state: State): Promise<Saved | null> {
    const db = await this.database();
    if (!db) return null;
    const catalog = this.catalog();
    const key = serialize(state, catalog);
    let record: SavedRecord | undefined;
    try {
      record = await request(db.transaction(STORE, 'readonly').objectStore(STORE).get(key) as IDBRequest<SavedRecord | undefined>);
    } catch (e) {
      this.fail('reading them from', e);
      return null;
    }
    if (!record) return null;
    try {
      const replay = readReplay(record.replay, catalog);
      if (serialize(replay.state, catalog) !== key) throw new Error('saved under another state');
      const runs = replay.grid.map((seeds, v) => seeds.map((metrics, k): SavedRun => {
        const r = record.runs[v]?.[k];
        const checkpoint = r?.checkpoint && r.checkpoint.bytes instanceof ArrayBuffer && Number.isInteger(r.checkpoint.step) ? r.checkpoint : null;
        return { metrics, checkpoint, done: r?.done === true && checkpoint !== null, live: r?.live ?? {} };
      }));
      const warmups = Array.from({ length: replay.state.seeds }, (_, k) => {
        const w = record.warmups[k];
        return w instanceof ArrayBuffer ? w : null;
      });
      return { state: replay.state, runs, warmups, playing: record.playing === true };
    } catch (e) {
      this.notice(`The saved runs of this state were not used (${errorMessage(e)}); they start afresh.`);
      await this.forget(key);
      return null;
    }
  }

  /** A new comparison starts (Reset, Run after a change, a restored one): it is saved from now on. */
  started(): void {
    this.written = null;
    this.paused = false;
    this.asked.clear();
  }

  /** What a run reported (`Runs`' `changed`): asks for checkpoints and schedules writes. */
  changed(run: Run, what: string): void {
    if (this.off || this.paused) return;
    switch (what) {
      case 'metrics': {
        const step = lastStep([run.metrics]);
        const last = this.asked.get(run) ?? { step: 0, at: 0 };
        const now = performance.now();
        // A WebGPU session posts a checkpoint every few steps on its own (for a CPU fallback).
        if (run.status === 'running' && run.device !== 'webgpu' && step - last.step >= CHECKPOINT_STEPS && now - last.at >= CHECKPOINT_MS) this.checkpoint(run);
        this.schedule(WRITE_MS);
        return;
      }
      case 'paused':
      case 'done':
        this.checkpoint(run);
        this.schedule(WRITE_MS);
        return;
      case 'checkpoint':
      case 'warmed':
        this.schedule(WRITE_MS);
    }
  }

  /** Writes now what is waiting to be written (the page is being hidden or left). */
  flush(): void {
    if (this.timer === null) return;
    clearTimeout(this.timer);
    this.timer = null;
    void this.write();
  }

  /** Asks `run`'s session for its state now (between steps); it comes back as `checkpoint`. */
  private checkpoint(run: Run): void {
    this.asked.set(run, { step: lastStep([run.metrics]), at: performance.now() });
    const message: ToWorker = { type: 'save' };
    run.worker.postMessage(message);
  }

  private schedule(ms: number): void {
    if (this.writing) {
      this.dirty = true;
      return;
    }
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.write();
    }, ms);
  }

  /** Writes the current comparison's record (and forgets the oldest past MAX_SAVED). */
  private async write(): Promise<void> {
    const source = this.source();
    if (this.off || this.paused || !source) return;
    const db = await this.database();
    if (!db) return;
    this.writing = true;
    this.dirty = false;
    try {
      const catalog = this.catalog();
      const key = serialize(source.state, catalog);
      const grid = source.runs.grid;
      const record: SavedRecord = {
        key,
        savedAt: Date.now(),
        playing: source.playing,
        replay: toReplay(source.state, grid.map((seeds) => seeds.map((r) => r.metrics)), catalog),
        runs: grid.map((seeds) => seeds.map((r) => ({
          checkpoint: r.checkpoint,
          done: r.status === 'done' && r.checkpoint !== null && r.checkpoint.step === lastStep([r.metrics]),
          live: r.live,
        }))),
        warmups: Array.from({ length: source.state.seeds }, (_, k) => source.runs.warmups[k]?.bytes ?? null),
      };
      const tx = db.transaction(STORE, 'readwrite');
      const store = tx.objectStore(STORE);
      // A live change moved the state's link: the record moves with it.
      if (this.written !== null && this.written !== key) store.delete(this.written);
      store.put(record);
      const count = await request(store.count());
      if (count > MAX_SAVED) {
        for (const old of await request(store.index('savedAt').getAllKeys(null, count - MAX_SAVED))) {
          if (old !== key) store.delete(old);
        }
      }
      await done(tx);
      this.written = key;
    } catch (e) {
      this.fail('saving them to', e);
    } finally {
      this.writing = false;
      if (this.dirty) this.schedule(WRITE_MS);
    }
  }

  /** Forgets the comparison saved under `key`. */
  async forget(key: string): Promise<void> {
    const db = await this.database();
    if (!db) return;
    try {
      const tx = db.transaction(STORE, 'readwrite');
      tx.objectStore(STORE).delete(key);
      await done(tx);
    } catch (e) {
      this.fail('forgetting one in', e);
    }
  }

  /**
   * Forgets every saved comparison; the one on screen goes on in memory and is not saved again
   * until the next one starts (Reset, or Run after a change).
   */
  async clear(): Promise<number> {
    this.paused = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const db = await this.database();
    if (!db) return 0;
    try {
      const tx = db.transaction(STORE, 'readwrite');
      const store = tx.objectStore(STORE);
      const count = await request(store.count());
      store.clear();
      await done(tx);
      return count;
    } catch (e) {
      this.fail('clearing them from', e);
      return 0;
    }
  }
}
