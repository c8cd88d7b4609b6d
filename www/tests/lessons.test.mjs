// Lessons in the page, without a browser: every lesson of the real wasm maps to a page state
// whose configs Rust accepts and equal the lesson's own (Lesson::config), the URL round-trips on
// top of a lesson, a variant's own trainer knobs (v<N>.train) are read, checked, laid over the
// shared ones and shared warm-ups respect them, the progress store ignores corrupt or old data,
// and the words of a check say what Rust's lesson_check reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { catalog, load, pageState, rustSchema } from './support.mjs';

const S = await pageState();
const L = await load('/src/lessons.ts');
const c = await catalog();
const { validate, check, json } = await rustSchema();
const noLessons = c.lessons.length === 0 ? 'no lessons with GRPO_SCHEMA' : false;

/** What Rust's Lesson::config makes of variant `v` on `seed`: the setup's config, the variant's algo and train laid over. */
function lessonConfig(lesson, v, seed) {
  const variant = lesson.setup.variants[v];
  const config = structuredClone(lesson.setup.config);
  config.algo = { ...variant.overrides, preset: variant.preset };
  config.seed = seed;
  config.train = { ...(config.train ?? {}), ...variant.train };
  return config;
}

/** Whether `config` (the page's) sets everything `want` (the lesson's) sets, to the same values. */
function covers(config, want, where) {
  for (const [section, value] of Object.entries(want)) {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const [key, v] of Object.entries(value)) assert.deepEqual(config[section]?.[key], v, `${where}: ${section}.${key}`);
    } else assert.deepEqual(config[section], value, `${where}: ${section}`);
  }
}

test('every lesson maps to a page state: Rust accepts each variant × seed config, and it is the lesson\'s own', { skip: noLessons }, () => {
  assert.ok(c.lessons.length >= 1);
  for (const lesson of c.lessons) {
    const s = S.lessonState(lesson, c);
    assert.equal(s.lesson, lesson.id);
    assert.equal(s.seeds, lesson.setup.seeds);
    assert.equal(s.seed, lesson.setup.config.seed ?? 0);
    assert.deepEqual(s.variants.map((v) => [v.preset, v.label, v.overrides, v.train]), lesson.setup.variants.map((v) => [v.preset, v.label, v.overrides, v.train]));
    assert.equal(new Set(s.variants.map((v) => v.colour)).size, s.variants.length, 'a colour each');
    for (let v = 0; v < s.variants.length; v++) {
      for (let k = 0; k < s.seeds; k++) {
        const config = S.toRunConfig(s, v, k, c);
        if (validate) assert.equal(validate(JSON.stringify(config)), '', `${lesson.id} variant ${v} seed ${k}`);
        covers(config, lessonConfig(lesson, v, s.seed + k), `${lesson.id} variant ${v} seed ${k}`);
      }
    }
    // The lesson's URL is its id; the state it names is the lesson's.
    assert.equal(S.serialize(s, c), `#lesson=${lesson.id}`);
    assert.deepEqual(S.parse(`#lesson=${lesson.id}`, c), s);
    assert.equal(S.isLessonSetup(s, c), true);
  }
});

test('a lesson\'s variants of their own group size keep one shared warm-up; a warm-up knob of their own does not', { skip: noLessons }, () => {
  const own = c.lessons.find((l) => l.setup.variants.some((v) => Object.keys(v.train).length > 0));
  assert.ok(own, 'a lesson with a variant of its own trainer knobs');
  const s = S.lessonState(own, c);
  const v = s.variants.findIndex((x) => Object.keys(x.train).length > 0);
  for (const [key, value] of Object.entries(s.variants[v].train)) assert.equal(S.toRunConfig(s, v, 0, c).train[key], value);
  assert.equal(S.sharesWarmup(s), s.train.sft_steps > 0, 'num_generations is an RL-phase knob');
  const other = structuredClone(s);
  other.variants[v].train.sft_learning_rate = 0.01;
  assert.equal(S.sharesWarmup(other), false, 'the warm-up reads sft_learning_rate');
  other.variants[v].train.sft_learning_rate = other.train.sft_learning_rate;
  assert.equal(S.sharesWarmup(other), S.sharesWarmup(s), 'the shared value is no difference');
});

