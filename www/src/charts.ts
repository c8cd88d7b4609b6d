// Live uPlot charts, one per metric (or group of metrics): x is the step, one line per variant in
// its colour; with several seeds the line is their mean and a band spans their min and max.
// Titles and tooltips are the schema's metric labels and help; which metrics share a chart is
// metrics.ts's list. The supervised warm-up's steps are shaded on every chart, so what RL did is
// the part after the band, and a step after a live knob change gets a dotted line in its
// variant's colour.

import uPlot from 'uplot';
import { aggregate, byDifficulty, chartHelp, chartsOf, chartTitle, liveMarks, metricValue, sortLabels, type ChartSpec, type Column, type LiveMark, type StepMetrics } from './metrics';
import { bandLegend, tickLabels } from './glossary';
import type { MetricInfo, TaskName } from './schema';

/** Metrics reported only on some steps: drawn as points joined across the gaps. */
const SPARSE: readonly string[] = ['eval_accuracy'];
/** Metrics a step may lack (no correct completion, say): joined across the gaps, no points. */
const GAPPY: readonly string[] = ['completion_len_correct', 'completion_len_incorrect'];
/** Second and later metrics (or difficulties) of a chart are dashed, so lines in one colour stay readable. */
const DASHES: readonly number[][] = [[], [6, 4], [2, 3], [10, 3, 2, 3], [1, 4], [14, 4], [4, 2, 1, 2]];
const HEIGHT = 170;
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

/** The series of one metric of one variant: its line, then (with bands) the max and min edges. */
function seriesFor(line: Line, metrics: readonly string[], nth: number, banded: boolean, info: readonly MetricInfo[]): uPlot.Series[] {
  const metric = metrics[nth] ?? 'step';
  const sparse = SPARSE.includes(metric);
  const mean: uPlot.Series = {
    label: metrics.length === 1 ? line.label : `${line.label}: ${info.find((m) => m.key === metric)?.label ?? metric}`,
    stroke: line.colour,
    width: 1.5,
    dash: DASHES[nth] ?? [],
    spanGaps: sparse || GAPPY.includes(metric),
    // Dense metrics keep uPlot's default: points only while there are few (a lone first step).
    points: sparse ? { show: true, size: 5 } : {},
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

  constructor(private readonly root: HTMLElement) {
    new ResizeObserver(() => this.resize()).observe(root);
  }

  /**
   * Rebuilds every chart for these variants; `seeds` > 1 (seed values `seed`, `seed` + 1, …)
   * draws min–max bands, said in a legend above the charts; `info`: the schema's metrics.
   */
  layout(lines: Line[], seeds: number, seed: number, task: TaskName, info: readonly MetricInfo[]): void {
    for (const p of this.plots) p.plot.destroy();
    const legend = bandLegend(seed, seeds);
    this.root.replaceChildren(...(legend ? [Object.assign(document.createElement('p'), { className: 'band-legend', textContent: legend })] : []));
    this.lines = lines;
    this.banded = seeds > 1;
    this.task = task;
    this.info = info;
    this.warmup = 0;
    this.marks = [];
    this.plots = chartsOf(info).map((spec) => {
      const box = document.createElement('div');
      box.className = 'chart';
      const still = Object.assign(document.createElement('p'), { className: 'chart-still', hidden: true });
      this.root.append(box);
      box.append(still);
      return { spec, box, still, plot: this.build(spec, box, []), labels: [] };
    });
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
      p.still.textContent = why === '' ? '' : `${chartTitle(p.spec, this.info)} — flat here: ${why}.`;
      p.still.title = chartHelp(p.spec, this.info);
    }
  }

  private build(spec: ChartSpec, box: HTMLElement, labels: readonly string[]): uPlot {
    const series: uPlot.Series[] = [{ label: 'step' }];
    const bands: uPlot.Band[] = [];
    let title: string;
    if (spec === 'eval_by_difficulty') {
      const [one, many] = DIFFICULTY[this.task] ?? ['', ''];
      title = many ? chartTitle(spec, this.info).replace(/difficulty$/, many) : chartTitle(spec, this.info);
      for (const line of this.lines) {
        labels.forEach((label, nth) => {
          const unit = label === '1' ? one : many;
          series.push({
            label: `${line.label}: ${label}${unit ? ` ${unit}` : ''}`,
            stroke: line.colour,
            width: 1.5,
            dash: DASHES[nth % DASHES.length] ?? [],
            spanGaps: true,
            points: { show: true, size: 4 },
          });
        });
      }
      // Hidden until an evaluation reports more than one difficulty.
      box.hidden = labels.length === 0;
    } else {
      title = chartTitle(spec, this.info);
      for (const line of this.lines) {
        spec.forEach((_, nth) => {
          const first = series.length;
          series.push(...seriesFor(line, spec, nth, this.banded, this.info));
          if (this.banded) bands.push({ series: [first + 1, first + 2], fill: `${line.colour}26` });
        });
      }
    }
    const opts: uPlot.Options = {
      title,
      width: Math.max(box.clientWidth, 200),
      height: HEIGHT,
      scales: { x: { time: false } },
      series,
      bands,
      // Labels with as many decimals as it takes for neighbouring ticks to differ.
      axes: [AXIS, { ...AXIS, size: 60, values: (_u, splits) => tickLabels(splits) }],
      hooks: { drawClear: [(u) => this.shadeWarmup(u), (u) => this.markLive(u)] },
    };
    const plot = new uPlot(opts, [[], ...series.slice(1).map(() => [])], box);
    const head = plot.root.querySelector<HTMLElement>('.u-title');
    if (head) head.title = chartHelp(spec, this.info);
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
      if (p.spec === 'eval_by_difficulty') {
        const labels = sortLabels(shown.flat(2).flatMap((m) => Object.keys(byDifficulty(m) ?? {})));
        if (labels.length < 2) continue;
        if (labels.join() !== p.labels.join()) {
          p.plot.destroy();
          p.labels = labels;
          p.plot = this.build(p.spec, p.box, labels);
        }
        for (const seeds of shown) {
          for (const label of labels) columns.push(aggregate(seeds, (m) => byDifficulty(m)?.[label], steps)[0]);
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
  }

  private resize(): void {
    for (const { plot } of this.plots) {
      const width = plot.root.parentElement?.clientWidth ?? 0;
      if (width > 0 && width !== plot.width) plot.setSize({ width, height: HEIGHT });
    }
  }
}
