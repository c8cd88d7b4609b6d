// A chart's text alternative from its content (chart-text.ts): the summary names each line's
// first and latest value, skipping steps without one; a long run's table is sampled evenly,
// first and last step kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load } from './support.mjs';

const { summaryOf, tableRows, formatValue, MAX_ROWS } = await load('/src/chart-text.ts');

const steps = (n) => Array.from({ length: n }, (_, i) => i + 1);

test('the summary gives each variant its latest and first value, and the steps so far', () => {
  const content = {
    title: 'held-out accuracy', steps: steps(40), note: '',
    series: [
      { label: 'grpo', variant: 'grpo', part: '', values: steps(40).map((s) => (s % 10 === 0 ? s / 100 : null)) },
      { label: 'rloo', variant: 'rloo', part: '', values: [...steps(39).map(() => null), 0.55] },
    ],
  };
  assert.equal(summaryOf(content), 'held-out accuracy: grpo 0.4 (from 0.1), rloo 0.55 after 40 steps.');
  assert.equal(summaryOf({ ...content, series: content.series.map((s) => ({ ...s, values: [] })) }), 'held-out accuracy: no values yet.');
});

test('a chart of several metrics names each in its summary', () => {
  const line = (variant, part, values) => ({ label: `${variant}: ${part}`, variant, part, values });
  const content = {
    title: 'low / high', steps: [1, 2], note: '',
    series: [line('a', 'low', [0.1, 0.2]), line('a', 'high', [0, 0]), line('b', 'low', [0.3, null]), line('b', 'high', [null, null])],
  };
  assert.equal(summaryOf(content), 'low / high: low — a 0.2 (from 0.1), b 0.3; high — a 0 (from 0) after 2 steps.');
});

test('values: three significant digits, whole numbers from 100, a dash for none', () => {
  assert.deepEqual([0.123456, 12.345, 1234.5, -0.5, 0, null, Number.NaN].map(formatValue), ['0.123', '12.3', '1235', '-0.5', '0', '—', '—']);
});

test('a table shows every step with a value, or MAX_ROWS of them evenly spaced with the first and last', () => {
  const content = (n, every = 1) => ({ title: 't', steps: steps(n), note: '', series: [{ label: 'a', variant: 'a', part: '', values: steps(n).map((s) => (s % every === 0 ? s : null)) }] });
  assert.deepEqual(tableRows(content(30, 5)), { rows: [4, 9, 14, 19, 24, 29], of: 6 });
  const { rows, of } = tableRows(content(300));
  assert.equal(of, 300);
  assert.equal(rows.length, MAX_ROWS);
  assert.equal(rows[0], 0);
  assert.equal(rows.at(-1), 299);
  const gaps = rows.slice(1).map((r, i) => r - rows[i]);
  assert.ok(Math.max(...gaps) - Math.min(...gaps) <= 1, `evenly spaced: ${gaps}`);
});