test('edits on top of a lesson: only what differs from its setup is written, and it round-trips', { skip: noLessons }, () => {
  const lesson = c.lessons.find((l) => l.id === 'kl-beta') ?? c.lessons[0];
  const s = S.parse(`#lesson=${lesson.id}&steps=20&sft_steps=10&seeds=2&backend=cpu`, c);
  const own = S.lessonState(lesson, c);
  assert.deepEqual([s.train.steps, s.train.sft_steps, s.seeds, s.backend], [20, 10, 2, 'cpu']);
  assert.deepEqual(s.variants, own.variants, 'the lesson\'s variants');
  assert.equal(s.train.learning_rate, own.train.learning_rate, 'the lesson\'s other knobs');
  assert.equal(S.serialize(s, c), `#lesson=${lesson.id}&sft_steps=10&steps=20&seeds=2&backend=cpu`);
  assert.equal(S.isLessonSetup(s, c), false);
  assert.equal(S.isLessonSetup({ ...own, backend: 'cpu' }, c), true, 'the backend is the viewer\'s, not the lesson\'s');
  // A variant edited: every variant is written; the lesson still frames the state.
  const edited = structuredClone(own);
  edited.variants[1].overrides = { ...edited.variants[1].overrides, epsilon: 0.1 };
  const hash = S.serialize(edited, c);
  assert.match(hash, new RegExp(`^#lesson=${lesson.id}&v0\\.preset=`));
  assert.deepEqual(S.parse(hash, c), edited);
  // Another task than the lesson's: that task's defaults under the lesson's variants and seeds.
  const other = c.tasks.find((t) => t !== own.task);
  const moved = { ...structuredClone(own), ...S.taskState(other, c) };
  const movedHash = S.serialize(moved, c);
  assert.match(movedHash, new RegExp(`^#lesson=${lesson.id}&task=${other}`));
  assert.deepEqual(S.parse(movedHash, c), moved);
  // Free play keeps the knobs and writes them all.
  const free = { ...structuredClone(own), lesson: null };
  assert.deepEqual(S.parse(S.serialize(free, c), c), free);
});

