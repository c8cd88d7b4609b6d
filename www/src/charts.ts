// Live uPlot charts, one per metric (or group of metrics): x is the step, one line per variant in
// its colour; with several seeds the line is their mean and a band spans their min and max.
// Titles and legends use the Rust metric names; charts never rename a metric. The supervised
// warm-up's steps are shaded on every chart, so what RL did is the part after the band.

import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { byDifficulty, sortLabels, WARMUP_METRICS, type MetricName, type StepMetrics } from './protocol';
import type { TaskName } from './state';

/** A chart of metrics, or the per-difficulty held-out accuracy (its lines appear with the labels). */
type ChartSpec = readonly MetricName[] | 'eval_by_difficulty';

const CHARTS: readonly ChartSpec[] = [
  ['reward_mean'],
  ['eval_accuracy'],
  'eval_by_difficulty',
  // The warm-up's cross-entropy, then the RL objective: the shading tells them apart.
  ['loss'],
  ['kl'],
  ['entropy'],
  ['clip_frac_low', 'clip_frac_high'],
  ['completion_len_mean'],
  ['completion_len_correct', 'completion_len_incorrect'],
  ['kept_frac', 'zero_std_group_frac'],
  ['tokens_per_s'],
];

/** Metrics reported only on some steps: drawn as points joined across the gaps. */
const SPARSE: readonly MetricName[] = ['eval_accuracy'];
/** Metrics a step may lack (no correct completion, say): joined across the gaps, no points. */
const GAPPY: readonly MetricName[] = ['completion_len_correct', 'completion_len_incorrect'];
/** Second and later metrics (or difficulties) of a chart are dashed, so lines in one colour stay readable. */
const DASHES: readonly number[][] = [[], [6, 4], [2, 3], [10, 3, 2, 3], [1, 4], [14, 4], [4, 2, 1, 2]];
const HEIGHT = 170;
/** What a difficulty label counts, per task (singular, plural). */
const DIFFICULTY: Record<TaskName, [string, string]> = {
  arithmetic: ['digit', 'digits'],
  chain: ['term', 'terms'],
  maze: ['move', 'moves'],
  bandit: ['', ''],
};
const WARMUP_FILL = 'rgba(128, 128, 128, 0.13)';

export interface Line {
  label: string;
  colour: string;
}

type Column = (number | null)[];

/** Per step (index step − 1): mean, min and max over the seeds that reported a value. */
function aggregate(seeds: readonly StepMetrics[][], value: (m: StepMetrics) => unknown, steps: number): [Column, Column, Column] {
  const buckets: number[][] = Array.from({ length: steps }, () => []);
  for (const run of seeds) {
    for (const m of run) {
      const v = value(m);
      if (typeof v === 'number') buckets[m.step - 1]?.push(v);
    }
  }
  const pick = (f: (values: number[]) => number): Column => buckets.map((b) => (b.length > 0 ? f(b) : null));
  return [pick((b) => b.reduce((a, v) => a + v, 0) / b.length), pick((b) => Math.min(...b)), pick((b) => Math.max(...b))];
}

function metricValue(metric: MetricName): (m: StepMetrics) => unknown {
  // Warm-up steps describe no rollout: only what they measure is drawn.
  return (m) => (m.phase === 'sft' && !WARMUP_METRICS.includes(metric) ? null : m[metric]);
}

/** The series of one metric of one variant: its line, then (with bands) the max and min edges. */
function seriesFor(line: Line, metrics: readonly MetricName[], nth: number, banded: boolean): uPlot.Series[] {
  const metric = metrics[nth] ?? 'step';
  const sparse = SPARSE.includes(metric);
  const mean: uPlot.Series = {
    label: metrics.length === 1 ? line.label : `${line.label}: ${metric}`,
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
  plot: uPlot;
  /** The difficulty labels the per-difficulty chart was built for. */
  labels: string[];
}

export class Charts {
  private plots: Plot[] = [];
  private lines: Line[] = [];
  private banded = false;
  private task: TaskName = 'arithmetic';
  /** Steps 1..warmup are the supervised warm-up (shaded). */
  private warmup = 0;

  constructor(private readonly root: HTMLElement) {
    new ResizeObserver(() => this.resize()).observe(root);
  }

  /** Rebuilds every chart for these variants; `seeds` > 1 draws min–max bands. */
  layout(lines: Line[], seeds: number, task: TaskName): void {
    for (const p of this.plots) p.plot.destroy();
    this.root.replaceChildren();
    this.lines = lines;
    this.banded = seeds > 1;
    this.task = task;
    this.warmup = 0;
    this.plots = CHARTS.map((spec) => {
      const box = document.createElement('div');
      box.className = 'chart';
      this.root.append(box);
      return { spec, box, plot: this.build(spec, box, []), labels: [] };
    });
  }

  private build(spec: ChartSpec, box: HTMLElement, labels: readonly string[]): uPlot {
    const series: uPlot.Series[] = [{ label: 'step' }];
    const bands: uPlot.Band[] = [];
    let title: string;
    if (spec === 'eval_by_difficulty') {
      const [one, many] = DIFFICULTY[this.task];
      title = `eval_by_difficulty (held-out accuracy${many ? ` by ${many}` : ''})`;
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
      title = spec.join(' + ');
      for (const line of this.lines) {
        spec.forEach((_, nth) => {
          const first = series.length;
          series.push(...seriesFor(line, spec, nth, this.banded));
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
      axes: [{}, { size: 56 }],
      hooks: { drawClear: [(u) => this.shadeWarmup(u)] },
    };
    return new uPlot(opts, [[], ...series.slice(1).map(() => [])], box);
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
