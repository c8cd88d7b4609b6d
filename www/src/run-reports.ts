// What the runs report, drawn: each card's last step, reward and held-out accuracy (`data-step`,
// `data-reward`, `data-eval`), the status line and the runs' state in a live region, the charts
// (at most once a frame), the log of live changes, the samples, the backend badge, and the
// notices of runs that fell back to the CPU. It reads the runs and the store's model (the runs'
// state, a replay) and changes neither.

import { badgeText, type Resolved } from './backend';
import type { Charts } from './charts';
import { el } from './controls';
import { chartStillReason, type Setup } from './glossary';
import type { RunPhase } from './lesson-panel';
import type { LiveRegion } from './live-region';
import type { Elements } from './markup';
import { lastEval, lastReward, lastStep, liveMarks, type ChartSpec, type StepMetrics } from './metrics';
import type { Replay } from './replay';
import { algoValue, phases, variantTrain } from './resolve';
import type { Runs, Run } from './runs';
import { renderSamples } from './samples';
import type { Catalog } from './schema';
import type { State } from './state';
import type { PageStore } from './store';

/** How far the runs are: none training, some training, or every one finished. */
export function runPhase(runs: Runs): RunPhase {
  const all = runs.grid.flat();
  if (all.length > 0 && all.every((r) => r.status === 'done')) return 'done';
  return all.some((r) => r.status === 'running') ? 'running' : 'idle';
}

/** The status line and the notice above the panels. */
export interface Say {
  status(text: string): void;
  /** Shows `text` ('' hides the notice). */
  notice(text: string): void;
  /** The notice shown now. */
  readonly noticeText: string;
}

/** The first line: wgpu's errors go on with their causes (the badge's tooltip has them all). */
function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}

export class RunReports {
  private drawPending = false;

  constructor(
    private readonly ui: Pick<Elements, 'variants' | 'liveLog' | 'samples' | 'sampleVariant' | 'backend'>,
    private readonly catalog: Catalog,
    private readonly store: PageStore,
    private readonly runs: Runs,
    private readonly charts: Charts,
    private readonly say: Say,
    /** Whether Run waits for a lesson's question to be answered. */
    private readonly runBlocked: () => boolean,
    /** Where the runs' state is announced. */
    private readonly announce: LiveRegion,
  ) {}

  /** `metrics[variant][seedIndex]`: the replay's, else the runs' steps so far. */
  metricsGrid(): StepMetrics[][][] {
    return this.store.get().replay ?? this.runs.grid.map((seeds) => seeds.map((r) => r.metrics));
  }

  /** The state the runs were made from. */
  private made(): State | null {
    return this.store.get().applied;
  }

