// The page's store (src/store.ts) against the real schema: every action's transition (what it
// changes, that it never changes the model it was given, that the URL follows), the runs' state
// an apply records and the live changes it takes, a replay's shared state, and the store's
// one-way order: the transition, then every subscriber in turn, with actions dispatched by a
// subscriber queued behind the current one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { catalog, load, pageState } from './support.mjs';

const St = await load('/src/store.ts');
const S = await pageState();
const c = await catalog();

const presetNames = c.presets.map((p) => p.name);

/** The model after `actions`, from the default state; each transition leaves the model it was given as it was. */
function after(actions, model = St.initialModel(S.defaultState(c))) {
  for (const action of actions) {
    const before = structuredClone(model);
    const next = St.transition(c, model, action);
    assert.deepEqual(model, before, `${action.type} changed the model it was given`);
    model = next;
  }
  return model;
}

test('the first model: the state, no runs yet, no replay', () => {
  const state = S.defaultState(c);
  assert.deepEqual(St.initialModel(state), { state, applied: null, replay: null });
});

test('knob edits change the state (and its link) and nothing else', () => {
  const task = c.tasks.find((t) => t !== 'arithmetic') ?? c.tasks[0];
  const m = after([{ type: 'task', task }]);
  assert.deepEqual({ ...m.state, variants: undefined }, { ...S.defaultState(c, task), variants: undefined }, 'another task: its defaults');
  assert.deepEqual(m.state.variants, S.defaultState(c).variants, 'the variants stay');
  assert.equal(S.serialize(m.state, c), `#task=${task}&v0.preset=grpo&v1.preset=dr_grpo`);

  const knob = c.taskKnobs.arithmetic.find((k) => k.kind === 'int' && k.unset === null);
  const value = knob.max ?? knob.min + 1;
  const edits = [
    { type: 'task-knob', key: knob.key, value },
    { type: 'model', model: 'tiny' },
    { type: 'train', key: 'steps', value: 7 },
    { type: 'train', key: 'max_grad_norm', value: 0.5 },
    { type: 'seeds', value: 3 },
    { type: 'seed', value: 11 },
    { type: 'backend', backend: 'cpu' },
  ];
  const e = after(edits);
  assert.equal(e.state.taskKnobs[knob.key], value);
  assert.equal(e.state.model, 'tiny');
  assert.equal(e.state.train.steps, 7);
  assert.equal(e.state.train.max_grad_norm, 0.5);
  assert.deepEqual([e.state.seeds, e.state.seed, e.state.backend], [3, 11, 'cpu']);
  assert.equal(e.applied, null);
  assert.deepEqual(S.parse(S.serialize(e.state, c), c), e.state, 'the link says it all');
});

test('variant edits: colour, label, preset (a label that was the preset\'s name follows it), knobs and overrides', () => {
  const other = presetNames.find((p) => p !== 'grpo' && p !== 'dr_grpo');
  const m = after([
    { type: 'colour', variant: 0, colour: '#123456' },
    { type: 'preset', variant: 0, preset: other },
    { type: 'label', variant: 1, label: 'mine' },
    { type: 'preset', variant: 1, preset: 'grpo' },
  ]);
  assert.deepEqual(m.state.variants.map((v) => [v.preset, v.label, v.colour]), [[other, other, '#123456'], ['grpo', 'mine', S.PALETTE[1]]]);

  const eps = c.algo.find((s) => s.key === 'epsilon');
  const set = after([{ type: 'algo-knob', variant: 1, key: 'epsilon', value: 0.11 }]);
  assert.deepEqual(set.state.variants[1].overrides, { epsilon: 0.11 });
  const back = after([{ type: 'algo-knob', variant: 1, key: 'epsilon', value: S.presetValue(c, 'dr_grpo', eps) }], set);
  assert.deepEqual(back.state.variants[1].overrides, {}, 'the preset\'s own value is no override');
  assert.throws(() => after([{ type: 'algo-knob', variant: 0, key: 'no_such_knob', value: 1 }]), /no_such_knob/);

  const overrides = { epsilon_high: 0.28 };
  const train = { num_generations: 2 };
  const o = after([{ type: 'overrides', variant: 0, overrides }, { type: 'variant-train', variant: 0, train }]);
  overrides.epsilon_high = 0.5;
  train.num_generations = 8;
  assert.deepEqual([o.state.variants[0].overrides, o.state.variants[0].train], [{ epsilon_high: 0.28 }, { num_generations: 2 }], 'copies of what was given');
  assert.deepEqual(after([{ type: 'overrides', variant: 0, overrides: {} }], o).state.variants[0].overrides, {}, 'all back to the preset');
  assert.throws(() => after([{ type: 'label', variant: 5, label: 'x' }]), /no variant 5/);
});

