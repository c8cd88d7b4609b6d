// Test hooks, only with `?test` in the page's URL (they break runs on purpose): browser tests
// lose a run's WebGPU device and damage its checkpoint through them.

import type { Recovery, Runs } from './runs';

declare global {
  interface Window {
    /** Test hooks, only with `?test` in the page's URL (they break runs on purpose). */
    __grpoTest?: TestHooks;
  }
}

/** What `window.__grpoTest` offers browser tests (`?test`). */
export interface TestHooks {
  /** Loses run `variant`/`seed`'s WebGPU device mid-run, as a real loss would (`counters.lastLoss` says how). */
  loseDevice(variant?: number, seed?: number): void;
  /** The checkpoint the page keeps for that run: its step and size in bytes; null: none yet. */
  checkpoint(variant?: number, seed?: number): { step: number; size: number } | null;
  /**
   * Damages that checkpoint as storage or a download might: `truncate` cuts its last third,
   * `flip` flips one bit in its middle. Returns its step; throws without a checkpoint.
   */
  damageCheckpoint(variant: number, seed: number, how: 'truncate' | 'flip'): number;
  /** What the CPU fallback did so far: runs moved, checkpoints refused, how the hook lost a device. */
  readonly recovery: Recovery;
}

/** The hooks on `runs`. */
export function testHooks(runs: Runs): TestHooks {
  return {
    loseDevice: (variant = 0, seed = 0) => runs.loseDevice(variant, seed),
    get recovery() {
      return { ...runs.recovery };
    },
    checkpoint(variant = 0, seed = 0) {
      const c = runs.checkpointOf(variant, seed);
      return c && { step: c.step, size: c.bytes.byteLength };
    },
    damageCheckpoint(variant, seed, how) {
      const c = runs.checkpointOf(variant, seed);
      if (!c) throw new Error(`run ${variant}/${seed} has no checkpoint`);
      let bytes = new Uint8Array(c.bytes.slice(0));
      if (how === 'truncate') bytes = bytes.slice(0, Math.floor((bytes.length * 2) / 3));
      else bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0x10;
      runs.setCheckpoint(variant, seed, { step: c.step, bytes: bytes.buffer });
      return c.step;
    },
  };
}
