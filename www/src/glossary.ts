// Charts people can read: the one place that says which metric cannot move in a setup and why
// (from the knobs, and the metrics each method declares it moves), the axis tick labels (as many
// decimals as it takes for neighbours to differ), the words of the seed band, and the metric
// glossary drawn from the schema (label, meaning, formula, source, all declared in Rust beside
// each metric).

import { canMove, filterKnobs, on } from './methods';
import { isMapChart, metricHelp, type ChartSpec } from './metrics';
import type { Formulas, JsonValue, MetricInfo } from './schema';

/** What a run is made of, as far as the rules below read it: its resolved algo knobs and trainer knobs. */
export interface Setup {
  knobs: Readonly<Record<string, JsonValue>>;
  train: Readonly<Record<string, JsonValue>>;
}

/**
 * Why `metric` stays flat in `setup` ('' when it can move), in one line. `f`: the schema's
 * formulas, with what each method declares it moves.
 */
export function stillReason(metric: string, s: Setup, f: Formulas): string {
  const k = s.knobs;
  const t = s.train;
  switch (metric) {
    case 'clip_frac_low':
    case 'clip_frac_high':
      if (!canMove(metric, k, f)) return `the ${String(k.surrogate)} surrogate has no clip`;
      if (t.num_iterations === 1 && t.minibatches === 1) {
        return 'num_iterations = 1 and minibatches = 1: the only update sees π_θ = π_old, so the ratio is always 1 and nothing is clipped';
      }
      return '';
    case 'bapo_clip_low':
    case 'bapo_clip_high':
      return canMove(metric, k, f) ? '' : `the ${String(k.surrogate)} surrogate's clip bounds are fixed knobs: none is searched per batch`;
    case 'chord_mu':
    case 'chord_sft_loss':
      return on(k.expert_data_ratio) ? '' : 'expert_data_ratio = 0: no expert rows are drawn, so there is no SFT term to weigh';
    case 'kl':
      return on(k.beta) || on(t.log_kl) ? '' : 'β = 0 and train.log_kl is off: no KL is measured';
    case 'rollout_kl':
      if (!on(t.sampler_lag)) return 'train.sampler_lag = 0: the policy itself samples';
      return on(t.bypass_mode) ? 'bypass_mode: π_old is the sampler (the ratio carries the lag)' : '';
    case 'kept_frac':
      return canMove(metric, k, f) ? '' : `no filter is on (${filterKnobs(f).join(', ')}): every completion is kept`;
    case 'completion_len_mean':
    case 'completion_len_correct':
    case 'completion_len_incorrect':
      return t.max_completion_length === 1 ? 'max_completion_length = 1: every completion is one token' : '';
    default:
      return '';
  }
}

/** Why a whole chart stays flat for every variant ('' when some metric of it can move for some). */
export function chartStillReason(spec: ChartSpec, setups: readonly Setup[], f: Formulas): string {
  if (isMapChart(spec) || setups.length === 0) return '';
  const reasons = spec.flatMap((metric) => setups.map((s) => stillReason(metric, s, f)));
  if (reasons.some((r) => r === '')) return '';
  return [...new Set(reasons)].join('; ');
}

/**
 * Axis labels for tick values: the fewest decimals (up to 10) at which neighbouring ticks read
 * differently and every label is its tick (to a millionth of the spacing), so
 * `0.0021 0.0022 0.0023` never shows as `0.002 0.002 0.002`; very small or very large magnitudes
 * in exponent form, with as many digits as that needs.
 */
export function tickLabels(ticks: readonly (number | null)[]): string[] {
  const values = ticks.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  const gaps = values.slice(1).map((x, i) => Math.abs(x - (values[i] as number))).filter((g) => g > 0);
  const spacing = gaps.length > 0 ? Math.min(...gaps) : Math.max(1e-12, ...values.map(Math.abs));
  const fits = (f: (x: number) => string): boolean => {
    const shown = values.map(f);
    return shown.every((s, i) => (i === 0 || s !== shown[i - 1]) && Math.abs(Number(s) - (values[i] as number)) <= spacing * 1e-6);
  };
  const biggest = Math.max(0, ...values.map(Math.abs));
  const exponent = biggest !== 0 && (biggest < 1e-3 || biggest >= 1e6);
  const formats = Array.from({ length: 11 }, (_, p) => (exponent
    ? (x: number): string => (x === 0 ? '0' : x.toExponential(p))
    : (x: number): string => x.toFixed(p)));
  const format = formats.find(fits) ?? ((x: number): string => String(x));
  return ticks.map((x) => (typeof x === 'number' && Number.isFinite(x) ? format(x) : ''));
}

/** What the band of a chart spans: '' for one seed. */
export function bandLegend(seed: number, seeds: number): string {
  if (seeds <= 1) return '';
  const list = Array.from({ length: seeds }, (_, k) => seed + k).join(', ');
  return `Each line is the mean over seeds ${list} of its variant (${seeds} runs); the shaded band spans their lowest to highest value at each step.`;
}

/** The glossary of every charted metric: a definition list from the schema. */
export function renderGlossary(root: HTMLElement, metrics: readonly MetricInfo[], charted: readonly string[]): void {
  const list = document.createElement('dl');
  for (const m of metrics.filter((x) => charted.includes(x.key))) {
    const term = document.createElement('dt');
    term.textContent = `${m.label} `;
    const key = document.createElement('code');
    key.textContent = m.key;
    term.append(key);
    const def = document.createElement('dd');
    def.textContent = metricHelp(m).split('\n').slice(1).join(' · ');
    def.prepend(`${m.help} `);
    list.append(term, def);
  }
  const summary = document.createElement('summary');
  summary.textContent = 'What the charts measure (glossary)';
  root.replaceChildren(summary, list);
}
