// Metrics out of the page: CSV (one row per step per variant per seed), and downloads (the JSON
// export is the replay file of replay.ts).

import { byLabel, MAP_METRICS, scalarMetrics, sortLabels, type StepMetrics } from './metrics';
import type { MetricInfo } from './schema';
import type { State } from './state';

/** `metrics[variant][seedIndex]` = that run's steps, as the page holds them. */
export type MetricsGrid = readonly (readonly (readonly StepMetrics[])[])[];

/** Quotes a CSV field when it holds a comma, quote or line break (labels are free text). */
function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  return csvField(typeof value === 'object' ? JSON.stringify(value) : String(value));
}

/**
 * Header `variant,label,preset,seed,` + every scalar metric of the schema (`info`), in its
 * order, then one `eval_by_difficulty.<label>` column per difficulty label any step reported
 * (held-out accuracy of the problems with that many terms / digits / moves), numerically
 * ordered, one `reward_components.<name>` column per reward component, then `live_changes` (the step's live knob changes as JSON). Metrics a step lacks are
 * empty: `eval_accuracy` and the difficulty columns off evaluation steps,
 * `completion_len_correct` on a step without a correct completion. Warm-up rows (`phase` sft)
 * are repeated for every variant of a seed: they share one warm-up.
 */
export function toCsv(state: State, metrics: MetricsGrid, info: readonly MetricInfo[]): string {
  const columns = scalarMetrics(info);
  const maps = MAP_METRICS.map((key) => ({ key, labels: sortLabels(metrics.flat(2).flatMap((m) => Object.keys(byLabel(m, key) ?? {}))) }));
  const mapColumns = maps.flatMap(({ key, labels }) => labels.map((l) => `${key}.${l}`));
  const lines = [['variant', 'label', 'preset', 'seed', ...columns, ...mapColumns, 'live_changes'].join(',')];
  metrics.forEach((seeds, v) => {
    const variant = state.variants[v];
    if (!variant) return;
    seeds.forEach((steps, k) => {
      for (const m of steps) {
        const head = [String(v), csvField(variant.label), csvField(variant.preset), String(state.seed + k)];
        const mapCells = maps.flatMap(({ key, labels }) => labels.map((l) => cell(byLabel(m, key)?.[l])));
        lines.push([...head, ...columns.map((name) => cell(m[name])), ...mapCells, cell(m.live_changes)].join(','));
      }
    });
  });
  return `${lines.join('\n')}\n`;
}

/** Offers `text` as a file download. */
export function download(filename: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  // Revoke after the click has been handled, or some browsers cancel the download.
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
