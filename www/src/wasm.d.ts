// Types of the parts of the wasm-bindgen package the page uses (src/web/mod.rs) for when `www/pkg` has not been built yet.
// Once `wasm-bindgen --target web --out-dir www/pkg --out-name grpo_playground` has run, its own
// `grpo_playground.d.ts` takes precedence (a real file beats this wildcard), and the worker's
// calls must fit both, which is why the promise results are `unknown` and read with `String()`.

declare module '*/pkg/grpo_playground.js' {
  /** Loads and instantiates `grpo_playground_bg.wasm` next to the JS glue. */
  export default function init(): Promise<unknown>;

  export class Session {
    private constructor();
    static create(config_json: string, backend: string): Promise<Session>;
    static load(bytes: Uint8Array, backend: string): Promise<Session>;
    /** Resumes `save()` bytes under a config that may differ only in algo and RL-phase train knobs. */
    static branch(bytes: Uint8Array, config_json: string, backend: string): Promise<Session>;
    /** Resolves to one step's metrics as JSON. */
    step(): Promise<unknown>;
    /**
     * Changes live knobs between steps, `{"train": {...}, "algo": {...}}`; throws naming the
     * field for a restart knob or a value out of range.
     */
    set_live(changes_json: string): void;
    /** Resolves to a bandit's arm probabilities as a JSON array (`[]` for other tasks). */
    arm_probabilities(): Promise<unknown>;
    samples(n: number): string;
    /** Resolves to the last RL step per token as JSON (`StepInspection`), `null` before one. */
    inspect(): Promise<unknown>;
    /** Resolves to the objective of a fixed batch under the current weights (a number). */
    probe_loss(): Promise<unknown>;
    /** Resolves to the whole training state as a `Uint8Array`. */
    save(): Promise<unknown>;
    backend(): string;
    steps_done(): number;
    parameter_count(): number;
    free(): void;
  }

  /** The schema document as JSON: knobs, presets, task defaults, metrics, tokens (src/catalog/schema.rs). */
  export function schema(): string;
  /** `""` when valid, else a message naming the field. */
  export function validate_config(config_json: string): string;
  /** Every lesson (`lessons/*.json`) as a JSON array; throws naming the file and field of a bad one. */
  export function lessons(): string;
  /** Lesson `id`'s checks on `runs_json` (`[[[step metrics] per seed] per variant]`, the lesson's order), as JSON. */
  export function lesson_check(id: string, runs_json: string): string;
  /** `config_json` as a TRL GRPOConfig snippet or verl overrides (`to`: trl, verl); throws naming the field. */
  export function export_config(config_json: string, to: string): string;
  /** Resolves to JSON `{backend, timing, kernels}`: the reference step timed on `backend`. */
  export function bench(backend: string, warmup: number, steps: number): Promise<unknown>;
}
