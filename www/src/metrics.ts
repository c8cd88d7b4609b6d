// The metrics of the runs: what a step reports (its keys, labels and help come from the schema),
// which ones the page charts, and what the seeds of one variant add up to (mean and min–max band
// per step, the last step every seed finished, the live knob changes to mark).

import type { StepMetrics as Written } from './generated/StepMetrics';
import type { JsonValue, MetricInfo } from './schema';

/**
 * One step's metrics as `Session.step()` writes them (Rust `StepMetrics`, generated), looked up
 * by the schema's metric keys too. Warm-up (`phase: 'sft'`) steps sample nothing, so their
 * rollout metrics are placeholders.
 */
export type StepMetrics = Written & { [metric: string]: unknown };

/** What a warm-up step measures; its other metrics describe no rollout and are not drawn. */
export const WARMUP_METRICS: readonly string[] = ['step', 'phase', 'wall_ms', 'eval_accuracy', 'loss', 'grad_norm', 'lr'];

/**
 * The metrics that are a map per step (label → number), each drawn as one chart with a line per
 * label: the held-out accuracy per difficulty, each reward component's mean.
 */
export const MAP_METRICS = ['eval_by_difficulty', 'reward_components'] as const;
export type MapMetric = (typeof MAP_METRICS)[number];

/** A chart of metrics (keys of the schema's `metrics`), or of one map metric's labels. */
export type ChartSpec = readonly string[] | MapMetric;

/** Whether `spec` is a map metric's chart. */
export function isMapChart(spec: ChartSpec): spec is MapMetric {
  return typeof spec === 'string';
}

/** The charts, in page order: which metrics the page shows together is the page's choice. */
export const CHARTS: readonly ChartSpec[] = [
  ['reward_mean'],
  ['eval_accuracy'],
  'eval_by_difficulty',
  // The reward's parts after what a newcomer reads first (reward, accuracy).
  'reward_components',
  // The warm-up's cross-entropy, then the RL objective: the shading tells them apart.
  ['loss'],
  ['kl'],
  ['entropy'],
  ['clip_frac_low', 'clip_frac_high'],
  ['bapo_clip_low', 'bapo_clip_high'],
  ['chord_mu', 'chord_sft_loss'],
  ['completion_len_mean'],
  ['completion_len_correct', 'completion_len_incorrect'],
  ['kept_frac'],
  ['zero_std_group_frac'],
  ['rollout_kl'],
  ['tokens_per_s'],
];

/** Metrics whose value is not one number per step: the CSV writes them its own way. */
const STRUCTURED: readonly string[] = [...MAP_METRICS, 'live_changes'];

/** The metric keys that are one number (or string) per step, in the schema's order: CSV columns. */
export function scalarMetrics(metrics: readonly MetricInfo[]): string[] {
  return metrics.map((m) => m.key).filter((k) => !STRUCTURED.includes(k));
}

/** The charts whose every metric the schema has (a chart of a metric Rust dropped is not drawn). */
export function chartsOf(metrics: readonly MetricInfo[]): ChartSpec[] {
  const known = new Set(metrics.map((m) => m.key));
  return CHARTS.filter((spec) => (isMapChart(spec) ? known.has(spec) : spec.every((k) => known.has(k))));
}

/** A chart's title: the metrics' labels (`clipped below … / clipped above …`). */
export function chartTitle(spec: ChartSpec, metrics: readonly MetricInfo[]): string {
  const label = (key: string): string => metrics.find((m) => m.key === key)?.label ?? key;
  return isMapChart(spec) ? label(spec) : spec.map(label).join(' / ');
}

/** A metric's tooltip and glossary entry: label (key), meaning, formula and source, as the schema declares them. */
export function metricHelp(m: MetricInfo): string {
  return [`${m.label} (${m.key}): ${m.help}`, `formula: ${m.formula}`, m.source ? `source: ${m.source}` : ''].filter(Boolean).join('\n');
}

