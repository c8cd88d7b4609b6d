// The exporter (src/exporter.ts): CSV with one row per step per variant and seed, its columns
// the schema's metrics (the JSON export is the replay file: replay.test.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { catalog, load, pageState } from './support.mjs';

const E = await load('/src/exporter.ts');
const M = await load('/src/metrics.ts');
const S = await pageState();
const c = await catalog();

/** RFC 4180 rows: quoted fields may hold commas, quotes ("") and line breaks. */
function parseCsv(text) {
  const rows = [[]];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { rows.at(-1).push(field); field = ''; } else if (ch === '\n') { rows.at(-1).push(field); field = ''; rows.push([]); } else field += ch;
  }
  if (rows.at(-1).length === 0) rows.pop();
  return rows;
}

/** Steps 1..n of one run, every scalar metric set to a value naming it, one evaluation, one live change. */
function steps(n, variant, seed) {
  const scalars = M.scalarMetrics(c.metrics);
  return Array.from({ length: n }, (_, i) => {
    const m = Object.fromEntries(scalars.map((k, j) => [k, 1000 * variant + 100 * seed + 10 * i + j / 100]));
    m.step = i + 1;
    m.phase = i === 0 ? 'sft' : 'rl';
    if (i === 1) m.eval_by_difficulty = { 2: 0.5, 10: 0.25 };
    else delete m.eval_accuracy;
    if (i === 2) m.live_changes = { 'train.learning_rate': 1e-4 };
    return m;
  });
}

test('CSV: the schema\'s metrics as columns, one row per step per variant and seed', () => {
  const state = S.defaultState(c, 'chain');
  state.seed = 40;
  state.variants[1].label = 'Dr. GRPO, "no std"';
  const grid = [[steps(3, 0, 0), steps(3, 0, 1)], [steps(3, 1, 0), steps(3, 1, 1)]];
  const rows = parseCsv(E.toCsv(state, grid, c.metrics));
  const header = rows[0];
  const scalars = M.scalarMetrics(c.metrics);
  assert.deepEqual(header, ['variant', 'label', 'preset', 'seed', ...scalars, 'eval_by_difficulty.2', 'eval_by_difficulty.10', 'live_changes']);
  assert.ok(!scalars.includes('eval_by_difficulty') && !scalars.includes('live_changes') && scalars.includes('reward_mean') && scalars.includes('phase'));
  assert.equal(rows.length - 1, 2 * 2 * 3, 'one row per step per variant per seed');
  const col = (name) => header.indexOf(name);
  for (const row of rows.slice(1)) assert.equal(row.length, header.length);
  const row = (v, k, s) => rows.slice(1).find((r) => r[0] === String(v) && r[3] === String(40 + k) && r[col('step')] === String(s));
  assert.equal(row(1, 1, 2)[1], 'Dr. GRPO, "no std"', 'a label with a comma and quotes survives');
  assert.equal(row(1, 1, 2)[2], 'dr_grpo');
  assert.equal(row(1, 1, 2)[col('reward_mean')], String(1000 + 100 + 10 + scalars.indexOf('reward_mean') / 100));
  assert.equal(row(0, 0, 1)[col('phase')], 'sft');
  assert.equal(row(0, 0, 2)[col('eval_by_difficulty.10')], '0.25');
  assert.equal(row(0, 0, 1)[col('eval_by_difficulty.10')], '', 'off evaluation steps: empty');
  assert.equal(row(0, 0, 1)[col('eval_accuracy')], '');
  assert.deepEqual(JSON.parse(row(1, 0, 3)[col('live_changes')]), { 'train.learning_rate': 1e-4 });
  assert.equal(row(1, 0, 2)[col('live_changes')], '');
});