test('variants are added (the next unused preset, the next colour) up to the most, and removed down to the fewest', () => {
  let m = after([{ type: 'add-variant' }]);
  const used = ['grpo', 'dr_grpo'];
  assert.equal(m.state.variants[2].preset, presetNames.find((p) => !used.includes(p)));
  assert.equal(m.state.variants[2].colour, S.PALETTE[2]);
  m = after(Array.from({ length: S.MAX_VARIANTS + 2 }, () => ({ type: 'add-variant' })));
  assert.equal(m.state.variants.length, S.MAX_VARIANTS);
  assert.equal(new Set(m.state.variants.map((v) => v.preset)).size, S.MAX_VARIANTS, 'a preset each');
  const third = m.state.variants[2];
  m = after([{ type: 'remove-variant', variant: 1 }], m);
  assert.equal(m.state.variants.length, S.MAX_VARIANTS - 1);
  assert.deepEqual(m.state.variants[1], third);
  m = after(Array.from({ length: S.MAX_VARIANTS }, () => ({ type: 'remove-variant', variant: 0 })), m);
  assert.equal(m.state.variants.length, S.MIN_VARIANTS);
});

test('a lesson brings its whole setup (the backend kept); free play keeps the knobs without it', { skip: c.lessons.length === 0 ? 'no lessons with GRPO_SCHEMA' : false }, () => {
  const lesson = c.lessons[0];
  const m = after([{ type: 'backend', backend: 'cpu' }, { type: 'lesson', id: lesson.id }]);
  assert.deepEqual(m.state, { ...S.lessonState(lesson, c), backend: 'cpu' });
  assert.equal(S.serialize(m.state, c), `#lesson=${lesson.id}&backend=cpu`);
  const free = after([{ type: 'free-play' }], m);
  assert.deepEqual(free.state, { ...m.state, lesson: null });
  assert.throws(() => after([{ type: 'lesson', id: 'no-such-lesson' }]), /lesson: unknown "no-such-lesson"; valid: /);
});

test('a link\'s state replaces the shown one', () => {
  const linked = S.parse('#task=maze&v0.preset=grpo&v1.preset=rloo', c);
  assert.equal(after([{ type: 'link', state: linked }]).state, linked);
});

test('apply records the link\'s state as the runs\'; edits then differ from it until live changes are taken', () => {
  const m = after([{ type: 'train', key: 'steps', value: 9 }, { type: 'replay', replay: { state: S.defaultState(c), grid: [[[]], [[]]] } }, { type: 'apply', device: 'cpu' }]);
  assert.deepEqual(m.applied, m.state);
  assert.notEqual(m.applied, m.state, 'a copy');
  assert.equal(m.replay, null, 'a replay ends');

  const edited = after([
    { type: 'train', key: 'learning_rate', value: 1e-4 },
    { type: 'train', key: 'steps', value: 3 },
    { type: 'algo-knob', variant: 1, key: 'epsilon', value: 0.1 },
  ], m);
  assert.equal(edited.applied, m.applied, 'edits leave the runs\' state');
  const diff = S.liveDiff(edited.applied, edited.state, c);
  assert.deepEqual(diff, [{ train: { learning_rate: 1e-4 } }, { train: { learning_rate: 1e-4 }, algo: { epsilon: 0.1 } }]);
  const taken = after([{ type: 'live-taken' }], edited);
  assert.deepEqual(S.liveDiff(taken.applied, taken.state, c), [null, null], 'the runs have the live values');
  assert.equal(taken.applied.train.steps, m.applied.train.steps, 'a restart knob waits for the next apply');
  assert.equal(after([{ type: 'live-taken' }]).applied, null, 'no runs: nothing to take');
});

test('a replay is shown and "applied" at once: edits change what it shows, until the next apply', () => {
  const state = S.parse('#task=chain&v0.preset=grpo&v1.preset=rloo', c);
  const grid = [[[{ step: 1 }]], [[{ step: 1 }]]];
  const m = after([{ type: 'replay', replay: { state, grid } }]);
  assert.equal(m.state, state);
  assert.equal(m.applied, state);
  assert.equal(m.replay, grid);
  const edited = after([{ type: 'train', key: 'learning_rate', value: 1e-4 }], m);
  assert.equal(edited.applied, edited.state, 'no runs train the replay: nothing waits for a Reset');
  assert.equal(after([{ type: 'live-taken' }], edited).applied, edited.state);
  const linked = after([{ type: 'link', state: S.defaultState(c) }], edited);
  assert.equal(linked.applied, edited.state, 'another link leaves the replay\'s state as the runs\'');
});

test('the store: each action makes the model, then every subscriber hears it in turn; a subscriber\'s action waits its turn', () => {
  const store = new St.PageStore(c, S.defaultState(c));
  const heard = [];
  store.subscribe((model, action) => {
    heard.push(`first ${action.type} ${model.state.seeds}`);
    if (action.type === 'seeds') store.dispatch({ type: 'seed', value: model.state.seeds * 10 });
  });
  store.subscribe((model, action) => heard.push(`second ${action.type} ${model.state.seed}`));
  store.dispatch({ type: 'seeds', value: 2 });
  assert.deepEqual(heard, ['first seeds 2', 'second seeds 0', 'first seed 2', 'second seed 20']);
  assert.deepEqual([store.get().state.seeds, store.get().state.seed], [2, 20]);

  // A failed transition throws to its dispatcher, changes nothing, and the store goes on.
  const before = store.get();
  assert.throws(() => store.dispatch({ type: 'lesson', id: 'no-such-lesson' }), /lesson: unknown/);
  assert.equal(store.get(), before);
  store.dispatch({ type: 'seeds', value: 3 });
  assert.equal(store.get().state.seed, 30);
});
