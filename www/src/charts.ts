// Live uPlot charts, one per metric (or group of metrics): x is the step, one line per variant in
// its colour; with several seeds the line is their mean and a band spans their min and max.
// Titles and tooltips are the schema's metric labels and help; which metrics share a chart is
// metrics.ts's list. The supervised warm-up's steps are shaded on every chart, so what RL did is
// the part after the band, and a step after a live knob change gets a dotted line in its
// variant's colour. Lines keep apart without colour too (line-style.ts), and each chart is a
// figure named by its title, whose plot is hidden from screen readers: its text alternative is
// the summary line and data table under it (chart-text.ts), rewritten once a second at most.

import uPlot from 'uplot';
import { aggregate, byLabel, chartHelp, chartsOf, chartTitle, isMapChart, liveMarks, metricValue, sortLabels, type ChartSpec, type Column, type LiveMark, type StepMetrics } from './metrics';
import { ChartText, type ChartContent } from './chart-text';
import { bandLegend, tickLabels } from './glossary';
import { lineSample, markerPoints, markerShape, variantDash, type Shape } from './line-style';
import type { MetricInfo, TaskName } from './schema';

/** Metrics reported only on some steps: drawn as points joined across the gaps. */
const SPARSE: readonly string[] = ['eval_accuracy'];
/** Metrics a step may lack (no correct completion, say): joined across the gaps, no points. */
const GAPPY: readonly string[] = ['completion_len_correct', 'completion_len_incorrect'];
const HEIGHT = 170;
const WIDTH = 2;
/** The summaries and open tables are rewritten at most this often, not every frame. */
const TEXT_EVERY_MS = 1000;
/** What a difficulty label counts, per task (singular, plural); other tasks say "difficulty". */
const DIFFICULTY: Record<TaskName, [string, string]> = {
  arithmetic: ['digit', 'digits'],
  chain: ['term', 'terms'],
  maze: ['move', 'moves'],
};
const WARMUP_FILL = 'rgba(128, 128, 128, 0.13)';

/** The app's colour `name` (style.css) where the chart is, read at each drawing so the axes follow a theme. */
const themed = (name: string) => (u: uPlot): string => getComputedStyle(u.root).getPropertyValue(name).trim();
/** Axes, ticks and grid in the theme's text and line colours. */
const AXIS: uPlot.Axis = { stroke: themed('--text'), ticks: { stroke: themed('--line') }, grid: { stroke: themed('--line'), width: 1 } };

export interface Line {
  label: string;
  colour: string;
}

/** A drawn line's look besides its colour (its variant's dash, its metric's marker), and what it is. */
interface Look {
  dash: number[];
  shape: Shape | null;
  /** The variant's label. */
  variant: string;
  /** Which of the chart's metrics (or difficulties) it draws; '' on a chart of one metric. */
  part: string;
}

/** The series of one metric of a variant, drawn as `look`: its line, then (with bands) the max and min edges. */
function seriesFor(line: Line, look: Look, metric: string, banded: boolean): uPlot.Series[] {
  const sparse = SPARSE.includes(metric);
  const mean: uPlot.Series = {
    label: look.part === '' ? line.label : `${line.label}: ${look.part}`,
    stroke: line.colour,
    width: WIDTH,
    dash: look.dash,
    spanGaps: sparse || GAPPY.includes(metric),
    // Unmarked dense metrics keep uPlot's default: points only while there are few (a lone first step).
    points: markerPoints(look.shape, sparse, 6),
  };
  if (!banded) return [mean];
  // Band edges: invisible lines whose legend entries are hidden by the `band-edge` class.
  const edge = (name: string): uPlot.Series => ({ label: `${line.label} ${name}`, stroke: line.colour, width: 0, class: 'band-edge', spanGaps: mean.spanGaps ?? false, points: { show: false } });
  return [mean, edge('max'), edge('min')];
}

