// Live uPlot charts, one per metric (or pair of metrics): x is the step, one line per variant in
// its colour; with several seeds the line is their mean and a band spans their min and max.
// Titles and legends use the Rust metric names; charts never rename a metric.

import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { WARMUP_METRICS, type MetricName, type StepMetrics } from './protocol';

const CHARTS: readonly (readonly MetricName[])[] = [
  ['reward_mean'],
  ['eval_accuracy'],
  ['kl'],
  ['entropy'],
  ['clip_frac_low', 'clip_frac_high'],
  ['completion_len_mean'],
  ['kept_frac'],
  ['tokens_per_s'],
];

/** Metrics reported only on some steps: drawn as points joined across the gaps. */
const SPARSE: readonly MetricName[] = ['eval_accuracy'];
/** Second and later metrics of a chart are dashed, so a pair in one colour stays readable. */
const DASHES: readonly number[][] = [[], [6, 4]];
const HEIGHT = 170;

export interface Line {
  label: string;
  colour: string;
}

type Column = (number | null)[];

/** Per step (index step − 1): mean, min and max over the seeds that reported `metric`. */
function aggregate(seeds: readonly StepMetrics[][], metric: MetricName, steps: number): [Column, Column, Column] {
  const buckets: number[][] = Array.from({ length: steps }, () => []);
  for (const run of seeds) {
    for (const m of run) {
      if (m.phase === 'sft' && !WARMUP_METRICS.includes(metric)) continue;
      const value = m[metric];
      if (typeof value === 'number') buckets[m.step - 1]?.push(value);
    }
  }
  const pick = (f: (values: number[]) => number): Column => buckets.map((b) => (b.length > 0 ? f(b) : null));
  return [pick((b) => b.reduce((a, v) => a + v, 0) / b.length), pick((b) => Math.min(...b)), pick((b) => Math.max(...b))];
}

/** The series of one metric of one variant: its line, then (with bands) the max and min edges. */
function seriesFor(line: Line, metrics: readonly MetricName[], nth: number, banded: boolean): uPlot.Series[] {
  const metric = metrics[nth];
  const sparse = SPARSE.includes(metric);
  const mean: uPlot.Series = {
    label: metrics.length === 1 ? line.label : `${line.label}: ${metric}`,
    stroke: line.colour,
    width: 1.5,
    dash: DASHES[nth] ?? [],
    spanGaps: sparse,
    // Dense metrics keep uPlot's default: points only while there are few (a lone first step).
    points: sparse ? { show: true, size: 5 } : {},
  };
  if (!banded) return [mean];
  // Band edges: invisible lines whose legend entries are hidden by the `band-edge` class.
  const edge = (name: string): uPlot.Series => ({ label: `${line.label} ${name}`, stroke: line.colour, width: 0, class: 'band-edge', spanGaps: sparse, points: { show: false } });
  return [mean, edge('max'), edge('min')];
}

export class Charts {
  private plots: uPlot[] = [];
  private lines: Line[] = [];
  private banded = false;

  constructor(private readonly root: HTMLElement) {
    new ResizeObserver(() => this.resize()).observe(root);
  }

  /** Rebuilds every chart for these variants; `seeds` > 1 draws min–max bands. */
  layout(lines: Line[], seeds: number): void {
    for (const p of this.plots) p.destroy();
    this.root.replaceChildren();
    this.lines = lines;
    this.banded = seeds > 1;
    this.plots = CHARTS.map((metrics) => {
      const box = document.createElement('div');
      box.className = 'chart';
      this.root.append(box);
      const series: uPlot.Series[] = [{ label: 'step' }];
      const bands: uPlot.Band[] = [];
      for (const line of lines) {
        metrics.forEach((_, nth) => {
          const first = series.length;
          series.push(...seriesFor(line, metrics, nth, this.banded));
          if (this.banded) bands.push({ series: [first + 1, first + 2], fill: `${line.colour}26` });
        });
      }
      const opts: uPlot.Options = {
        title: metrics.join(' + '),
        width: Math.max(box.clientWidth, 200),
        height: HEIGHT,
        scales: { x: { time: false } },
        series,
        bands,
        axes: [{}, { size: 56 }],
      };
      return new uPlot(opts, [[], ...series.slice(1).map(() => [])], box);
    });
  }

  /** Redraws with `runs[variant][seed]` = that run's metrics so far. */
  update(runs: readonly StepMetrics[][][]): void {
    const steps = Math.max(0, ...runs.flat().map((r) => r.at(-1)?.step ?? 0));
    const x = Array.from({ length: steps }, (_, i) => i + 1);
    CHARTS.forEach((metrics, c) => {
      const columns: Column[] = [];
      for (const seeds of runs.slice(0, this.lines.length)) {
        for (const metric of metrics) {
          const [mean, min, max] = aggregate(seeds, metric, steps);
          columns.push(...(this.banded ? [mean, max, min] : [mean]));
        }
      }
      this.plots[c]?.setData([x, ...columns]);
    });
  }

  private resize(): void {
    for (const p of this.plots) {
      const width = p.root.parentElement?.clientWidth ?? 0;
      if (width > 0 && width !== p.width) p.setSize({ width, height: HEIGHT });
    }
  }
}