/** A chart's tooltip: each metric's label, help, formula and source. */
export function chartHelp(spec: ChartSpec, metrics: readonly MetricInfo[]): string {
  const keys = isMapChart(spec) ? [spec] : spec;
  return keys.map((k) => {
    const m = metrics.find((x) => x.key === k);
    return m ? metricHelp(m) : k;
  }).join('\n\n');
}

/** The held-out accuracy of `m` per difficulty label, or null. */
export function byDifficulty(m: StepMetrics): Record<string, number> | null {
  return byLabel(m, 'eval_by_difficulty');
}

/** The map metric `key` of `m` (label → number), or null. */
export function byLabel(m: StepMetrics, key: MapMetric): Record<string, number> | null {
  const d = m[key];
  return d && typeof d === 'object' ? (d as Record<string, number>) : null;
}

/** Difficulty labels in reading order: numerically when they are numbers. */
export function sortLabels(labels: Iterable<string>): string[] {
  return [...new Set(labels)].sort((a, b) => {
    const [x, y] = [Number(a), Number(b)];
    return Number.isFinite(x) && Number.isFinite(y) ? x - y : a.localeCompare(b);
  });
}

/** The value of `metric` a chart draws for `m`: warm-up steps only what they measure. */
export function metricValue(metric: string): (m: StepMetrics) => unknown {
  return (m) => (m.phase === 'sft' && !WARMUP_METRICS.includes(metric) ? null : m[metric]);
}

export type Column = (number | null)[];

/**
 * Per step (index step − 1, steps 1..`steps`): mean, min and max of `value` over the seeds that
 * reported a number for that step; null where none did.
 */
export function aggregate(seeds: readonly (readonly StepMetrics[])[], value: (m: StepMetrics) => unknown, steps: number): [Column, Column, Column] {
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

/** The last step every seed has finished (0 before any). */
export function lastStep(seeds: readonly (readonly StepMetrics[])[]): number {
  return seeds.length === 0 ? 0 : Math.min(...seeds.map((r) => r.at(-1)?.step ?? 0));
}

function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

/** The last value of `pick` in `metrics` (searching back), or null. */
function lastOf(metrics: readonly StepMetrics[], pick: (m: StepMetrics) => unknown): number | null {
  for (let i = metrics.length - 1; i >= 0; i--) {
    const m = metrics[i];
    const value = m ? pick(m) : undefined;
    if (typeof value === 'number') return value;
  }
  return null;
}

/** Mean over seeds of each seed's last RL `reward_mean` (warm-up steps sample nothing); null before any. */
export function lastReward(seeds: readonly (readonly StepMetrics[])[]): number | null {
  return mean(seeds.flatMap((r) => lastOf(r, (m) => (m.phase === 'sft' ? null : m.reward_mean)) ?? []));
}

/** Mean over seeds of each seed's last held-out accuracy (warm-up evaluations included); null before any. */
export function lastEval(seeds: readonly (readonly StepMetrics[])[]): number | null {
  return mean(seeds.flatMap((r) => lastOf(r, (m) => m.eval_accuracy) ?? []));
}

/** A step at which a variant's live knobs changed (any of its seeds), and to what. */
export interface LiveMark {
  variant: number;
  step: number;
  changes: Record<string, JsonValue>;
}

/** Every step of `runs[variant][seed]` whose metrics carry `live_changes`, once per variant and step, by step. */
export function liveMarks(runs: readonly (readonly (readonly StepMetrics[])[])[]): LiveMark[] {
  const marks: LiveMark[] = [];
  runs.forEach((seeds, variant) => {
    const seen = new Map<number, LiveMark>();
    for (const run of seeds) {
      for (const m of run) {
        const c = m.live_changes;
        if (!c || typeof c !== 'object' || Object.keys(c).length === 0) continue;
        const mark = seen.get(m.step);
        if (mark) Object.assign(mark.changes, c);
        else seen.set(m.step, { variant, step: m.step, changes: { ...c } });
      }
    }
    marks.push(...seen.values());
  });
  return marks.sort((a, b) => a.step - b.step || a.variant - b.variant);
}