  /**
   * `data-step` = the last step every seed finished; `data-reward` = mean over seeds of the last
   * RL reward_mean (empty during the warm-up, which samples nothing); `data-eval` = mean over
   * seeds of the last held-out accuracy (empty before the first evaluation).
   */
  updateCards(): void {
    const applied = this.made();
    const grid = this.metricsGrid();
    [...this.ui.variants.children].forEach((card, v) => {
      if (!(card instanceof HTMLElement)) return;
      const sft = applied ? variantTrain(applied, v).sft_steps : 0;
      const seeds = grid[v] ?? [];
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
  private phaseText(step: number): string {
    const applied = this.made();
    const { sft, rl } = applied ? phases(applied) : { sft: 0, rl: 0 };
    if (sft > 0 && (step < sft || this.runs.inWarmup())) return `warm-up: step ${step} / ${sft} (supervised)`;
    return `RL: step ${Math.max(0, step - sft)} / ${rl}`;
  }

  /** The status line (every step), and the runs' state in the live region (only when it changes). */
  updateStatus(): void {
    if (this.store.get().replay) return;
    const { runs, say, announce } = this;
    const applied = this.made();
    const all = runs.grid.flat();
    const failed = all.find((r) => r.status === 'error');
    const step = Math.min(...runs.grid.map((seeds) => lastStep(seeds.map((r) => r.metrics))));
    const { sft, rl } = applied ? phases(applied) : { sft: 0, rl: 0 };
    if (failed) {
      say.status(`error in ${this.runName(failed)}: ${failed.error}`);
      announce.say(`Stopped: error in ${this.runName(failed)}.`);
    } else if (all.length === 0) say.status('no runs');
    else if (all.every((r) => r.status === 'done')) {
      const steps = `${sft > 0 ? `${sft} warm-up + ` : ''}${rl} RL steps`;
      say.status(`done: ${steps}`);
      announce.say(`Finished: ${steps}.`);
    } else if (all.some((r) => r.status === 'running')) {
      say.status(this.phaseText(step));
      announce.say(`Training ${all.length} runs.`);
    } else if (all.some((r) => r.status === 'starting')) say.status(`starting ${all.length} runs…`);
    else if (step > 0) {
      say.status(`paused — ${this.phaseText(step)}`);
      announce.say(`Paused at ${this.phaseText(step)}.`);
    } else {
      const parameters = Math.max(0, ...all.map((r) => r.parameters));
      const variants = runs.grid.length;
      const shared = runs.warmups.length > 0
        ? `trained once per seed, shared by the ${variants} variants`
        : 'trained by each variant';
      const plan = sft > 0 ? `${sft} supervised warm-up steps (${shared}), then ${rl} RL steps` : `${rl} RL steps`;
      const next = this.runBlocked() ? 'answer the lesson\'s question, then press Run' : 'press Run';
      say.status(`ready: ${all.length} runs of ${parameters} parameters — ${plan}; ${next}`);
      announce.say(`Ready: ${next}.`);
    }
  }

  /** `grpo (seed 3)`: a run as notices name it. */
  runName(r: Run): string {
    const applied = this.made();
    return `${applied?.variants[r.variant]?.label ?? `variant ${r.variant}`} (seed ${(applied?.seed ?? 0) + r.seedIndex})`;
  }

  /** Charts redraw at most once a frame, however many runs report in it. */
  scheduleDraw(): void {
    if (this.drawPending) return;
    this.drawPending = true;
    requestAnimationFrame(() => {
      this.drawPending = false;
      const grid = this.metricsGrid();
      this.charts.update(grid);
      this.showLiveLog(grid);
    });
  }

  /** The last few live changes, by step: `step 41 · grpo: learning_rate = 0.0001`. */
  private showLiveLog(grid: StepMetrics[][][]): void {
    const applied = this.made();
    const marks = liveMarks(grid).slice(-4);
    this.ui.liveLog.hidden = marks.length === 0;
    this.ui.liveLog.replaceChildren(...(marks.length > 0 ? [el('span', { textContent: 'Live changes (dotted lines on the charts): ' })] : []), ...marks.map((m) => {
      const v = applied?.variants[m.variant];
      const text = Object.entries(m.changes).map(([k, value]) => `${k.replace(/^(train|algo)\./, '')} = ${JSON.stringify(value)}`).join(', ');
      const item = el('span', { className: 'live-change', textContent: `step ${m.step} · ${v?.label ?? `variant ${m.variant}`}: ${text}` });
      item.style.borderColor = v?.colour ?? '#888';
      return item;
    }));
  }

  /** Collapses the charts that cannot move in the applied runs, each with its reason. */
  showStill(): void {
    const made = this.made();
    const { catalog } = this;
    // Each applied variant's resolved algo knobs and trainer knobs: what the still-chart rules read.
    const all: Setup[] = made
      ? made.variants.map((v, i) => ({
        knobs: Object.fromEntries(catalog.algo.map((spec) => [spec.key, algoValue(catalog, v, spec)])),
        train: variantTrain(made, i),
      }))
      : [];
    this.charts.setStill((spec: ChartSpec) => chartStillReason(spec, all, catalog.formulas));
  }

  /** The samples of the chosen variant's first seed (a note instead during its warm-up). */
  renderSamplePanel(): void {
    const v = Number(this.ui.sampleVariant.value) || 0;
    const run = this.runs.grid[v]?.[0];
    const sft = run?.config.train.sft_steps ?? 0;
    const warming = run !== undefined && (this.runs.pendingWarmup(run) !== null || lastStep([run.metrics]) < sft);
    renderSamples(this.ui.samples, run?.samples ?? [], run?.arms ?? [], warming);
  }

  showBackend(backend: Resolved | null): void {
    this.ui.backend.textContent = backend ? badgeText(backend) : 'detecting backend…';
    this.ui.backend.title = backend?.reason ?? '';
  }

  /** What a run reported (`what`: metrics, done, samples, ...), drawn. */
  changed(run: Run, what: string): void {
    this.updateCards();
    this.updateStatus();
    if (what === 'metrics') this.scheduleDraw();
    if (what === 'warmed') this.renderSamplePanel();
    if (what === 'samples' && run.seedIndex === 0 && String(run.variant) === this.ui.sampleVariant.value) this.renderSamplePanel();
  }

  /** New runs of `made` (`restored`: from saved runs, with steps to draw): everything drawn afresh. */
  newRuns(made: State, restored: boolean): void {
    this.charts.layout(made.variants.map((v) => ({ label: v.label, colour: v.colour })), made.seeds, made.seed, made.task, this.catalog.metrics);
    this.showStill();
    if (restored) this.scheduleDraw();
    this.showLiveLog([]);
    this.announce.forget();
    this.ui.sampleVariant.replaceChildren(...made.variants.map((v, i) => Object.assign(el('option', { textContent: v.label }), { value: String(i) })));
    this.renderSamplePanel();
    this.updateCards();
    this.updateStatus();
  }

  /** Draws replay `r` at once: its charts, live log and cards; Run then trains it live. */
  replayed(r: Replay): void {
    this.charts.layout(r.state.variants.map((v) => ({ label: v.label, colour: v.colour })), r.state.seeds, r.state.seed, r.state.task, this.catalog.metrics);
    this.charts.update(r.grid);
    this.showLiveLog(r.grid);
    this.updateCards();
    this.say.notice('');
    this.say.status(`replay of ${r.grid.flat().length} finished runs, not trained here — press Run to train it live`);
  }

  /** A run's WebGPU failed and it resumed on the CPU. */
  fellBack(run: Run, message: string): void {
    this.updateCards();
    this.say.notice(`WebGPU failed for ${this.runName(run)} (${firstLine(message)}); it resumed on the CPU from step ${lastStep([run.metrics])}.`);
    this.scheduleDraw();
  }

  checkpointRefused(run: Run, step: number, message: string): void {
    this.updateCards();
    this.say.notice(`The checkpoint of ${this.runName(run)} at step ${step} was refused (${message.replace(/^checkpoint: /, '')}); `
      + `it restarted on the CPU from step ${lastStep([run.metrics])}.`);
    this.scheduleDraw();
  }

  liveFailed(run: Run, message: string): void {
    this.say.notice(`A live change was refused by ${this.runName(run)}: ${message}`);
  }
}
