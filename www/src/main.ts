// The page: builds the controls from the state tables, keeps the URL equal to the state, wires
// Run / Pause / Step / Reset, and forwards what the runs report to the cards, charts and viewer.
// The Rust session has no live setters, so every control applies on the next Reset or Run.

import { afterGpuFailure, badgeText, calibrationConfig, chooseBackend, type Resolved } from './backend';
import { Charts } from './charts';
import { el, field, knobField, select, type Option } from './controls';
import { download, toCsv, toJson } from './exporter';
import { ask, errorMessage, spawnWorker, type PresetInfo, type StepMetrics } from './protocol';
import { lastEval, lastReward, lastStep, Runs, type Counters, type Run } from './runs';
import { renderSamples } from './samples';
import {
  BACKEND_CHOICES, MAX_VARIANTS, MIN_VARIANTS, MODEL_SIZES, SEED_KNOB, SEEDS_KNOB, TASK_KNOBS, TASK_NAMES, TRAIN_KNOBS,
  crossProblem, defaultState, fallbackDefaults, modelNumbers, newVariant, parse, readTaskDefaults, serialize, taskState,
  type BackendChoice, type Catalog, type ModelChoice, type RunConfig, type State, type TaskDefaults, type TaskName, type Variant,
} from './state';

declare global {
  interface Window {
    /**
     * For browser tests: the live state, `metrics[variant][seedIndex]` = steps so far, the
     * configs the current runs were created with, what the workers were asked to train, and
     * the task defaults the page read from the wasm module.
     */
    __playground: {
      readonly state: State;
      readonly metrics: StepMetrics[][][];
      readonly configs: RunConfig[][];
      readonly counters: Counters;
      readonly defaults: TaskDefaults;
      /** Whether the current runs share one warm-up per seed. */
      readonly sharedWarmup: boolean;
    };
  }
}

function byId<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`#${id} is missing from index.html`);
  return e as T;
}

const ui = {
  run: byId<HTMLButtonElement>('run'),
  pause: byId<HTMLButtonElement>('pause'),
  step: byId<HTMLButtonElement>('step'),
  reset: byId<HTMLButtonElement>('reset'),
  exportCsv: byId<HTMLButtonElement>('export-csv'),
  exportJson: byId<HTMLButtonElement>('export-json'),
  addVariant: byId<HTMLButtonElement>('add-variant'),
  backend: byId('backend'),
  status: byId('status'),
  notice: byId('notice'),
  note: byId('note'),
  setup: byId('setup'),
  variants: byId('variants'),
  samples: byId('samples'),
  sampleVariant: byId<HTMLSelectElement>('sample-variant'),
};

let presets: PresetInfo[] = [];
let catalog: Catalog = { presets: [], defaults: fallbackDefaults() };
let state: State;
/** A copy of the state the current runs were made from; `state` may have moved on since. */
let applied: State | null = null;
let backend: Resolved | null = null;
/** The backend choice `backend` was resolved for: changing the control resolves again. */
let resolvedFor: BackendChoice | null = null;
const runs = new Runs({ changed: onRunChanged, fellBack: onFellBack });
const charts = new Charts(byId('charts'));

/** User actions run one after another, behind page start-up: a Run pressed early waits its turn. */
let actions: Promise<void> = Promise.resolve();
function act(job: () => void | Promise<void>): void {
  actions = actions.then(job).catch((e: unknown) => setStatus(`error: ${errorMessage(e)}`));
}

function setStatus(text: string): void {
  ui.status.textContent = text;
}

function showNotice(text: string): void {
  ui.notice.textContent = text;
  ui.notice.hidden = text === '';
}

function pending(): boolean {
  return applied === null || serialize(applied, catalog) !== serialize(state, catalog);
}

/** The notice currently shown for a rule between two knobs (cleared once the rule holds). */
let knobNotice = '';

/** After every control change: the URL follows the state, and the note says a Reset is due. */
function commit(): void {
  history.replaceState(null, '', serialize(state, catalog));
  ui.note.classList.toggle('pending', pending());
  const problem = crossProblem(state.task, state.taskKnobs);
  if (problem !== '' || (knobNotice !== '' && ui.notice.textContent === knobNotice)) showNotice(problem);
  knobNotice = problem;
}

// ---- controls

function presetOption(p: PresetInfo): Option<string> {
  const knobs = Object.entries(p.knobs).map(([k, v]) => `${k} = ${JSON.stringify(v)}`);
  return { value: p.name, text: `${p.name} — ${p.source}`, title: knobs.length > 0 ? knobs.join('\n') : 'all knobs at their defaults' };
}

