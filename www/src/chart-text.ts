// A chart's text alternative: one summary line (each line's latest and first value, after how
// many steps) and, behind a "Show data" button, a table of its lines by step, sampled down to
// MAX_ROWS rows on long runs. The summary is not a live region: it is read where it stands, not
// announced as the run goes.

import { el } from './controls';

/** Rows a data table shows at most: a long run's steps are sampled evenly, first and last kept. */
export const MAX_ROWS = 21;

/**
 * One line of a chart: its legend label, its variant's label, which of the chart's metrics (or
 * difficulties) it draws ('' on a chart of one), and its value per step (null: none that step).
 */
export interface ChartSeries {
  label: string;
  variant: string;
  part: string;
  values: readonly (number | null | undefined)[];
}

/** What a chart shows: its title, its steps, its lines, and what a value is (`mean over 3 seeds`, or ''). */
export interface ChartContent {
  title: string;
  steps: readonly number[];
  series: readonly ChartSeries[];
  note: string;
}

/** A value as the summary and the table write it: three significant digits, whole numbers from 100 up. */
export function formatValue(v: number | null | undefined): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '—';
  return Math.abs(v) >= 100 ? v.toFixed(0) : String(Number(v.toPrecision(3)));
}

/** `grpo 0.62 (from 0.1)`: a line's latest and first value; '' without any. */
function latest({ variant, values }: ChartSeries): string {
  const first = values.findIndex((v) => typeof v === 'number');
  if (first < 0) return '';
  let last = values.length - 1;
  while (last > first && typeof values[last] !== 'number') last--;
  return last === first ? `${variant} ${formatValue(values[last])}` : `${variant} ${formatValue(values[last])} (from ${formatValue(values[first])})`;
}

/**
 * `held-out accuracy: grpo 0.62 (from 0.1), rloo 0.55 (from 0.12) after 40 steps.`; a chart of
 * several metrics names each: `…: clipped below — grpo 0 (from 0), …; clipped above — …`.
 */
export function summaryOf({ title, steps, series }: ChartContent): string {
  const parts = [...new Set(series.map((s) => s.part))].flatMap((part) => {
    const said = series.filter((s) => s.part === part).map(latest).filter((text) => text !== '');
    if (said.length === 0) return [];
    return [part === '' ? said.join(', ') : `${part} — ${said.join(', ')}`];
  });
  const n = steps.at(-1) ?? 0;
  return parts.length === 0 ? `${title}: no values yet.` : `${title}: ${parts.join('; ')} after ${n} step${n === 1 ? '' : 's'}.`;
}

/** The row indices a table shows: every step with a value, or MAX_ROWS of them evenly spaced. */
export function tableRows(content: ChartContent): { rows: number[]; of: number } {
  const all = content.steps.flatMap((_, i) => (content.series.some((s) => typeof s.values[i] === 'number') ? [i] : []));
  if (all.length <= MAX_ROWS) return { rows: all, of: all.length };
  const rows = Array.from({ length: MAX_ROWS }, (_, k) => all[Math.round((k * (all.length - 1)) / (MAX_ROWS - 1))] ?? 0);
  return { rows, of: all.length };
}

let tables = 0;

/** The summary line, the "Show data" button and the table it discloses, of one chart. */
export class ChartText {
  readonly root = el('div', { className: 'chart-text' });
  private readonly summary = el('p', { className: 'chart-summary' });
  private readonly button = el('button', { className: 'small show-data', textContent: 'Show data' });
  private readonly region = el('div', { className: 'chart-data' });

  /** `content` reads what the chart shows now. */
  constructor(private readonly content: () => ChartContent) {
    const id = `chart-data-${++tables}`;
    this.region.id = id;
    this.region.hidden = true;
    // A wide table scrolls inside its region: focusable, so a keyboard can scroll it.
    this.region.tabIndex = 0;
    this.region.setAttribute('role', 'region');
    this.button.type = 'button';
    this.button.setAttribute('aria-expanded', 'false');
    this.button.setAttribute('aria-controls', id);
    this.button.addEventListener('click', () => {
      this.region.hidden = !this.region.hidden;
      this.button.setAttribute('aria-expanded', String(!this.region.hidden));
      this.refresh();
    });
    this.root.append(this.summary, this.button, this.region);
  }

  /** Rewrites the summary, and the table while it is open, from the chart's content now. */
  refresh(): void {
    const content = this.content();
    this.summary.textContent = summaryOf(content);
    if (!this.region.hidden) this.region.replaceChildren(this.table(content));
  }

  private table(content: ChartContent): HTMLTableElement {
    const { rows, of } = tableRows(content);
    const sampled = rows.length < of ? ` — ${rows.length} of its ${of} steps, evenly spaced` : '';
    const caption = el('caption', { textContent: `${content.title} by step${content.note ? `, ${content.note}` : ''}${sampled}` });
    caption.id = `${this.region.id}-caption`;
    this.region.setAttribute('aria-labelledby', caption.id);
    const head = (text: string, scope: 'col' | 'row'): HTMLTableCellElement => Object.assign(el('th', { textContent: text }), { scope });
    const body = rows.map((i) => el('tr', {}, [
      head(String(content.steps[i] ?? ''), 'row'),
      ...content.series.map((s) => el('td', { textContent: formatValue(s.values[i]) })),
    ]));
    return el('table', {}, [
      caption,
      el('thead', {}, [el('tr', {}, [head('step', 'col'), ...content.series.map((s) => head(s.label, 'col'))])]),
      el('tbody', {}, body),
    ]);
  }
}