test('an unknown lesson names the valid ones; what the page cannot hold is named by lesson and field', { skip: noLessons }, () => {
  const ids = c.lessons.map((l) => l.id).join(', ');
  assert.throws(() => S.parse('#lesson=nope', c), new RegExp(`^Error: lesson: unknown "nope"; valid: ${ids.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  const base = structuredClone(c.lessons[0]);
  const bad = (edit) => {
    const l = structuredClone(base);
    edit(l);
    return () => S.lessonState(l, c);
  };
  assert.throws(bad((l) => { l.setup.config.model = { d_model: 40 }; }), new RegExp(`^Error: lesson ${base.id}: setup\\.config\\.model: \\{"d_model":40\\} is none of the page's sizes`));
  assert.throws(bad((l) => { l.setup.config.backend = 'cpu'; }), /setup\.config\.backend: the page sets only task, model, train and seed/);
  assert.throws(bad((l) => { l.setup.config.train = { steps: 0 }; }), /setup\.config\.train\.steps: 0 is out of range/);
  assert.throws(bad((l) => { l.setup.variants[0].train = { nope: 1 }; }), /setup\.variants\[0\]\.train\.unknown knob "nope"/);
  assert.throws(bad((l) => { l.setup.variants[1].preset = 'zzz'; }), /setup\.variants\[1\]\.preset: unknown "zzz"/);
  const small = S.lessonState({ ...base, setup: { ...base.setup, config: { ...base.setup.config, model: { d_model: 32, n_layers: 1, n_heads: 2 } } } }, c);
  assert.equal(small.model, 'tiny', 'a model of one of the page\'s sizes is that size');
});

test('a variant\'s own trainer knobs: v<N>.train is read, checked against the schema, laid over the shared ones, and live where live', () => {
  const s = S.defaultState(c, 'chain');
  s.variants[1].train = { num_generations: 4, learning_rate: 0.002 };
  const hash = S.serialize(s, c);
  assert.match(decodeURIComponent(hash), /v1\.train=\{"num_generations":4,"learning_rate":0\.002\}/);
  assert.deepEqual(S.parse(hash, c), s);
  assert.equal(S.toRunConfig(s, 1, 0, c).train.num_generations, 4);
  assert.equal(S.toRunConfig(s, 0, 0, c).train.num_generations, s.train.num_generations);
  if (validate) assert.equal(validate(JSON.stringify(S.toRunConfig(s, 1, 0, c))), '');
  const field = (raw) => `#task=chain&v0.preset=grpo&v1.preset=rloo&v1.train=${encodeURIComponent(raw)}`;
  const cases = [
    ['{"nope":1}', `v1.train.unknown knob "nope"; valid: ${c.train.map((k) => k.key).join(', ')}`],
    ['{"num_generations":0}', 'v1.train.num_generations: 0 is out of range'],
    ['{"learning_rate":null}', 'v1.train.learning_rate: no value'],
    ['{"log_kl":"yes"}', 'v1.train.log_kl: "yes" is not valid; allowed: true or false'],
    ['[2]', 'v1.train: must be a JSON object of trainer knobs'],
    ['{', 'v1.train: not JSON'],
  ];
  for (const [raw, message] of cases) assert.throws(() => S.parse(field(raw), c), (e) => e.message.startsWith(message), raw);
  assert.equal(S.trainProblem(c, { num_generations: 4, log_kl: true }), '');
  // Live: the shared learning rate reaches the variant without one of its own; its own changes alone.
  const applied = structuredClone(s);
  const next = structuredClone(s);
  next.train.learning_rate = 1e-4;
  assert.deepEqual(S.liveDiff(applied, next, c), [{ train: { learning_rate: 1e-4 } }, null]);
  next.variants[1].train.learning_rate = 0.003;
  assert.deepEqual(S.liveDiff(applied, next, c), [{ train: { learning_rate: 1e-4 } }, { train: { learning_rate: 0.003 } }]);
  const after = S.withLive(applied, next, c);
  assert.deepEqual(S.liveDiff(after, next, c), [null, null]);
  assert.equal(S.serialize(after, c), S.serialize(next, c), 'applied and the page agree: no Reset pending');
  next.variants[1].train.num_generations = 6;
  assert.deepEqual(S.liveDiff(after, next, c), [null, null], 'a restart knob of its own waits for Reset');
  // Phases: the longest of the variants'.
  next.variants[0].train.steps = next.train.steps + 7;
  assert.deepEqual(S.phases(next), { sft: next.train.sft_steps, rl: next.train.steps + 7 });
});

test('the more training knobs: every trainer knob of the schema is in the state and the URL', () => {
  const s = S.defaultState(c, 'chain');
  const more = S.moreTrainSpecs(c).map((k) => k.key);
  assert.ok(more.includes('log_kl') && more.includes('sft_learning_rate'), more.join(', '));
  assert.deepEqual(Object.keys(s.train).sort(), c.train.map((k) => k.key).sort());
  s.train.log_kl = true;
  s.train.sft_learning_rate = 0.004;
  const hash = S.serialize(s, c);
  assert.match(hash, /sft_learning_rate=0\.004&log_kl=true/);
  assert.deepEqual(S.parse(hash, c), s);
  assert.equal(S.toRunConfig(s, 0, 0, c).train.log_kl, true);
});

// ---- progress

/** A Storage stand-in; `fail` makes every call throw, as a refused localStorage does. */
function memory(initial = null, fail = false) {
  const data = new Map(initial === null ? [] : [[L.PROGRESS_KEY, initial]]);
  const guard = () => { if (fail) throw new Error('SecurityError'); };
  return {
    data,
    getItem: (k) => (guard(), data.get(k) ?? null),
    setItem: (k, v) => (guard(), data.set(k, String(v))),
    removeItem: (k) => (guard(), data.delete(k)),
  };
}

const two = {
  id: 'two', title: 'T', paper: { title: 'P', arxiv: '1' }, claim: 'c',
  setup: { config: {}, variants: [], seeds: 1 },
  predict: [
    { question: 'q0', choices: ['a', 'b'], answer: 1, why: 'w' },
    { question: 'q1', choices: ['a', 'b', 'c'], answer: 0, why: 'w' },
  ],
  observe: [], explanation: 'e', paper_reported: 'r',
};

test('progress: answers and completed lessons survive a reload; corrupt, old or malformed data is ignored', () => {
  const store = memory();
  let p = L.loadProgress(store);
  assert.deepEqual(p, {});
  assert.equal(L.answered(two, p), false);
  p = L.withAnswer(p, two, 0, 1);
  assert.equal(L.answered(two, p), false, 'one of two questions');
  p = L.withAnswer(p, two, 1, 2);
  assert.equal(L.answered(two, p), true);
  p = L.withCompleted(p, two);
  L.saveProgress(store, p);
  const reloaded = L.loadProgress(store);
  assert.deepEqual(reloaded, { two: { answers: [1, 2], completed: true } });
  assert.deepEqual(L.progressCounts([two], reloaded), { answered: 1, completed: 1, total: 1 });
  assert.equal(L.chosen(two, reloaded, 1), 2);

  const bad = [
    'not json {',
    'null',
    '[]',
    '"text"',
    JSON.stringify({ lessons: { two: { answers: [1, 0], completed: true } } }),
    JSON.stringify({ version: 0, lessons: { two: { answers: [1, 0], completed: true } } }),
    JSON.stringify({ version: 2, lessons: {} }),
    JSON.stringify({ version: 1, lessons: [] }),
  ];
  for (const text of bad) assert.deepEqual(L.loadProgress(memory(text)), {}, text);
  // Malformed entries drop alone; the well-formed ones stay.
  const mixed = JSON.stringify({ version: 1, lessons: {
    two: { answers: [1, null], completed: false },
    a: { answers: 'x', completed: true },
    b: { answers: [1.5], completed: true },
    d: { answers: [-1], completed: true },
    e: { answers: [0], completed: 'yes' },
    f: null,
  } });
  assert.deepEqual(L.loadProgress(memory(mixed)), { two: { answers: [1, null], completed: false } });
  // An answer that is no choice of the question (an edited lesson) counts as unanswered.
  const stale = L.readProgress(JSON.stringify({ version: 1, lessons: { two: { answers: [5, 0], completed: false } } }));
  assert.equal(L.chosen(two, stale, 0), null);
  assert.equal(L.answered(two, stale), false);
  assert.deepEqual(L.withAnswer(stale, two, 0, 1).two.answers, [1, 0]);
  // A store that refuses (sandboxed iframe) or is absent: nothing thrown, nothing kept.
  assert.deepEqual(L.loadProgress(memory(null, true)), {});
  assert.doesNotThrow(() => L.saveProgress(memory(null, true), p));
  assert.deepEqual(L.loadProgress(null), {});
  assert.doesNotThrow(() => L.saveProgress(null, p));
});

// ---- a check in words

const labels = { a: 'β = 0.2', b: 'β = 0' };
const kl = { metric: 'kl', variants: ['a', 'b'], expect: 'lower' };
const result = (fields) => ({ metric: 'kl', variants: ['a', 'b'], expect: 'lower', held: false, seeds_held: 0, seeds: 0, paired_mean: null, paired_sd: null, per_seed: [], ...fields });

test('a check in words: what it compares, the direction, k of n seeds, mean ± sd and each seed\'s difference', () => {
  const pending = L.checkWords(kl, null, labels, c.measures);
  assert.equal(pending.state, 'pending');
  assert.equal(pending.line, 'β = 0.2 vs β = 0: KL lower — not yet measured');
  assert.equal(L.checkWords(kl, result({ per_seed: [null, null, null] }), labels, c.measures).state, 'pending', 'no seed measured it yet');

  const held = L.checkWords(kl, result({ held: true, seeds_held: 2, seeds: 3, paired_mean: -0.1, paired_sd: 0.05, per_seed: [-0.08, -0.17, 0.01] }), labels, c.measures);
  assert.equal(held.state, 'held');
  assert.equal(held.line, 'β = 0.2 vs β = 0: KL lower on 2 of 3 seeds (−0.10 ± 0.05)');
  assert.equal(held.perSeed, 'difference per seed (β = 0.2 − β = 0): −0.08, −0.17, +0.01');
  assert.match(held.means, /^KL: .*policy RL started from/);

  const partial = L.checkWords(kl, result({ held: false, seeds_held: 1, seeds: 2, paired_mean: 0.0004, paired_sd: 0.0031, per_seed: [-0.0018, 0.0026, null] }), labels, c.measures);
  assert.equal(partial.state, 'failed');
  assert.equal(partial.line, 'β = 0.2 vs β = 0: KL lower on 1 of 2 seeds (+0.0004 ± 0.0031; 1 not yet measured)');
  assert.equal(partial.perSeed, 'difference per seed (β = 0.2 − β = 0): −0.0018, +0.0026, not yet');

  const one = L.checkWords(kl, result({ held: true, seeds_held: 1, seeds: 1, paired_mean: -29.9, paired_sd: 0, per_seed: [-29.9] }), labels, c.measures);
  assert.equal(one.line, 'β = 0.2 vs β = 0: KL lower on 1 of 1 seed (−30)', 'one seed: no spread');

  const similar = { metric: 'final_eval', variants: ['a', 'b'], expect: 'similar', within: 0.08 };
  const same = L.checkWords(similar, result({ metric: 'final_eval', expect: 'similar', held: true, seeds_held: 3, seeds: 3, paired_mean: -1e-17, paired_sd: 0.034, per_seed: [0.02, -0.04, 0.02] }), labels, c.measures);
  assert.equal(same.line, 'β = 0.2 vs β = 0: held-out accuracy within ±0.08 on 3 of 3 seeds (0.000 ± 0.034)', 'a zero is unsigned');
  assert.equal(L.checkWords({ metric: 'new_measure', variants: ['a', 'b'], expect: 'higher' }, null, labels, c.measures).line, 'β = 0.2 vs β = 0: new_measure higher — not yet measured', 'a measure without words: its name');
  assert.equal(L.signed(-0.004, 2), '0.00');
  assert.equal(L.signed(0.126, 2), '+0.13');
});

test('the verdict over the checks: nothing yet, so far while training, held or not once done', () => {
  assert.match(L.verdictWords(['pending', 'pending'], false), /^Nothing measured yet/);
  assert.equal(L.verdictWords(['held', 'failed'], false), 'So far 1 of 2 checks hold (the runs are still training).');
  assert.equal(L.verdictWords(['held'], false), 'So far the check holds (the runs are still training).');
  assert.equal(L.verdictWords(['held', 'held'], true), 'Both checks held: the paper\'s finding shows here.');
  assert.equal(L.verdictWords(['held'], true), 'The check held: the paper\'s finding shows here.');
  assert.equal(L.verdictWords(['failed', 'failed', 'held'], true), '1 of 3 checks held: see why below.');
  assert.equal(L.verdictWords(['failed'], true), 'The check did not hold here: see why below.');
});

test('every lesson\'s checks have words; Rust\'s report on step metrics reads as the panel words it', { skip: noLessons || (!check && 'no lesson_check with GRPO_SCHEMA') }, () => {
  for (const lesson of c.lessons) {
    for (const o of lesson.observe) assert.ok(c.measures.some((m) => m.name === o.metric), `${lesson.id}: the schema has the measure ${o.metric}`);
  }
  // Step metrics of the schema's shape, a few RL steps per run: variant 0 − variant 1 on kl is
  // −0.1, +0.1 and −0.2 on the three seeds; the third seed of variant 0 has not started.
  const schema = JSON.parse(json);
  const base = Object.fromEntries(schema.metrics.map((m) => [m.key, 0]));
  Object.assign(base, { phase: 'rl', eval_accuracy: null, eval_by_difficulty: null, live_changes: null, completion_len_correct: null, completion_len_incorrect: null, reward_components: null });
  const run = (kl) => [1, 2, 3].map((step) => ({ ...base, step, kl }));
  const lesson = c.lessons.find((l) => l.observe.some((o) => o.metric === 'kl'));
  const k = lesson.observe.findIndex((o) => o.metric === 'kl');
  const [a, b] = lesson.observe[k].variants.map((id) => lesson.setup.variants.findIndex((v) => v.id === id));
  const runs = lesson.setup.variants.map(() => [run(0.3), run(0.3), run(0.3)]);
  runs[a] = [run(0.2), run(0.4), []];
  runs[b] = [run(0.3), run(0.3), run(0.5)];
  const report = L.readReport(check(lesson.id, JSON.stringify(runs)));
  assert.equal(report.id, lesson.id);
  assert.equal(report.checks.length, lesson.observe.length);
  const r = report.checks[k];
  assert.deepEqual([r.seeds, r.per_seed.length, r.per_seed[2]], [2, 3, null]);
  const words = L.checkWords(lesson.observe[k], r, Object.fromEntries(lesson.setup.variants.map((v) => [v.id, v.label])), c.measures);
  const direction = lesson.observe[k].expect;
  assert.equal(words.state, r.held ? 'held' : 'failed');
  assert.match(words.line, new RegExp(`: KL ${direction} on ${r.seeds_held} of 2 seeds \\(0\\.00 ± 0\\.14; 1 not yet measured\\)$`));
  assert.equal(words.perSeed.split(': ')[1], '−0.10, +0.10, not yet');
  // Before any step: every check pending.
  const empty = L.readReport(check(lesson.id, JSON.stringify(lesson.setup.variants.map(() => [[], [], []]))));
  assert.ok(empty.checks.every((x) => x.paired_mean === null && L.checkWords(lesson.observe[0], x, {}, c.measures).state === 'pending'));
});

test('lessons() is read as the page reads it: a malformed lesson names itself and its field', { skip: noLessons }, () => {
  const raw = JSON.parse((c.lessons.length > 0 && JSON.stringify(c.lessons)) || '[]');
  assert.deepEqual(L.readLessons(JSON.stringify(raw)), c.lessons);
  const broken = (edit) => {
    const doc = structuredClone(raw);
    edit(doc);
    return () => L.readLessons(JSON.stringify(doc));
  };
  const id = raw[0].id;
  assert.throws(broken((d) => { d[0].claim = 3; }), new RegExp(`^Error: lessons: ${id}: claim is not a string`));
  assert.throws(broken((d) => { d[0].predict[0].answer = 99; }), new RegExp(`^Error: lessons: ${id}\\.predict\\[0\\]: answer is not an index`));
  assert.throws(broken((d) => { d[0].observe[0].variants = ['x', 'y']; }), new RegExp(`^Error: lessons: ${id}\\.observe\\[0\\]: variants is not two of`));
  assert.throws(broken((d) => { d[0].setup.variants[0].train = 2; }), new RegExp(`^Error: lessons: ${id}\\.setup\\.variants\\[0\\]: train is not an object`));
  assert.throws(() => L.readLessons('{}'), /^Error: lessons: document: not a list/);
});
