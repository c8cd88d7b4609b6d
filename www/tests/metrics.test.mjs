// What the seeds of a variant add up to (src/metrics.ts), on hand-checked examples: the mean and
// min–max band per step, the last step / reward / held-out accuracy the cards show, the steps
// marked for live changes, and chart titles from the schema's labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { catalog, load } from './support.mjs';

const M = await load('/src/metrics.ts');
const c = await catalog();

const step = (n, fields = {}) => ({ step: n, phase: 'rl', ...fields });

test('the band: per step, mean / min / max over the seeds that reported it', () => {
  const seeds = [
    [step(1, { reward_mean: 1 }), step(2, { reward_mean: 3 }), step(3, { reward_mean: 0.5 })],
    [step(1, { reward_mean: 3 }), step(2, { reward_mean: null }), step(3, { reward_mean: 0.5 })],
    [step(1, { reward_mean: 8 })],
  ];
  const [mean, min, max] = M.aggregate(seeds, (m) => m.reward_mean, 4);
  assert.deepEqual(mean, [4, 3, 0.5, null]);
  assert.deepEqual(min, [1, 3, 0.5, null]);
  assert.deepEqual(max, [8, 3, 0.5, null]);
  // Sparse metrics: only the steps that have one.
  const evals = [[step(1), step(2, { eval_accuracy: 0.25 })], [step(1), step(2, { eval_accuracy: 0.75 })]];
  assert.deepEqual(M.aggregate(evals, (m) => m.eval_accuracy, 2), [[null, 0.5], [null, 0.25], [null, 0.75]]);
});

test('warm-up steps draw only what they measure', () => {
  const warm = { step: 1, phase: 'sft', loss: 2.5, reward_mean: 0, entropy: 1 };
  assert.equal(M.metricValue('loss')(warm), 2.5);
  assert.equal(M.metricValue('reward_mean')(warm), null);
  assert.equal(M.metricValue('entropy')(step(2, { entropy: 0.5 })), 0.5);
});

test('the cards: last step every seed finished, mean of each seed\'s last RL reward and last evaluation', () => {
  const a = [{ step: 1, phase: 'sft', reward_mean: 0, eval_accuracy: 0.1 }, step(2, { reward_mean: 0.4 }), step(3, { reward_mean: 0.6 })];
  const b = [{ step: 1, phase: 'sft', reward_mean: 0, eval_accuracy: 0.3 }, step(2, { reward_mean: 0.2 })];
  assert.equal(M.lastStep([a, b]), 2);
  assert.equal(M.lastStep([]), 0);
  assert.equal(M.lastStep([a, []]), 0);
  assert.ok(Math.abs(M.lastReward([a, b]) - 0.4) < 1e-12, '(0.6 + 0.2) / 2');
  assert.equal(M.lastReward([[{ step: 1, phase: 'sft', reward_mean: 0 }]]), null, 'warm-up rewards are placeholders');
  assert.ok(Math.abs(M.lastEval([a, b]) - 0.2) < 1e-12, '(0.1 + 0.3) / 2');
  assert.equal(M.lastEval([[step(1)]]), null);
});

test('live marks: once per variant and step, whichever seed reported it', () => {
  const lr = { 'train.learning_rate': 1e-4 };
  const runs = [
    [[step(1), step(2, { live_changes: lr })], [step(1), step(2, { live_changes: lr }), step(3)]],
    [[step(1), step(2), step(3, { live_changes: { 'algo.epsilon': 0.1 } })], [step(1, { live_changes: {} })]],
  ];
  assert.deepEqual(M.liveMarks(runs), [
    { variant: 0, step: 2, changes: lr },
    { variant: 1, step: 3, changes: { 'algo.epsilon': 0.1 } },
  ]);
});

test('chart titles and tooltips are the schema\'s labels and help, never raw keys', () => {
  const label = (key) => c.metrics.find((m) => m.key === key).label;
  for (const spec of M.chartsOf(c.metrics)) {
    const title = M.chartTitle(spec, c.metrics);
    const keys = typeof spec === 'string' ? [spec] : spec;
    for (const k of keys) assert.ok(title.includes(label(k)), `${title} has ${label(k)}`);
    assert.ok(!title.includes('+'), title);
    assert.ok(M.chartHelp(spec, c.metrics).includes(c.metrics.find((m) => m.key === keys[0]).help));
  }
  assert.equal(M.chartTitle(['clip_frac_low', 'clip_frac_high'], c.metrics), `${label('clip_frac_low')} / ${label('clip_frac_high')}`);
  assert.deepEqual(M.chartsOf([{ key: 'reward_mean', label: 'r', help: '' }]), [['reward_mean']], 'a chart of a metric the schema lacks is dropped');
  assert.deepEqual(M.sortLabels(['10', '2', '1', '2']), ['1', '2', '10']);
});