const TASK_TITLES: Record<TaskName, string> = {
  arithmetic: 'arithmetic (12+7=)',
  chain: 'chain (3+5+2=, sums)',
  maze: 'maze (walk to goal)',
  bandit: 'bandit (best arm)',
};

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
  // A new task brings its own defaults: task knobs, model and trainer knobs all reset to them.
  const taskField = field('task', select(TASK_NAMES.map((t) => ({ value: t, text: TASK_TITLES[t] })), state.task, (t) => {
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
    taskField,
    ...TASK_KNOBS[state.task].map((spec) => knobField(spec, state.taskKnobs[spec.key], (v) => {
      state.taskKnobs[spec.key] = v;
      commit();
    })),
    el('h2', { textContent: 'Model and training' }),
    field('model', select(modelOptions(), state.model, (m) => {
      state.model = m;
      commit();
    })),
    ...TRAIN_KNOBS.map((spec) => knobField(spec, state.train[spec.key], (v) => {
      state.train[spec.key] = Number(v);
      commit();
    })),
    knobField(SEEDS_KNOB, state.seeds, number('seeds')),
    knobField(SEED_KNOB, state.seed, number('seed')),
    field('backend', select(BACKEND_CHOICES.map((b) => ({ value: b, text: b })), state.backend, (b) => {
      state.backend = b;
      commit();
    }), 'auto measures: CPU unless a hardware GPU proves faster'),
  );
}

function overridesInput(v: Variant): HTMLInputElement {
  const input = Object.assign(el('input'), {
    type: 'text',
    value: Object.keys(v.overrides).length > 0 ? JSON.stringify(v.overrides) : '',
    placeholder: '{"epsilon_high": 0.28}',
    title: 'knob overrides as a JSON object; checked by the trainer on Reset/Run',
  });
  input.addEventListener('change', () => {
    try {
      const value: unknown = input.value.trim() === '' ? {} : JSON.parse(input.value);
      if (typeof value !== 'object' || value === null || Array.isArray(value) || 'preset' in value) throw new Error('not an object of knobs');
      v.overrides = value as Variant['overrides'];
      input.classList.remove('invalid');
      commit();
    } catch {
      input.classList.add('invalid');
    }
  });
  return input;
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
  const label = Object.assign(el('input'), { type: 'text', value: v.label, title: 'label' });
  label.addEventListener('change', () => {
    v.label = label.value;
    commit();
  });
  const remove = el('button', { className: 'remove', textContent: '×', title: 'remove this variant' });
  remove.disabled = state.variants.length <= MIN_VARIANTS;
  remove.addEventListener('click', () => {
    state.variants.splice(i, 1);
    commit();
    renderVariants();
  });
  const preset = select(presets.map(presetOption), v.preset, (name) => {
    if (v.label === v.preset) v.label = name;
    v.preset = name;
    commit();
    renderVariants();
  });
  card.append(
    el('div', { className: 'card-head' }, [colour, label, remove]),
    field('preset', preset),
    field('overrides', overridesInput(v)),
    el('div', { className: 'stats' }),
  );
  return card;
}

function renderVariants(): void {
  ui.variants.replaceChildren(...state.variants.map(variantCard));
  ui.addVariant.disabled = state.variants.length >= MAX_VARIANTS;
  updateCards();
}

function addVariant(): void {
  const used = new Set(state.variants.map((v) => v.preset));
  const next = catalog.presets.find((p) => !used.has(p)) ?? catalog.presets[0] ?? 'grpo';
  state.variants.push(newVariant(next, state.variants.length));
  commit();
  renderVariants();
}

// ---- what the runs report

/**
 * `data-step` = the last step every seed finished; `data-reward` = mean over seeds of the last
 * RL reward_mean (empty during the warm-up, which samples nothing); `data-eval` = mean over
 * seeds of the last held-out accuracy (empty before the first evaluation).
 */
function updateCards(): void {
  const sft = applied?.train.sft_steps ?? 0;
  [...ui.variants.children].forEach((card, v) => {
    if (!(card instanceof HTMLElement)) return;
    const seeds = runs.grid[v] ?? [];
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
  const sft = applied?.train.sft_steps ?? 0;
  const rl = applied?.train.steps ?? 0;
  if (sft > 0 && (step < sft || runs.inWarmup())) return `warm-up: step ${step} / ${sft} (supervised)`;
  return `RL: step ${Math.max(0, step - sft)} / ${rl}`;
}

function updateStatus(): void {
  const all = runs.grid.flat();
  const failed = all.find((r) => r.status === 'error');
  const step = Math.min(...runs.grid.map(lastStep));
  const sft = applied?.train.sft_steps ?? 0;
  const rl = applied?.train.steps ?? 0;
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
    setStatus(`ready: ${all.length} runs of ${parameters} parameters — ${plan}; press Run`);
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
    charts.update(metricsGrid());
  });
}

function metricsGrid(): StepMetrics[][][] {
  return runs.grid.map((seeds) => seeds.map((r) => r.metrics));
}

function renderSamplePanel(): void {
  const v = Number(ui.sampleVariant.value) || 0;
  const run = runs.grid[v]?.[0];
  const sft = applied?.train.sft_steps ?? 0;
  const warming = run !== undefined && (runs.pendingWarmup(run) !== null || lastStep([run]) < sft);
  renderSamples(ui.samples, applied?.task ?? state.task, run?.samples ?? [], run?.arms ?? [], warming);
}

function onRunChanged(run: Run, what: string): void {
  updateCards();
  updateStatus();
  if (what === 'metrics') scheduleDraw();
  if (what === 'warmed') renderSamplePanel();
  if (what === 'samples' && run.seedIndex === 0 && String(run.variant) === ui.sampleVariant.value) renderSamplePanel();
}

function onFellBack(run: Run, message: string): void {
  if (backend) backend = afterGpuFailure(backend, message);
  showBackend();
  showNotice(`WebGPU failed for ${runName(run)} (${message}); it resumed on the CPU from step ${lastStep([run])}.`);
  scheduleDraw();
}

function showBackend(): void {
  ui.backend.textContent = backend ? badgeText(backend) : 'detecting backend…';
  ui.backend.title = backend?.reason ?? '';
}

// ---- actions

/** Makes the runs match the current state, from scratch. */
async function apply(): Promise<void> {
  if (!backend || resolvedFor !== state.backend) {
    backend = null;
    showBackend();
    setStatus('choosing a backend…');
    backend = await chooseBackend(state.backend, calibrationConfig(catalog));
    resolvedFor = state.backend;
    showBackend();
  }
  const current = parse(serialize(state, catalog), catalog);
  applied = current;
  runs.reset(current, catalog, backend.device);
  charts.layout(current.variants.map((v) => ({ label: v.label, colour: v.colour })), current.seeds, current.task);
  ui.sampleVariant.replaceChildren(...current.variants.map((v, i) => Object.assign(el('option', { textContent: v.label }), { value: String(i) })));
  renderSamplePanel();
  updateCards();
  updateStatus();
  commit();
}

async function applyIfPending(): Promise<void> {
  if (pending()) await apply();
}

function wire(): void {
  ui.run.addEventListener('click', () => act(async () => {
    await applyIfPending();
    runs.run();
    updateStatus();
  }));
  ui.pause.addEventListener('click', () => act(() => runs.pause()));
  ui.step.addEventListener('click', () => act(async () => {
    await applyIfPending();
    runs.step();
  }));
  ui.reset.addEventListener('click', () => act(apply));
  ui.exportCsv.addEventListener('click', () => act(() => {
    if (applied) download('grpo-playground.csv', toCsv(applied, metricsGrid()), 'text/csv');
  }));
  ui.exportJson.addEventListener('click', () => act(() => {
    if (applied) download('grpo-playground.json', toJson(applied, metricsGrid()), 'application/json');
  }));
  ui.addVariant.addEventListener('click', () => act(addVariant));
  ui.sampleVariant.addEventListener('change', renderSamplePanel);
  // replaceState never fires this: only a hand-edited URL or a pasted link does.
  window.addEventListener('hashchange', () => act(() => {
    if (location.hash === serialize(state, catalog)) return;
    const linked = fromLink();
    if (!linked) return;
    state = linked;
    renderSetup();
    renderVariants();
    commit();
  }));
}

/** The state the URL hash describes (the default one without a hash), or null with a notice. */
function fromLink(): State | null {
  try {
    const linked = location.hash.length > 1 ? parse(location.hash, catalog) : defaultState(catalog);
    showNotice('');
    return linked;
  } catch (e) {
    showNotice(`The link's settings were not used: ${errorMessage(e)}`);
    return null;
  }
}

async function start(): Promise<void> {
  // `?embed` (before the hash) keeps only charts, Run / Pause / Reset and the badge, for iframes.
  document.body.classList.toggle('embed', new URLSearchParams(location.search).has('embed'));
  setStatus('loading the wasm module…');
  const probe = spawnWorker();
  let defaults = '';
  try {
    ({ presets, defaults } = await ask(probe, { type: 'presets' }, 'presets'));
  } finally {
    probe.terminate();
  }
  catalog = { presets: presets.map((p) => p.name), defaults: defaults ? readTaskDefaults(defaults) : fallbackDefaults() };
  state = fromLink() ?? defaultState(catalog);
  window.__playground = {
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
    get sharedWarmup() {
      return runs.warmups.length > 0;
    },
  };
  renderSetup();
  renderVariants();
  await apply();
}

wire();
act(start);
