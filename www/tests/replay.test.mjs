// Replayable figures (src/replay.ts): the JSON export holds the state, every run's config, seed and
// steps, and reads back to the same state and metrics; a bad file is refused with a message that
// names the field, on the real schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { catalog, load, pageState } from './support.mjs';

const R = await load('/src/replay.ts');
const M = await load('/src/metrics.ts');
const S = await pageState();
const c = await catalog();

/** Steps 1..n of one run, every scalar metric set, one evaluation, one live change. */
function steps(n, variant, seed) {
  const scalars = M.scalarMetrics(c.metrics).filter((k) => k !== 'phase');
  return Array.from({ length: n }, (_, i) => {
    const m = Object.fromEntries(scalars.map((k, j) => [k, 1000 * variant + 100 * seed + 10 * i + j / 100]));
    m.step = i + 1;
    m.phase = i === 0 ? 'sft' : 'rl';
    m.eval_accuracy = i === 1 ? 0.5 : null;
    if (i === 1) m.eval_by_difficulty = { 2: 0.5, 10: 0.25 };
    if (i === 2) m.live_changes = { 'train.learning_rate': 1e-4 };
    return m;
  });
}

function figure() {
  const state = S.defaultState(c, 'maze');
  state.seed = 3;
  state.seeds = 2;
  state.variants[1].label = '<b>Dr. GRPO</b>';
  const grid = [[steps(3, 0, 0), steps(2, 0, 1)], [steps(3, 1, 0), steps(3, 1, 1)]];
  return { state, grid, text: R.toReplay(state, grid, c) };
}

test('the export holds the state, every run\'s config, seed and steps, and reads back the same', () => {
  const { state, grid, text } = figure();
  const file = JSON.parse(text);
  assert.equal(file.format, R.REPLAY_FORMAT);
  assert.deepEqual(file.runs.map((r) => [r.variant, r.label, r.preset, r.seeds.map((s) => [s.seed, s.steps.length])]), [
    [0, 'grpo', 'grpo', [[3, 3], [4, 2]]],
    [1, '<b>Dr. GRPO</b>', 'dr_grpo', [[3, 3], [4, 3]]],
  ]);
  assert.deepEqual(file.runs[1].seeds[1].config, JSON.parse(JSON.stringify(S.toRunConfig(state, 1, 1, c))));
  const back = R.readReplay(text, c);
  assert.deepEqual(back.state, state);
  assert.deepEqual(back.grid, grid);
});

test('a lesson\'s figure keeps its lesson', { skip: c.lessons.length === 0 && 'no lessons in this build' }, () => {
  const state = S.lessonState(c.lessons[0], c);
  const grid = state.variants.map(() => Array.from({ length: state.seeds }, (_, k) => steps(2, 0, k)));
  const back = R.readReplay(R.toReplay(state, grid, c), c);
  assert.equal(back.state.lesson, c.lessons[0].id);
});

/** `text` with `edit` applied to its parsed JSON. */
function edited(edit) {
  const file = JSON.parse(figure().text);
  edit(file);
  return JSON.stringify(file);
}

test('a bad file is refused with the field and what is wrong, never half-read', () => {
  const cases = [
    ['{"format"', /^replay: not JSON/],
    ['[1]', /^replay file: not an object/],
    [edited((f) => { f.format = 'csv'; }), /^replay format: "csv"; expected "grpo-playground replay"/],
    [edited((f) => { f.version = 2; }), /^replay version: 2; this page reads 1/],
    [edited((f) => { f.hash = '#task=sokoban'; }), /^replay hash: task: unknown "sokoban"; valid: /],
    [edited((f) => { f.runs.pop(); }), /^replay runs: 1 entries; this state has 2/],
    [edited((f) => { f.runs[0].seeds = {}; }), /^replay runs\[0\]\.seeds: not a list/],
    [edited((f) => { f.runs[1].seeds[0].seed = 9; }), /^replay runs\[1\]\.seeds\[0\]\.seed: 9; the state's seed 0 is 3/],
    [edited((f) => { f.runs[1].seeds[1].config.algo.epsilon = 0.3; }), /^replay runs\[1\]\.seeds\[1\]\.config: not the config the state trains/],
    [edited((f) => { f.runs[0].seeds[0].steps[1].step = 1; }), /^replay runs\[0\]\.seeds\[0\]\.steps\[1\]\.step: 1 is not a whole number above the previous step \(1\)/],
    [edited((f) => { f.runs[0].seeds[0].steps[0].phase = 'x'; }), /^replay runs\[0\]\.seeds\[0\]\.steps\[0\]\.phase: "x"; valid: sft, rl/],
    [edited((f) => { f.runs[0].seeds[0].steps[0].reward_mean = 'high'; }), /^replay runs\[0\]\.seeds\[0\]\.steps\[0\]\.reward_mean: not a finite number/],
    [edited((f) => { f.runs[0].seeds[0].steps[0].fun = 1; }), /^replay runs\[0\]\.seeds\[0\]\.steps\[0\]\.fun: not a metric of this build/],
    [edited((f) => { f.runs[0].seeds[0].steps[1].eval_by_difficulty = { 2: 'a' }; }), /^replay runs\[0\]\.seeds\[0\]\.steps\[1\]\.eval_by_difficulty\.2: not a finite number/],
  ];
  for (const [text, message] of cases) assert.throws(() => R.readReplay(text, c), { message });
});
