// The app, mounted into a container by `mountApp`: the page's <div class="app"> (page.ts) or a
// <grpo-playground> element's shadow root (element.ts), each with its own state and workers. It
// builds the controls from the Rust schema, keeps the host's link (the page's URL hash) equal to
// the state, wires Run / Pause / Step / Reset, and forwards what the runs report to the cards,
// charts and viewer. Each control handler updates the state, then `commit` writes the link and
// hands the live knobs (learning rate, temperature, ε, β) to the running sessions; every other
// knob waits for Reset.
// A lesson (`#lesson=ID`) sets the whole state from its setup; its panel asks for a prediction
// before Run, and Rust's `lesson_check` (in a helper worker) scores the runs as they report.

import { afterGpuFailure, badgeText, calibrationConfig, chooseBackend, type Resolved } from './backend';
import { Charts } from './charts';
import { caption, el, field, knobField, select, type Option } from './controls';
import { download, toCsv } from './exporter';
import { chartStillReason, renderGlossary, type Setup } from './glossary';
import { readInspection, type Inspection } from './inspect';
import { Inspector } from './inspector';
import { LessonPanel, type RunPhase } from './lesson-panel';
import { exportButton } from './tool-export';
import { APP_HTML } from './markup';
import { fetchReplay, readReplay, toReplay, type Replay } from './replay';
import { toRunConfig } from './state';
import {
  answered, browserStore, loadProgress, readLessons, readReport, saveProgress, withAnswer, withCompleted,
  type Lesson, type Progress, type Report,
} from './lessons';
import { chartsOf, lastEval, lastReward, lastStep, liveMarks, type ChartSpec, type StepMetrics } from './metrics';
import { ask, errorMessage, spawnWorker } from './protocol';
import { Persist, type Saved } from './persist';
import { Runs, type Counters, type Recovery, type Run } from './runs';
import { renderSamples } from './samples';
import { readSchema, sameValue, type Catalog, type JsonValue, type KnobValue, type PresetInfo, type TaskDefault, type TaskName } from './schema';
import {
  BACKEND_CHOICES, MAX_LABEL, MAX_VARIANTS, MIN_VARIANTS, MODEL_SIZES, SEED_KNOB, SEEDS_KNOB,
  algoValue, crossProblem, defaultState, isLessonSetup, lessonOf, lessonState, liveDiff, modelNumbers, moreTrainSpecs,
  newVariant, overridesProblem, parse, phases, presetValue, serialize, setAlgoKnob, sharesWarmup, taskSpecs, taskState,
  trainProblem, trainSpecs, variantTrain, withLive,
  type BackendChoice, type ModelChoice, type RunConfig, type State, type Variant,
} from './state';

/**
 * For browser tests (the page's `window.__playground`, an element's `playground`): the live
 * state, `metrics[variant][seedIndex]` = steps so far, the configs the current runs were created
 * with (live changes included), what the workers were asked to train, the task defaults and the
 * whole schema the app read from the wasm.
 */
export interface Probe {
  readonly state: State;
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
}

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

/** How much chrome the app shows: everything, charts with Run / Pause / Reset, or charts only. */
export type Controls = 'full' | 'minimal' | 'none';
export const CONTROLS: readonly Controls[] = ['full', 'minimal', 'none'];

/**
 * Where the app lives and where its state is linked: the page's URL hash, or an element's
 * attributes. The link is what `parse` reads: `#task=bandit&v0.preset=grpo…`, `#lesson=ID…`,
 * `#replay=URL`, or '' for the default state.
 */
export interface Host {
  /** The app's box; its markup (APP_HTML) goes inside, replacing what was there. */
  container: HTMLElement;
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
}

/** A mounted app: what its host tells it. */
export interface App {
  /** The link changed (a hash change; an attribute change). */
  linkChanged(): void;
  /** `host.controls()` changed. */
  controlsChanged(): void;
  /** Run, as the Run button (for an autoplay that was switched on). */
  play(): void;
  /** Stops every worker; the app shows nothing from now on. */
  destroy(): void;
}

/**
 * Mounts the app into `host.container` and starts it: the schema and lessons from the wasm (in a
 * helper worker), the state from the host's link, then runs of that state, played if autoplay.
 */