/** The last warm-up step in `runs` (0 without one). */
function warmupEnd(runs: readonly StepMetrics[][][]): number {
  let end = 0;
  for (const run of runs.flat()) for (const m of run) if (m.phase === 'sft' && m.step > end) end = m.step;
  return end;
}

interface Plot {
  spec: ChartSpec;
  box: HTMLElement;
  /** The summary line and data table. */
  text: ChartText;
  /** The line shown instead of the plot while the chart cannot move. */
  still: HTMLElement;
  plot: uPlot;
  /** The difficulty labels the per-difficulty chart was built for. */
  labels: string[];
}

export class Charts {
  private plots: Plot[] = [];
  private lines: Line[] = [];
  private banded = false;
  private task: TaskName = 'arithmetic';
  private info: readonly MetricInfo[] = [];
  /** Steps 1..warmup are the supervised warm-up (shaded). */
  private warmup = 0;
  /** Steps after a live knob change, per variant (dotted lines). */
  private marks: LiveMark[] = [];
  private seeds = 1;
  /** Each plot's series' looks (null: the x series, band edges). */
  private readonly looks = new WeakMap<uPlot, (Look | null)[]>();
  /** The pending rewrite of the summaries (TEXT_EVERY_MS), or null. */
  private textTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly root: HTMLElement) {
    new ResizeObserver(() => this.resize()).observe(root);
  }

  /**
   * Rebuilds every chart for these variants; `seeds` > 1 (seed values `seed`, `seed` + 1, …)
   * draws min–max bands, said in a legend above the charts; `info`: the schema's metrics.
   */
  layout(lines: Line[], seeds: number, seed: number, task: TaskName, info: readonly MetricInfo[]): void {
    for (const p of this.plots) p.plot.destroy();
    if (this.textTimer !== null) clearTimeout(this.textTimer);
    this.textTimer = null;
    const legend = bandLegend(seed, seeds);
    this.root.replaceChildren(...(legend ? [Object.assign(document.createElement('p'), { className: 'band-legend', textContent: legend })] : []));
    this.lines = lines;
    this.banded = seeds > 1;
    this.task = task;
    this.info = info;
    this.warmup = 0;
    this.marks = [];
    this.seeds = seeds;
    this.plots = chartsOf(info).map((spec) => {
      const box = document.createElement('figure');
      box.className = 'chart';
      const still = Object.assign(document.createElement('p'), { className: 'chart-still', hidden: true });
      this.root.append(box);
      box.append(still);
      const p: Plot = { spec, box, still, text: new ChartText(() => this.content(p)), plot: this.build(spec, box, []), labels: [] };
      box.append(p.text.root);
      p.text.refresh();
      return p;
    });
  }

  /** What plot `p` shows now, for its text alternative: its lines' means (band edges left out). */
  private content(p: Plot): ChartContent {
    const looks = this.looks.get(p.plot) ?? [];
    const lines = p.plot.series.flatMap((s, i) => {
      const look = looks[i];
      return look ? [{ label: String(s.label ?? ''), variant: look.variant, part: look.part, values: Array.from(p.plot.data[i] ?? []) }] : [];
    });
    return {
      title: this.titleOf(p.spec),
      steps: Array.from(p.plot.data[0]),
      series: lines,
      note: this.banded ? `mean over ${this.seeds} seeds` : '',
    };
  }

  /** Rewrites every summary (and open table) once TEXT_EVERY_MS has passed, whatever redraws came between. */
  private scheduleText(): void {
    if (this.textTimer !== null) return;
    this.textTimer = setTimeout(() => {
      this.textTimer = null;
      for (const p of this.plots) p.text.refresh();
    }, TEXT_EVERY_MS);
  }

  /** A chart's title: its metrics' labels; the per-difficulty chart names what its difficulty counts. */
  private titleOf(spec: ChartSpec): string {
    const title = chartTitle(spec, this.info);
    const many = spec === 'eval_by_difficulty' ? DIFFICULTY[this.task]?.[1] : undefined;
    return many ? title.replace(/difficulty$/, many) : title;
  }

  /**
   * Collapses each chart for which `reason(spec)` says why it cannot move in these runs to that
   * one line (under its title, with the metrics' help as tooltip); the others show their plot.
   */
  setStill(reason: (spec: ChartSpec) => string): void {
    for (const p of this.plots) {
      const why = reason(p.spec);
      p.box.classList.toggle('collapsed', why !== '');
      p.still.hidden = why === '';
      p.text.root.hidden = why !== '';
      p.still.textContent = why === '' ? '' : `${chartTitle(p.spec, this.info)} — flat here: ${why}.`;
      p.still.title = chartHelp(p.spec, this.info);
    }
  }

  private build(spec: ChartSpec, box: HTMLElement, labels: readonly string[]): uPlot {
    const series: uPlot.Series[] = [{ label: 'step' }];
    const looks: (Look | null)[] = [null];
    const bands: uPlot.Band[] = [];
    if (isMapChart(spec)) {
      const [one, many] = spec === 'eval_by_difficulty' ? (DIFFICULTY[this.task] ?? ['', '']) : ['', ''];
      this.lines.forEach((line, v) => {
        labels.forEach((label, nth) => {
          const unit = label === '1' ? one : many;
          const part = `${label}${unit ? ` ${unit}` : ''}`;
          const look = { dash: variantDash(v), shape: markerShape(nth, true), variant: line.label, part };
          series.push({
            label: `${line.label}: ${part}`,
            stroke: line.colour,
            width: WIDTH,
            dash: look.dash,
            spanGaps: true,
            points: markerPoints(look.shape, true, 6),
          });
          looks.push(look);
        });
      });
      // Hidden until a step reports more than one label (difficulty, reward component).
      box.hidden = labels.length === 0;
    } else {
      this.lines.forEach((line, v) => {
        spec.forEach((metric, nth) => {
          const first = series.length;
          const part = spec.length === 1 ? '' : (this.info.find((m) => m.key === metric)?.label ?? metric);
          const look = { dash: variantDash(v), shape: markerShape(nth, SPARSE.includes(metric)), variant: line.label, part };
          const made = seriesFor(line, look, metric, this.banded);
          series.push(...made);
          looks.push(look, ...made.slice(1).map(() => null));
          if (this.banded) bands.push({ series: [first + 1, first + 2], fill: `${line.colour}26` });
        });
      });
    }
    const opts: uPlot.Options = {
      title: this.titleOf(spec),
      width: Math.max(box.clientWidth, 200),
      height: HEIGHT,
      scales: { x: { time: false } },
      series,
      bands,
      // Labels with as many decimals as it takes for neighbouring ticks to differ.
      axes: [AXIS, { ...AXIS, size: 60, values: (_u, splits) => tickLabels(splits) }],
      hooks: { drawClear: [(u) => this.shadeWarmup(u), (u) => this.markLive(u)] },
    };
    // A rebuilt plot goes where the old one was: above the text alternative.
    const plot = new uPlot(opts, [[], ...series.slice(1).map(() => [])], (u, init) => {
      box.insertBefore(u.root, box.querySelector('.chart-text'));
      init();
    });
    const head = plot.root.querySelector<HTMLElement>('.u-title');
    if (head) head.title = chartHelp(spec, this.info);
    // The figure's name is the title, its text the summary and table: the canvas, legend and
    // hover readouts would only repeat them, worse (a canvas has no text at all).
    plot.root.setAttribute('aria-hidden', 'true');
    box.setAttribute('aria-label', opts.title ?? '');
    this.looks.set(plot, looks);
    plot.root.querySelectorAll('.u-legend .u-series').forEach((row, i) => {
      const look = looks[i];
      const marker = row.querySelector<HTMLElement>('.u-marker');
      if (!look || !marker) return;
      marker.replaceChildren(lineSample(String(series[i]?.stroke ?? ''), look.dash, look.shape));
      marker.classList.add('sampled');
    });
    return plot;
  }

  /** A dotted vertical line in the variant's colour at each step whose metrics carry live changes. */
  private markLive(u: uPlot): void {
    const { min, max } = u.scales.x;
    if (this.marks.length === 0 || min === undefined || max === undefined) return;
    const ctx = u.ctx;
    const ratio = window.devicePixelRatio || 1;
    const { top, height } = u.bbox;
    ctx.save();
    ctx.lineWidth = 1.5 * ratio;
    ctx.setLineDash([2 * ratio, 3 * ratio]);
    for (const mark of this.marks) {
      if (mark.step < min || mark.step > max) continue;
      const x = Math.round(u.valToPos(mark.step, 'x', true)) + 0.5;
      ctx.strokeStyle = this.lines[mark.variant]?.colour ?? '#888';
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + height);
      ctx.stroke();
    }
    ctx.restore();
  }

  /** A light band over the warm-up steps, labelled, under the lines. */
  private shadeWarmup(u: uPlot): void {
    const end = this.warmup;
    const { min, max } = u.scales.x;
    if (end <= 0 || min === undefined || max === undefined || min > end + 0.5) return;
    const ctx = u.ctx;
    const left = u.valToPos(min, 'x', true);
    const right = u.valToPos(Math.min(end + 0.5, max), 'x', true);
    const { top, height } = u.bbox;
    ctx.save();
    ctx.fillStyle = WARMUP_FILL;
    ctx.fillRect(left, top, right - left, height);
    const ratio = window.devicePixelRatio || 1;
    ctx.fillStyle = 'rgba(80, 80, 80, 0.9)';
    ctx.font = `${11 * ratio}px system-ui, sans-serif`;
    ctx.textBaseline = 'top';
    // uPlot leaves the context as its last axis set it (right-aligned labels).
    ctx.textAlign = 'left';
    const text = 'warm-up (supervised)';
    if (ctx.measureText(text).width + 8 * ratio < right - left) ctx.fillText(text, left + 4 * ratio, top + 3 * ratio);
    else if (ctx.measureText('warm-up').width + 8 * ratio < right - left) ctx.fillText('warm-up', left + 4 * ratio, top + 3 * ratio);
    ctx.restore();
  }

  /** Redraws with `runs[variant][seed]` = that run's metrics so far. */
  update(runs: readonly StepMetrics[][][]): void {
    const steps = Math.max(0, ...runs.flat().map((r) => r.at(-1)?.step ?? 0));
    this.warmup = warmupEnd(runs);
    this.marks = liveMarks(runs.slice(0, this.lines.length));
    const x = Array.from({ length: steps }, (_, i) => i + 1);
    const shown = runs.slice(0, this.lines.length);
    for (const p of this.plots) {
      const columns: Column[] = [];
      if (isMapChart(p.spec)) {
        const key = p.spec;
        const labels = sortLabels(shown.flat(2).flatMap((m) => Object.keys(byLabel(m, key) ?? {})));
        if (labels.length < 2) continue;
        if (labels.join() !== p.labels.join()) {
          p.plot.destroy();
          p.labels = labels;
          p.plot = this.build(p.spec, p.box, labels);
        }
        for (const seeds of shown) {
          for (const label of labels) columns.push(aggregate(seeds, (m) => byLabel(m, key)?.[label], steps)[0]);
        }
      } else {
        for (const seeds of shown) {
          for (const metric of p.spec) {
            const [mean, min, max] = aggregate(seeds, metricValue(metric), steps);
            columns.push(...(this.banded ? [mean, max, min] : [mean]));
          }
        }
      }
      p.plot.setData([x, ...columns]);
    }
    this.scheduleText();
  }

  private resize(): void {
    for (const { plot } of this.plots) {
      const width = plot.root.parentElement?.clientWidth ?? 0;
      if (width > 0 && width !== plot.width) plot.setSize({ width, height: HEIGHT });
    }
  }
}