export function mountApp(host: Host): App {
  host.container.innerHTML = APP_HTML;

  function byId<T extends HTMLElement>(id: string): T {
    const e = host.container.querySelector<T>(`#${id}`);
    if (!e) throw new Error(`#${id} is missing from the app's markup`);
    return e;
  }

  function testHooks(): TestHooks {
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

  const ui = {
    run: byId<HTMLButtonElement>('run'),
    pause: byId<HTMLButtonElement>('pause'),
    step: byId<HTMLButtonElement>('step'),
    reset: byId<HTMLButtonElement>('reset'),
    exportCsv: byId<HTMLButtonElement>('export-csv'),
    exportJson: byId<HTMLButtonElement>('export-json'),
    clearSaved: byId<HTMLButtonElement>('clear-saved'),
    addVariant: byId<HTMLButtonElement>('add-variant'),
    backend: byId('backend'),
    status: byId('status'),
    notice: byId('notice'),
    note: byId('note'),
    setup: byId('setup'),
    variants: byId('variants'),
    samples: byId('samples'),
    sampleVariant: byId<HTMLSelectElement>('sample-variant'),
    liveLog: byId('live-log'),
    lessons: byId<HTMLSelectElement>('lessons'),
    lesson: byId('lesson'),
    inspector: byId<HTMLDetailsElement>('inspector'),
    glossary: byId('glossary'),
  };

  let catalog: Catalog;
  let state: State;
  /** A copy of the state the current runs were made from; `state` may have moved on since. */
  let applied: State | null = null;
  let backend: Resolved | null = null;
  /** The backend choice `backend` was resolved for: changing the control resolves again. */
  let resolvedFor: BackendChoice | null = null;
  const runs = new Runs({ changed: onRunChanged, fellBack: onFellBack, checkpointRefused: onCheckpointRefused, liveFailed: onLiveFailed });
  const charts = new Charts(byId('charts'));
  /** The step inspector, once the schema (its formulas) is read. */
  let inspector: Inspector | null = null;

  // ---- saved runs (persist.ts)
  /** This browser's saved comparisons, when the host keeps them. */
  const persist = host.persist === true
    ? new Persist(() => catalog, () => (applied && !replay ? { state: applied, runs, playing: runPhase() === 'running' } : null), showNotice)
    : null;
  /** The current runs were restored and not all started yet: an error is a checkpoint that did not load. */
  let restoring = false;

  /** A restored run failed to start from its checkpoint: the comparison is forgotten and starts afresh. */
  function restoreFailed(run: Run): void {
    restoring = false;
    const key = applied ? serialize(applied, catalog) : null;
    showNotice(`The saved checkpoint of ${runName(run)} could not be read (${run.error}); the runs start afresh.`);
    act(async () => {
      if (key !== null) await persist?.forget(key);
      await apply();
    });
  }

  /** Says what a restore brought back. */
  function restoredNotice(saved: Saved): void {
    const all = saved.runs.flat();
    const finished = all.filter((r) => r.done).length;
    const resumed = all.filter((r) => !r.done && r.checkpoint).map((r) => r.checkpoint?.step ?? 0);
    const parts = [`${finished} finished`];
    const [lo, hi] = [Math.min(...resumed), Math.max(...resumed)];
    if (resumed.length > 0) parts.push(`${resumed.length} continue${saved.playing ? '' : ' on Run'} from their checkpoint (step ${lo === hi ? lo : `${lo}–${hi}`})`);
    const fresh = all.length - finished - resumed.length;
    if (fresh > 0) parts.push(`${fresh} started again (no checkpoint yet)`);
    showNotice(`Restored from this browser: ${all.length} runs — ${parts.join(', ')}. "Clear saved runs" forgets them.`);
  }

  /** Set by destroy: queued actions, and a start-up still reading the wasm, stop there. */
  let destroyed = false;

  /** User actions run one after another, behind page start-up: a Run pressed early waits its turn. */
  let actions: Promise<void> = Promise.resolve();
  function act(job: () => void | Promise<void>): void {
    actions = actions.then(() => (destroyed ? undefined : job())).catch((e: unknown) => setStatus(`error: ${errorMessage(e)}`));
  }

  function setStatus(text: string): void {
    ui.status.textContent = text;
  }

  function showNotice(text: string): void {
    ui.notice.textContent = text;
    ui.notice.hidden = text === '';
  }

  /** Whether the runs were made from other knobs than the page shows (which lesson it is aside). */
  function pending(): boolean {
    const knobs = (s: State): string => serialize({ ...s, lesson: null }, catalog);
    return applied === null || replay !== null || knobs(applied) !== knobs(state);
  }

  /** The notice currently shown for a rule between two knobs (cleared once the rule holds). */
  let knobNotice = '';

  /**
   * Fields whose value may differ from what the runs were made with: `differs(applied)` says
   * whether it does, and the field then shows its "on Reset" tag (class `pending`).
   */
  type Watched = { el: HTMLElement; differs: (applied: State) => boolean };
  let setupWatched: Watched[] = [];
  let variantWatched: Watched[] = [];

  /**
   * After every control change: live knobs go to the sessions that can still train (no Reset),
   * the URL follows the state, and fields and note say which changes wait for a Reset.
   */
  function commit(): void {
    if (applied && runs.hasActive()) {
      const changes = liveDiff(applied, state, catalog);
      if (changes.some((c) => c !== null)) {
        runs.setLive(changes);
        applied = withLive(applied, state, catalog);
        showStill();
      }
    }
    host.write(serialize(state, catalog));
    ui.note.classList.toggle('pending', pending());
    for (const w of [...setupWatched, ...variantWatched]) w.el.classList.toggle('pending', applied !== null && w.differs(applied));
    const problem = crossProblem(catalog, state.task, state.taskKnobs);
    if (problem !== '' || (knobNotice !== '' && ui.notice.textContent === knobNotice)) showNotice(problem);
    knobNotice = problem;
    showLesson();
  }

  /** `f`, watched for a difference from the applied state. */
  function watched(list: Watched[], f: HTMLElement, differs: (applied: State) => boolean): HTMLElement {
    list.push({ el: f, differs });
    return f;
  }

  // ---- controls

  function presetOption(p: PresetInfo): Option<string> {
    const knobs = Object.entries(p.knobs).map(([k, v]) => `${k} = ${JSON.stringify(v)}`);
    return { value: p.name, text: `${p.name} — ${p.source}`, title: knobs.length > 0 ? knobs.join('\n') : 'all knobs at their defaults' };
  }

  /** How the task menu describes a task (other tasks: their name). */
  const TASK_TITLES: Record<TaskName, string> = {
    arithmetic: 'arithmetic (12+7=)',
    chain: 'chain (3+5+2=, sums)',
    maze: 'maze (walk to goal)',
    bandit: 'bandit (best arm)',
  };
  const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

  /** The model menu: the named sizes, and the task's own default model when it is none of them. */
  function modelOptions(): Option<ModelChoice>[] {
    const text = (m: { d_model: number; n_layers: number; n_heads: number }): string => `${m.d_model}d, ${m.n_layers}L, ${m.n_heads}h`;
    const options: Option<ModelChoice>[] = Object.entries(MODEL_SIZES).map(([name, m]) => ({ value: name as ModelChoice, text: `${name} (${text(m)})` }));
    if (state.model === 'task' || taskState(state.task, catalog).model === 'task') {
      options.push({ value: 'task', text: `${state.task}'s default (${text(modelNumbers('task', state.task, catalog))})` });
    }
    return options;
  }

  function renderSetup(): void {
    setupWatched = [];
    const w = (f: HTMLElement, differs: (a: State) => boolean): HTMLElement => watched(setupWatched, f, differs);
    // A new task brings its own defaults: task knobs, model and trainer knobs all reset to them.
    const taskField = field(caption('task'), select(catalog.tasks.map((t) => ({ value: t, text: TASK_TITLES[t] ?? t })), state.task, (t) => {
      Object.assign(state, taskState(t, catalog));
      commit();
      renderSetup();
    }), 'changing the task resets the task, model and training knobs to its defaults');
    const number = (key: 'seeds' | 'seed') => (v: unknown): void => {
      state[key] = Number(v);
      commit();
    };
    ui.setup.replaceChildren(
      el('h2', { textContent: 'Task' }),
      w(taskField, (a) => a.task !== state.task),
      ...taskSpecs(catalog, state.task).map((spec) => w(knobField(spec, state.taskKnobs[spec.key] ?? null, (v) => {
        state.taskKnobs[spec.key] = v;
        commit();
      }), (a) => a.task !== state.task || !sameJson(a.taskKnobs[spec.key], state.taskKnobs[spec.key]))),
      el('h2', { textContent: 'Model and training' }),
      w(field(caption('model'), select(modelOptions(), state.model, (m) => {
        state.model = m;
        commit();
      })), (a) => !sameJson(modelNumbers(a.model, a.task, catalog), modelNumbers(state.model, state.task, catalog))),
      ...trainSpecs(catalog).map((spec) => w(knobField(spec, state.train[spec.key], (v) => {
        state.train[spec.key] = Number(v);
        commit();
      }), (a) => a.train[spec.key] !== state.train[spec.key])),
      moreTraining(w),
      w(knobField(SEEDS_KNOB, state.seeds, number('seeds')), (a) => a.seeds !== state.seeds),
      w(knobField(SEED_KNOB, state.seed, number('seed')), (a) => a.seed !== state.seed),
      w(field(caption('backend'), select(BACKEND_CHOICES.map((b) => ({ value: b, text: b })), state.backend, (b) => {
        state.backend = b;
        commit();
      }), 'auto measures: CPU unless a hardware GPU proves faster'), (a) => a.backend !== state.backend),
    );
    commit();
  }

  /** Whether the "more training knobs" list is open (re-rendering keeps it so). */
  let moreOpen = false;

  /** The trainer knobs not shown above, under a disclosure; bold where they differ from the task's default. */
  function moreTraining(w: (f: HTMLElement, differs: (a: State) => boolean) => HTMLElement): HTMLElement {
    const defaults = taskState(state.task, catalog).train;
    const specs = moreTrainSpecs(catalog);
    const changed = specs.filter((spec) => !sameValue(state.train[spec.key], defaults[spec.key])).length;
    const box = el('details', { className: 'knobs more-train' });
    box.open = moreOpen;
    box.addEventListener('toggle', () => {
      moreOpen = box.open;
    });
    box.append(el('summary', { textContent: `more training knobs${changed > 0 ? ` · ${changed} changed` : ''}`, title: `the other trainer knobs; bold: not ${state.task}'s default` }));
    for (const spec of specs) {
      const f = knobField(spec, state.train[spec.key] ?? null, (v) => {
        state.train[spec.key] = v;
        commit();
        renderSetup();
      });
      f.classList.toggle('changed', !sameValue(state.train[spec.key], defaults[spec.key]));
      box.append(w(f, (a) => !sameValue(a.train[spec.key], state.train[spec.key])));
    }
    return box;
  }

  const OVERRIDES_HELP = 'The same overrides as JSON, for any knob of the schema (the knob controls above write here too).';
  const TRAIN_HELP = 'Trainer knobs of this variant only, as JSON, laid over the shared ones above (e.g. {"num_generations": 2}: a group size of its own).';

  /**
   * A JSON-object field of a variant (its algo overrides or its own trainer knobs): `problem`
   * checks a parsed object against the schema, `apply` stores it.
   */
  function jsonObjectInput(
    what: string,
    current: Record<string, JsonValue>,
    example: string,
    help: string,
    problemOf: (value: Record<string, JsonValue>) => string,
    apply: (value: Record<string, JsonValue>) => void,
  ): HTMLInputElement {
    const input = Object.assign(el('input'), {
      type: 'text',
      value: Object.keys(current).length > 0 ? JSON.stringify(current) : '',
      placeholder: example,
      title: help,
    });
    input.addEventListener('change', () => {
      let problem: string;
      let value: unknown;
      try {
        value = input.value.trim() === '' ? {} : JSON.parse(input.value);
        problem = typeof value !== 'object' || value === null || Array.isArray(value)
          ? `${what}: must be a JSON object, e.g. ${example}`
          : problemOf(value as Record<string, JsonValue>);
      } catch {
        problem = `${what}: not JSON`;
      }
      input.classList.toggle('invalid', problem !== '');
      input.title = problem || help;
      if (problem !== '') return;
      apply(value as Record<string, JsonValue>);
      commit();
      renderVariants();
    });
    return input;
  }

  /** A variant's own trainer knobs as JSON, checked against the schema's trainer knobs. */
  function variantTrainInput(v: Variant): HTMLInputElement {
    const input = jsonObjectInput('training knobs', v.train, '{"num_generations": 4}', TRAIN_HELP,
      (value) => trainProblem(catalog, value as Variant['train']), (value) => { v.train = value as Variant['train']; });
    input.dataset.knob = 'train';
    return input;
  }

  function overridesInput(v: Variant): HTMLInputElement {
    const input = jsonObjectInput('overrides', v.overrides, '{"epsilon_high": 0.28}', OVERRIDES_HELP,
      (value) => overridesProblem(catalog, value), (value) => { v.overrides = value; });
    input.dataset.knob = 'overrides';
    return input;
  }

  /** Variant cards whose knob list is open (by index; re-rendering keeps it open). */
  const openKnobs = new Set<number>();

  /**
   * The optimizer knobs of a variant, in the schema's order: each shows the value the variant
   * trains with (its preset's, or its override's, in bold) and writes overrides when changed.
   */
  function knobsDisclosure(v: Variant, i: number): HTMLElement {
    const box = el('details', { className: 'knobs' });
    box.open = openKnobs.has(i);
    box.addEventListener('toggle', () => {
      if (box.open) openKnobs.add(i);
      else openKnobs.delete(i);
    });
    const changed = Object.keys(v.overrides).length;
    box.append(
      el('summary', { textContent: `optimizer knobs${changed > 0 ? ` · ${changed} changed` : ''}`, title: 'every knob of the optimizer: the preset sets some, you may override any' }),
      el('p', { className: 'legend', textContent: `Values ${v.preset} trains with; bold: changed here. Hover a name for what it does and its paper.` }),
    );
    for (const spec of catalog.algo) {
      const f = knobField(spec, algoValue(catalog, v, spec) as KnobValue, (value) => {
        setAlgoKnob(catalog, v, spec, value as JsonValue);
        commit();
        renderVariants();
      });
      const own = presetValue(catalog, v.preset, spec);
      f.title += `\n${v.preset}'s value: ${JSON.stringify(own)}`;
      f.classList.toggle('changed', spec.key in v.overrides);
      box.append(watched(variantWatched, f, (a) => {
        const was = a.variants[i];
        return !was || was.preset !== v.preset || !sameJson(algoValue(catalog, was, spec), algoValue(catalog, v, spec));
      }));
    }
    const clear = el('button', { className: 'small', textContent: `all back to ${v.preset}`, title: 'remove every override of this variant' });
    clear.disabled = changed === 0;
    clear.addEventListener('click', () => {
      v.overrides = {};
      commit();
      renderVariants();
    });
    box.append(clear);
    return box;
  }

  function variantCard(v: Variant, i: number): HTMLElement {
    const card = el('div', { className: 'card variant' });
    card.dataset.testid = `variant-${i}`;
    card.dataset.step = '0';
    card.dataset.reward = '';
    card.dataset.eval = '';
    card.style.borderLeftColor = v.colour;
    const colour = Object.assign(el('input'), { type: 'color', value: v.colour, title: 'colour' });
    colour.addEventListener('input', () => {
      v.colour = colour.value;
      card.style.borderLeftColor = v.colour;
      commit();
    });
    const label = Object.assign(el('input'), { type: 'text', value: v.label, title: 'label', maxLength: MAX_LABEL });
    label.addEventListener('change', () => {
      v.label = label.value;
      commit();
    });
    const remove = el('button', { className: 'remove', textContent: '×', title: 'remove this variant' });
    remove.disabled = state.variants.length <= MIN_VARIANTS;
    remove.addEventListener('click', () => {
      state.variants.splice(i, 1);
      openKnobs.clear();
      renderVariants();
    });
    const preset = select(catalog.presets.map(presetOption), v.preset, (name) => {
      if (v.label === v.preset) v.label = name;
      v.preset = name;
      commit();
      renderVariants();
    });
    preset.classList.add('preset');
    card.append(
      el('div', { className: 'card-head' }, [colour, label, remove]),
      watched(variantWatched, field(caption('preset'), preset), (a) => a.variants[i]?.preset !== v.preset),
      knobsDisclosure(v, i),
      field('overrides', overridesInput(v), OVERRIDES_HELP),
      watched(variantWatched, field(caption('own training'), variantTrainInput(v), TRAIN_HELP), (a) => !sameValue(a.variants[i]?.train ?? {}, v.train)),
    );
    const own = Object.entries(v.train);
    if (own.length > 0) {
      const shared = own.map(([k, value]) => `${k} = ${JSON.stringify(value)} (shared: ${JSON.stringify(state.train[k] ?? null)})`).join(', ');
      card.append(el('p', { className: 'own-train', textContent: `Trains with its own ${shared}.` }));
    }
    card.append(el('div', { className: 'stats' }), exportButton(() => toRunConfig(state, i, 0, catalog), () => v.preset, `export-tool-${i}`));
    return card;
  }

  function renderVariants(): void {
    variantWatched = [];
    ui.variants.replaceChildren(...state.variants.map(variantCard));
    ui.addVariant.disabled = state.variants.length >= MAX_VARIANTS;
    updateCards();
    commit();
  }

  function addVariant(): void {
    const used = new Set(state.variants.map((v) => v.preset));
    const names = catalog.presets.map((p) => p.name);
    const next = names.find((p) => !used.has(p)) ?? names[0] ?? 'grpo';
    state.variants.push(newVariant(next, state.variants.length));
    renderVariants();
  }

  // ---- what the runs report

  /**
   * `data-step` = the last step every seed finished; `data-reward` = mean over seeds of the last
   * RL reward_mean (empty during the warm-up, which samples nothing); `data-eval` = mean over
   * seeds of the last held-out accuracy (empty before the first evaluation).
   */
  function updateCards(): void {
    [...ui.variants.children].forEach((card, v) => {
      if (!(card instanceof HTMLElement)) return;
      const sft = applied ? variantTrain(applied, v).sft_steps : 0;
      const seeds = metricsGrid()[v] ?? [];
      const step = lastStep(seeds);
      const reward = lastReward(seeds);
      const held = lastEval(seeds);
      card.dataset.step = String(step);
      card.dataset.reward = reward === null ? '' : String(reward);
      card.dataset.eval = held === null ? '' : String(held);
      const parts = step === 0 ? ['no steps yet'] : step <= sft ? [`warm-up step ${step}`] : [`RL step ${step - sft}`];
      if (reward !== null) parts.push(`reward ${reward.toFixed(3)}`);
      if (held !== null) parts.push(`held-out ${(100 * held).toFixed(1)} %`);
      const stats = card.querySelector('.stats');
      if (stats) stats.textContent = parts.join(' · ');
    });
  }

  /** Where the runs are: `warm-up: step 40 / 100 (supervised)` or `RL: step 20 / 300`. */
  function phaseText(step: number): string {
    const { sft, rl } = applied ? phases(applied) : { sft: 0, rl: 0 };
    if (sft > 0 && (step < sft || runs.inWarmup())) return `warm-up: step ${step} / ${sft} (supervised)`;
    return `RL: step ${Math.max(0, step - sft)} / ${rl}`;
  }

  function updateStatus(): void {
    if (replay) return;
    const all = runs.grid.flat();
    const failed = all.find((r) => r.status === 'error');
    const step = Math.min(...runs.grid.map((seeds) => lastStep(seeds.map((r) => r.metrics))));
    const { sft, rl } = applied ? phases(applied) : { sft: 0, rl: 0 };
    if (failed) setStatus(`error in ${runName(failed)}: ${failed.error}`);
    else if (all.length === 0) setStatus('no runs');
    else if (all.every((r) => r.status === 'done')) setStatus(`done: ${sft > 0 ? `${sft} warm-up + ` : ''}${rl} RL steps`);
    else if (all.some((r) => r.status === 'running')) setStatus(phaseText(step));
    else if (all.some((r) => r.status === 'starting')) setStatus(`starting ${all.length} runs…`);
    else if (step > 0) setStatus(`paused — ${phaseText(step)}`);
    else {
      const parameters = Math.max(0, ...all.map((r) => r.parameters));
      const variants = runs.grid.length;
      const shared = runs.warmups.length > 0
        ? `trained once per seed, shared by the ${variants} variants`
        : 'trained by each variant';
      const plan = sft > 0 ? `${sft} supervised warm-up steps (${shared}), then ${rl} RL steps` : `${rl} RL steps`;
      setStatus(`ready: ${all.length} runs of ${parameters} parameters — ${plan}; ${runBlocked() ? 'answer the lesson\'s question, then press Run' : 'press Run'}`);
    }
  }

  function runName(r: Run): string {
    return `${applied?.variants[r.variant]?.label ?? `variant ${r.variant}`} (seed ${(applied?.seed ?? 0) + r.seedIndex})`;
  }

  let drawPending = false;
  /** Charts redraw at most once a frame, however many runs report in it. */
  function scheduleDraw(): void {
    if (drawPending) return;
    drawPending = true;
    requestAnimationFrame(() => {
      drawPending = false;
      const grid = metricsGrid();
      charts.update(grid);
      showLiveLog(grid);
    });
  }

  /** The last few live changes, by step: `step 41 · grpo: learning_rate = 0.0001`. */
  function showLiveLog(grid: StepMetrics[][][]): void {
    const marks = liveMarks(grid).slice(-4);
    ui.liveLog.hidden = marks.length === 0;
    ui.liveLog.replaceChildren(...(marks.length > 0 ? [el('span', { textContent: 'Live changes (dotted lines on the charts): ' })] : []), ...marks.map((m) => {
      const v = applied?.variants[m.variant];
      const text = Object.entries(m.changes).map(([k, value]) => `${k.replace(/^(train|algo)\./, '')} = ${JSON.stringify(value)}`).join(', ');
      const item = el('span', { className: 'live-change', textContent: `step ${m.step} · ${v?.label ?? `variant ${m.variant}`}: ${text}` });
      item.style.borderColor = v?.colour ?? '#888';
      return item;
    }));
  }

  /** Each applied variant's resolved algo knobs and trainer knobs: what the still-chart rules read. */
  function setups(): Setup[] {
    const made = applied;
    if (!made) return [];
    return made.variants.map((v, i) => ({
      knobs: Object.fromEntries(catalog.algo.map((spec) => [spec.key, algoValue(catalog, v, spec)])),
      train: variantTrain(made, i),
    }));
  }

  /** Collapses the charts that cannot move in the applied runs, each with its reason. */
  function showStill(): void {
    const all = setups();
    charts.setStill((spec: ChartSpec) => chartStillReason(spec, all, catalog.formulas));
  }

  /** Variant `v`'s last RL step per token, from its first seed's worker (null before one). */
  async function inspectRun(v: number): Promise<Inspection | null> {
    const run = runs.grid[v]?.[0];
    if (!run || run.status === 'error' || run.status === 'starting') return null;
    return readInspection((await ask(run.worker, { type: 'inspect' }, 'inspected')).json);
  }

  function metricsGrid(): StepMetrics[][][] {
    return replay ?? runs.grid.map((seeds) => seeds.map((r) => r.metrics));
  }

  /** A finished comparison's metrics shown in place of the runs' until the next Run or Reset. */
  let replay: StepMetrics[][][] | null = null;

  /** Draws replay `r` at once: its state, cards and charts; Run then trains it live. */
  function showReplay(r: Replay): void {
    runs.pause();
    state = r.state;
    applied = r.state;
    replay = r.grid;
    renderSetup();
    renderVariants();
    charts.layout(r.state.variants.map((v) => ({ label: v.label, colour: v.colour })), r.state.seeds, r.state.seed, r.state.task, catalog.metrics);
    charts.update(r.grid);
    showLiveLog(r.grid);
    updateCards();
    showNotice('');
    setStatus(`replay of ${r.grid.flat().length} finished runs, not trained here — press Run to train it live`);
    showLesson(true);
  }

  /** The replay a dropped file or `#replay=URL` names, or a notice saying what is wrong with it. */
  function loadReplay(read: () => Promise<Replay>): void {
    act(async () => {
      try {
        showReplay(await read());
      } catch (e) {
        showNotice(errorMessage(e));
      }
    });
  }

  function renderSamplePanel(): void {
    const v = Number(ui.sampleVariant.value) || 0;
    const run = runs.grid[v]?.[0];
    const sft = run?.config.train.sft_steps ?? 0;
    const warming = run !== undefined && (runs.pendingWarmup(run) !== null || lastStep([run.metrics]) < sft);
    renderSamples(ui.samples, run?.samples ?? [], run?.arms ?? [], warming);
  }

  function onRunChanged(run: Run, what: string): void {
    if (restoring && what === 'error') return restoreFailed(run);
    if (restoring && runs.grid.flat().every((r) => r.status !== 'starting')) restoring = false;
    persist?.changed(run, what);
    updateCards();
    updateStatus();
    if (what === 'metrics') {
      scheduleDraw();
      scheduleCheck(false);
      if (run.seedIndex === 0) inspector?.stepped(run.variant);
    }
    if (what === 'done' || what === 'error' || what === 'paused' || what === 'ready') {
      showRunPhase();
      scheduleCheck(true);
    }
    if (what === 'warmed') renderSamplePanel();
    if (what === 'samples' && run.seedIndex === 0 && String(run.variant) === ui.sampleVariant.value) renderSamplePanel();
  }

  function onFellBack(run: Run, message: string): void {
    if (backend) backend = afterGpuFailure(backend, message);
    showBackend();
    updateCards();
    // The first line: wgpu's errors go on with their causes (the badge's tooltip has them all).
    showNotice(`WebGPU failed for ${runName(run)} (${firstLine(message)}); it resumed on the CPU from step ${lastStep([run.metrics])}.`);
    scheduleDraw();
  }

  function firstLine(text: string): string {
    return text.split('\n', 1)[0] ?? '';
  }

  function onCheckpointRefused(run: Run, step: number, message: string): void {
    updateCards();
    showNotice(`The checkpoint of ${runName(run)} at step ${step} was refused (${message.replace(/^checkpoint: /, '')}); `
      + `it restarted on the CPU from step ${lastStep([run.metrics])}.`);
    scheduleDraw();
  }

  function onLiveFailed(run: Run, message: string): void {
    showNotice(`A live change was refused by ${runName(run)}: ${message}`);
  }

  function showBackend(): void {
    ui.backend.textContent = backend ? badgeText(backend) : 'detecting backend…';
    ui.backend.title = backend?.reason ?? '';
  }

  // ---- lessons

  /** The helper worker: it read the schema and the lessons, and scores the runs with `lesson_check`. */
  let helper: Worker | null = null;
  const store = browserStore();
  let progress: Progress = {};
  /** The checks last reported for the current runs. */
  let report: Report | null = null;
  /** Bumped by every apply: a report about older runs is dropped. */
  let checkEpoch = 0;
  let checkCalls = 0;
  let checkTimer: ReturnType<typeof setTimeout> | null = null;
  let checkBusy = false;
  let checkDue = false;
  let lastCheck = 0;
  /** `lesson_check` runs at most this often while metrics arrive (it reads every step of every run). */
  const CHECK_EVERY_MS = 500;
  /** The runs of this apply were marked completed already. */
  let completedMarked = false;
  let shownPhase: RunPhase = 'idle';
  const panel = new LessonPanel(ui.lesson, {
    answer: (q, choice) => {
      const lesson = currentLesson();
      if (!lesson) return;
      progress = withAnswer(progress, lesson, q, choice);
      saveProgress(store, progress);
      showLesson(true);
      updateStatus();
    },
    run: () => runLesson(),
    go: (id) => goLesson(id),
    restore: () => {
      if (state.lesson) goLesson(state.lesson);
    },
    resetProgress: () => {
      progress = {};
      saveProgress(store, progress);
      showLesson(true);
      updateStatus();
    },
  });

  /** The lesson the page shows, or null. */
  function currentLesson(): Lesson | null {
    return state.lesson === null ? null : (catalog.lessons.find((l) => l.id === state.lesson) ?? null);
  }

  /** Whether Run must wait: a lesson is shown and its questions are not all answered. */
  function runBlocked(): boolean {
    const lesson = currentLesson();
    return lesson !== null && !answered(lesson, progress);
  }

  /** How far the current runs are. */
  function runPhase(): RunPhase {
    const all = runs.grid.flat();
    if (all.length > 0 && all.every((r) => r.status === 'done')) return 'done';
    return all.some((r) => r.status === 'running') ? 'running' : 'idle';
  }

  /** Why the lesson's checks cannot read the current runs ('' when they can). */
  function checkMismatch(lesson: Lesson): string {
    const made = applied ?? state;
    const n = lesson.setup.variants.length;
    if (made.variants.length !== n) {
      return `The checks compare the lesson's ${n} variants, in its order; these runs have ${made.variants.length}. Go back to the lesson's setup to check them.`;
    }
    return '';
  }

  /** What a lesson's runs are, in a sentence. */
  function setupWords(s: State): string {
    const { sft, rl } = phases(s);
    const n = s.variants.length;
    const seeds = `${s.seeds} paired seed${s.seeds === 1 ? '' : 's'}`;
    const warm = sft > 0 ? `${sft} supervised warm-up steps (${sharesWarmup(s) ? 'trained once per seed, shared by the variants' : 'each variant its own'}), then ` : '';
    return `${n} variants × ${seeds} on ${TASK_TITLES[s.task] ?? s.task}: ${warm}${rl} RL steps — ${n * s.seeds} runs training side by side (the cards on the left hold every knob).`;
  }

  /** The Lessons menu: each lesson, ✓ once completed. */
  function showLessonMenu(): void {
    const none = Object.assign(el('option', { textContent: catalog.lessons.length > 0 ? 'none (free play)' : 'none in this build' }), { value: '' });
    ui.lessons.replaceChildren(none, ...catalog.lessons.map((l, i) => {
      const mark = progress[l.id]?.completed ? '✓ ' : answered(l, progress) && l.predict.length > 0 ? '· ' : '';
      return Object.assign(el('option', { textContent: `${mark}${i + 1}. ${l.title}`, title: l.claim }), { value: l.id });
    }));
    ui.lessons.value = currentLesson()?.id ?? '';
    ui.lessons.disabled = catalog.lessons.length === 0;
  }

  /** What the panel last drew: it is rebuilt when this changes (or when asked to). */
  let lessonDrawn = '';

  /** Draws the lesson panel (full = rebuild it; else only when what it shows changed) and gates Run. */
  function showLesson(full = false): void {
    if (!catalog) return;
    const lesson = currentLesson();
    const blocked = runBlocked();
    ui.run.disabled = blocked;
    ui.step.disabled = blocked;
    ui.run.title = blocked ? 'answer the lesson\'s question first' : '';
    const view = lesson && {
      lesson,
      lessons: catalog.lessons,
      progress,
      setup: setupWords(state),
      pristine: isLessonSetup(state, catalog),
      mismatch: checkMismatch(lesson),
      measures: catalog.measures,
    };
    const drawn = view ? JSON.stringify([view.lesson.id, view.setup, view.pristine, view.mismatch]) : '';
    if (!full && drawn === lessonDrawn) return;
    lessonDrawn = drawn;
    showLessonMenu();
    panel.show(view);
    panel.checks(report, runPhase());
  }

  /** Re-draws what follows the phase of the runs when it changed (Run's state, the explanation). */
  function showRunPhase(): void {
    const phase = runPhase();
    if (phase === shownPhase) return;
    shownPhase = phase;
    panel.checks(report, phase);
  }

  /** The lesson the current runs were made for, when its checks can read them. */
  function checkedLesson(): Lesson | null {
    const id = applied?.lesson ?? null;
    if (id === null || id !== state.lesson || !helper) return null;
    const lesson = catalog.lessons.find((l) => l.id === id) ?? null;
    return lesson && checkMismatch(lesson) === '' ? lesson : null;
  }

  /** Asks for the checks soon: at most every CHECK_EVERY_MS, at once when `now` (a run finished). */
  function scheduleCheck(now: boolean): void {
    if (!checkedLesson()) return;
    checkDue = true;
    if (checkBusy) return;
    if (checkTimer !== null) {
      if (!now) return;
      clearTimeout(checkTimer);
    }
    const wait = now ? 0 : Math.max(0, lastCheck + CHECK_EVERY_MS - performance.now());
    checkTimer = setTimeout(() => void runCheck(), wait);
  }

  async function runCheck(): Promise<void> {
    checkTimer = null;
    const lesson = checkedLesson();
    if (!checkDue || !lesson || !helper) return;
    checkDue = false;
    checkBusy = true;
    lastCheck = performance.now();
    const epoch = checkEpoch;
    const phase = runPhase();
    try {
      checkCalls++;
      const reply = await ask(helper, { type: 'check', id: lesson.id, runs: JSON.stringify(metricsGrid()) }, 'checked');
      if (epoch === checkEpoch) {
        report = readReport(reply.report);
        panel.checks(report, runPhase());
        if (phase === 'done' && !completedMarked) {
          completedMarked = true;
          progress = withCompleted(progress, lesson);
          saveProgress(store, progress);
          showLesson(true);
        }
      }
    } catch (e) {
      showNotice(`The lesson's checks failed: ${errorMessage(e)}`);
    } finally {
      checkBusy = false;
      if (checkDue) scheduleCheck(runPhase() === 'done');
    }
  }

  /** Loads lesson `id`: its whole setup (the backend choice kept), then fresh runs of it. */
  function goLesson(id: string): void {
    act(async () => {
      const lesson = lessonOf(catalog, id);
      state = { ...lessonState(lesson, catalog), backend: state.backend };
      showNotice('');
      renderSetup();
      renderVariants();
      showLesson(true);
      await apply();
    });
  }

  /** The panel's Run: fresh runs when the last ones finished, else as the Run button. */
  function runLesson(): void {
    act(async () => {
      if (runBlocked()) return;
      if (runPhase() === 'done' || pending()) await apply();
      runs.run();
      updateStatus();
      showRunPhase();
    });
  }

  // ---- actions

  /** Makes the runs match the current state, from scratch (or from `saved`, the same state's saved runs). */
  async function apply(saved?: Saved): Promise<void> {
    if (!backend || resolvedFor !== state.backend) {
      backend = null;
      showBackend();
      setStatus('choosing a backend…');
      backend = await chooseBackend(state.backend, calibrationConfig(catalog));
      if (destroyed) return;
      resolvedFor = state.backend;
      showBackend();
    }
    const current = parse(serialize(state, catalog), catalog);
    applied = current;
    replay = null;
    if (saved) runs.restore(current, catalog, backend.device, saved);
    else runs.reset(current, catalog, backend.device);
    restoring = saved !== undefined;
    persist?.started();
    checkEpoch++;
    report = null;
    completedMarked = false;
    checkDue = false;
    charts.layout(current.variants.map((v) => ({ label: v.label, colour: v.colour })), current.seeds, current.seed, current.task, catalog.metrics);
    showStill();
    if (saved) scheduleDraw();
    inspector?.reset(current.variants.map((v) => v.label));
    showLiveLog([]);
    ui.sampleVariant.replaceChildren(...current.variants.map((v, i) => Object.assign(el('option', { textContent: v.label }), { value: String(i) })));
    renderSamplePanel();
    updateCards();
    updateStatus();
    commit();
    showLesson(true);
    shownPhase = runPhase();
  }

  async function applyIfPending(): Promise<void> {
    if (pending()) await apply();
  }

  /** Run: fresh runs first when the knobs changed since the last ones (not while a lesson's question waits). */
  async function runNow(): Promise<void> {
    if (runBlocked()) return;
    await applyIfPending();
    runs.run();
    updateStatus();
    showRunPhase();
  }

  /** Stops the app's listeners on its host (destroy). */
  const listening = new AbortController();

  function wire(): void {
    ui.run.addEventListener('click', () => act(runNow));
    ui.pause.addEventListener('click', () => act(() => runs.pause()));
    ui.step.addEventListener('click', () => act(async () => {
      if (runBlocked()) return;
      await applyIfPending();
      runs.step();
    }));
    ui.lessons.addEventListener('change', () => {
      const id = ui.lessons.value;
      if (id !== '') goLesson(id);
      else {
        // Free play: the same knobs, no lesson (the URL then names them all).
        state.lesson = null;
        commit();
        showLesson(true);
      }
    });
    ui.reset.addEventListener('click', () => act(apply));
    ui.exportCsv.addEventListener('click', () => act(() => {
      if (applied) download('grpo-playground.csv', toCsv(applied, metricsGrid(), catalog.metrics), 'text/csv');
    }));
    ui.exportJson.addEventListener('click', () => act(() => {
      if (applied) download('grpo-playground.json', toReplay(applied, metricsGrid(), catalog), 'application/json');
    }));
    ui.addVariant.addEventListener('click', () => act(addVariant));
    ui.clearSaved.hidden = persist === null;
    ui.clearSaved.addEventListener('click', () => act(async () => {
      const n = (await persist?.clear()) ?? 0;
      if (persist?.enabled) showNotice(`Forgot ${n} saved comparison${n === 1 ? '' : 's'}; the runs on screen go on in memory (Reset saves again).`);
    }));
    ui.sampleVariant.addEventListener('change', renderSamplePanel);
    const { signal } = listening;
    // Saved runs: what waits for its throttled write is written before the page goes away.
    if (persist) document.addEventListener('visibilitychange', () => persist.flush(), { signal });
    host.dropZone.addEventListener('dragover', (e) => e.preventDefault(), { signal });
    host.dropZone.addEventListener('drop', (e) => {
      const file = (e as DragEvent).dataTransfer?.files[0];
      if (!file) return;
      e.preventDefault();
      loadReplay(async () => readReplay(await file.text(), catalog));
    }, { signal });
  }

  /**
   * The host's link changed (the page: never by its own writes, only by a hand-edited URL or a
   * pasted link): its state replaces the shown one, or its replay is shown.
   */
  function linkChanged(): void {
    act(async () => {
      if (!catalog || host.link() === serialize(state, catalog)) return;
      const url = replayLink();
      if (url !== null) return loadReplay(() => fetchReplay(url, catalog));
      const linked = fromLink();
      // The same state written otherwise (an attribute changed while start-up read it) changes nothing.
      if (!linked || serialize(linked, catalog) === serialize(state, catalog)) return;
      const otherLesson = linked.lesson !== state.lesson;
      state = linked;
      renderSetup();
      renderVariants();
      showLesson(true);
      // Another lesson: fresh runs of its setup, as the menu makes them; an element's runs
      // follow its attributes, whatever they changed.
      if (host.restartOnLink || (otherLesson && linked.lesson !== null)) {
        await apply();
        if (host.autoplay()) await runNow();
      }
    });
  }

  /** Shows the chrome `host.controls()` asks for (the container's class: minimal, none, or neither). */
  function controlsChanged(): void {
    const controls = host.controls();
    for (const c of CONTROLS) if (c !== 'full') host.container.classList.toggle(c, c === controls);
  }

  /** The URL of `#replay=URL`, or null. */
  function replayLink(): string | null {
    const link = host.link();
    return link.startsWith('#replay=') ? decodeURIComponent(link.slice('#replay='.length)) : null;
  }

  /** The state the link describes (the default one without a link), or null with a notice. */
  function fromLink(): State | null {
    if (replayLink() !== null) return null;
    const link = host.link();
    try {
      const linked = link.length > 1 ? parse(link, catalog) : defaultState(catalog);
      showNotice('');
      return linked;
    } catch (e) {
      showNotice(`${host.linkName} were not used: ${errorMessage(e)}`);
      return null;
    }
  }

  async function start(): Promise<void> {
    // Read before the first commit rewrites the link to the state's.
    const replayUrl = replayLink();
    controlsChanged();
    setStatus('loading the wasm module…');
    // The helper worker reads the schema and the lessons, then stays to score lesson runs.
    const probe = spawnWorker();
    try {
      catalog = readSchema((await ask(probe, { type: 'schema' }, 'schema')).schema);
    } catch (e) {
      probe.terminate();
      throw e;
    }
    helper = probe;
    let lessonProblem = '';
    try {
      catalog = { ...catalog, lessons: readLessons((await ask(probe, { type: 'lessons' }, 'lessons')).lessons) };
    } catch (e) {
      lessonProblem = `No lessons in this page: ${errorMessage(e)}`;
    }
    if (catalog.lessons.length === 0 || destroyed) {
      // Nothing to score: the helper's wasm instance need not stay.
      probe.terminate();
      helper = null;
    }
    if (destroyed) return;
    progress = loadProgress(store);
    const linked = fromLink();
    state = linked ?? defaultState(catalog);
    if (lessonProblem !== '') showNotice(lessonProblem);
    host.ready({
      get state() {
        return state;
      },
      get metrics() {
        return metricsGrid();
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
        return report;
      },
      get checkCalls() {
        return checkCalls;
      },
    });
    if (new URLSearchParams(location.search).has('test')) window.__grpoTest = testHooks();
    inspector = new Inspector(ui.inspector, {
      fetch: inspectRun,
      step: (v) => lastStep((runs.grid[v] ?? []).slice(0, 1).map((r) => r.metrics)),
      paper: (v) => catalog.presets.find((p) => p.name === applied?.variants[v]?.preset)?.source ?? '',
    }, catalog.formulas, catalog.algo);
    renderGlossary(ui.glossary, catalog.metrics, chartsOf(catalog.metrics).flatMap((spec) => (spec === 'eval_by_difficulty' ? [spec] : [...spec])));
    renderSetup();
    renderVariants();
    const saved = replayUrl === null && linked ? await persist?.load(linked) : null;
    if (destroyed) return;
    await apply(saved ?? undefined);
    if (saved) restoredNotice(saved);
    if (replayUrl !== null) loadReplay(() => fetchReplay(replayUrl, catalog));
    // Not the default state in place of a link that was refused: its notice says why.
    else if (linked && (host.autoplay() || saved?.playing === true) && runs.hasActive()) await runNow();
  }

  wire();
  act(start);
  return {
    linkChanged,
    controlsChanged,
    play: () => act(runNow),
    destroy: () => {
      destroyed = true;
      listening.abort();
      runs.dispose();
      helper?.terminate();
      helper = null;
      if (checkTimer !== null) clearTimeout(checkTimer);
      host.container.replaceChildren();
    },
  };
}
