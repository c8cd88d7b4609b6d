// The page's reading of the Rust schema (src/schema.ts): every knob becomes a KnobSpec, and the
// page's check of a value agrees with the schema's range (bounds, open ends, except values,
// unset) and with Rust's own validator on the same value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { catalog, load, pageState, rustSchema } from './support.mjs';

const Sc = await load('/src/schema.ts');
const St = await pageState();
const M = await load('/src/metrics.ts');
const { json, validate } = await rustSchema();
const raw = JSON.parse(json);
const c = await catalog();

/** Every knob of the schema with its section: [section, task or null, raw knob, spec]. */
function everyKnob() {
  const out = [];
  for (const section of ['algo', 'train', 'model']) {
    raw[section].forEach((k, i) => out.push([section, null, k, c[section][i]]));
  }
  for (const task of Object.keys(raw.tasks)) raw.tasks[task].forEach((k, i) => out.push(['task', task, k, c.taskKnobs[task][i]]));
  return out;
}

test('every knob of the schema becomes a KnobSpec with its key, path, range text, help and live flag', () => {
  const all = everyKnob();
  assert.ok(all.length >= 60, `${all.length} knobs`);
  for (const [section, , k, spec] of all) {
    assert.equal(spec.key, k.key);
    assert.equal(spec.path, k.path);
    assert.equal(spec.kind, k.kind);
    assert.equal(spec.allowed, k.allowed);
    assert.equal(spec.help, k.help);
    assert.equal(spec.live, k.live);
    assert.equal(spec.unset, k.unset ?? null);
    assert.deepEqual(spec.def, k.default, `${section}.${k.key}`);
    if (k.kind === 'choice' || k.kind === 'set') assert.deepEqual(spec.options, k.options);
  }
  assert.deepEqual(c.tasks, Object.keys(raw.tasks));
  assert.deepEqual(c.presets.map((p) => p.name), raw.presets.map((p) => p.name));
  assert.deepEqual(c.tokens, raw.tokens);
  const live = all.filter(([, , k]) => k.live).map(([, , k]) => k.path).sort();
  assert.deepEqual(live, ['algo.beta', 'algo.epsilon', 'algo.epsilon_high', 'train.learning_rate', 'train.temperature']);
});

test('a malformed schema is refused naming the part', () => {
  const broken = (edit) => {
    const doc = structuredClone(raw);
    edit(doc);
    return () => Sc.readSchema(JSON.stringify(doc));
  };
  assert.throws(broken((d) => delete d.train[0].allowed), /^Error: schema: train\.num_generations: allowed is not a string/);
  assert.throws(broken((d) => { d.algo[0].kind = 'colour'; }), /^Error: schema: algo\.adv_estimator: unknown kind "colour"/);
  assert.throws(broken((d) => { d.tasks.maze[0].default = 99; }), /^Error: schema: task\(maze\)\.size: its default fails its range: size: 99 is out of range; allowed: \[4, 9\]/);
  assert.throws(broken((d) => delete d.task_defaults.chain), /^Error: schema: task_defaults\.chain: not a run config/);
  assert.throws(broken((d) => { d.metrics = {}; }), /^Error: schema: metrics: not a list/);
  assert.throws(broken((d) => delete d.methods.surrogate.gvpo), /^Error: schema: methods\.surrogate: no declaration of gvpo/);
  assert.throws(broken((d) => { d.methods.surrogate.clip.clip.shape = 'round'; }), /^Error: schema: methods\.surrogate\.clip: unknown clip shape "round"/);
  assert.throws(broken((d) => delete d.methods.filters), /^Error: schema: methods\.filters: not an object of declarations/);
});

/** Values at and around the edges of a knob's range, and of the wrong type. */
function probes(k) {
  const around = (x, exclusive) => {
    const d = Math.max(1e-9, Math.abs(x) * 1e-9);
    return [x - d, x, x + d].map((v) => [v, exclusive]);
  };
  switch (k.kind) {
    case 'int': {
      const values = [k.min - 1, k.min, k.min + 1, 2.5, ...k.except.flatMap((e) => [e - 1, e, e + 1])];
      if (k.max !== null) values.push(k.max - 1, k.max, k.max + 1);
      else values.push(1e9);
      return [...new Set(values)].filter((v) => v >= -1).concat([null]);
    }
    case 'float': {
      const values = [null, 1e6, -1e6];
      if (k.min !== null) values.push(...around(k.min).map(([v]) => v));
      if (k.max !== null) values.push(...around(k.max).map(([v]) => v));
      return values;
    }
    case 'bool':
      return [true, false, 'yes', null];
    case 'choice':
      return [...k.options, 'nope', null];
    case 'set':
      return [...k.options.map((o) => [o]), k.options, [], [k.options[0], k.options[0]], ['nope'], null];
    case 'tokens':
      return [0, 5, -1, 2.5, { fraction_of_max: 0.5 }, { fraction_of_max: 1 }, { fraction_of_max: 0 }, { fraction_of_max: 1.5 }, null];
    case 'weights':
      return [{}, { [k.options[0]]: 0 }, { [k.options[0]]: 1.5 }, { [k.options[0]]: -1e-9 }, { nope: 1 }, Object.fromEntries(k.options.map((o) => [o, 2])), 3, null];
    default:
      throw new Error(k.kind);
  }
}

/** What the schema's range says of `v`, read straight from the schema's fields. */
function inRange(k, v) {
  if (v === null) return k.unset !== undefined;
  switch (k.kind) {
    case 'int':
      return Number.isInteger(v) && v >= k.min && (k.max === null || v <= k.max) && !k.except.includes(v);
    case 'float': {
      const above = k.min === null || (k.exclusive_min ? v > k.min : v >= k.min);
      const below = k.max === null || (k.exclusive_max ? v < k.max : v <= k.max);
      return typeof v === 'number' && above && below;
    }
    case 'bool':
      return typeof v === 'boolean';
    case 'choice':
      return k.options.includes(v);
    case 'set':
      return v.length > 0 && new Set(v).size === v.length && v.every((x) => k.options.includes(x));
    case 'tokens':
      return typeof v === 'number' ? Number.isInteger(v) && v >= 0 : v.fraction_of_max > 0 && v.fraction_of_max <= 1;
    case 'weights':
      return typeof v === 'object' && !Array.isArray(v) && Object.entries(v).every(([n, w]) => k.options.includes(n) && w >= 0);
    default:
      throw new Error(k.kind);
  }
}

test('the page accepts exactly what each knob\'s schema range accepts, at every boundary', () => {
  let checked = 0;
  for (const [section, task, k, spec] of everyKnob()) {
    for (const v of probes(k)) {
      const problem = Sc.knobProblem(spec, v);
      const where = `${task ?? section}.${k.key} = ${JSON.stringify(v)}`;
      assert.equal(problem === '', inRange(k, v), `${where}: page says ${JSON.stringify(problem)}`);
      if (problem !== '') {
        assert.ok(problem.startsWith(`${k.key}`), `${where}: "${problem}" names the knob`);
        assert.ok(problem.includes('allowed: '), `${where}: "${problem}" says what is allowed`);
      }
      checked++;
    }
  }
  assert.ok(checked > 400, `${checked} values checked`);
});

test('the page and Rust\'s validator agree on every boundary value (rules between knobs aside)', { skip: validate ? false : 'GRPO_SCHEMA: no Rust validator' }, (t) => {
  const crossRules = new Set();
  let agreed = 0;
  for (const [section, task, k, spec] of everyKnob()) {
    for (const v of probes(k)) {
      const config = { task: { name: task ?? 'arithmetic' } };
      if (section === 'task') config.task[k.key] = v;
      else config[section] = { [k.key]: v };
      if (section === 'algo') config.algo.preset = 'grpo';
      const rust = validate(JSON.stringify(config));
      // An algo knob is an override of the preset's row; null unsets an optional one.
      const page = section === 'algo' ? St.overridesProblem(c, { [k.key]: v }) : Sc.knobProblem(spec, v);
      const where = `${k.path} = ${JSON.stringify(v)} (${config.task.name})`;
      if (page !== '') {
        assert.notEqual(rust, '', `${where}: the page refuses it ("${page}"), Rust accepts it`);
        assert.ok(rust.includes(k.key), `${where}: Rust's "${rust}" names the knob`);
      } else if (rust !== '') {
        // Valid by its own range, refused by a rule tying it to another knob (minibatches ≤
        // prompts_per_step, n_heads dividing d_model, ...): never by the range the page checked.
        assert.ok(!rust.includes(`is out of range; allowed: ${k.allowed}`), `${where}: the page accepts it, Rust says "${rust}"`);
        crossRules.add(rust.replace(/: .*?(allowed|does|must|cannot)/, ': … $1'));
      }
      agreed++;
    }
  }
  t.diagnostic(`${agreed} values; refused by rules between knobs: ${[...crossRules].join(' | ')}`);
});

test('number inputs: inclusive bounds are min/max, open ones are left to the check, steps follow the value', () => {
  const spec = (section, key) => Sc.specOf(c[section], key, section);
  assert.deepEqual(Sc.inputAttributes(spec('train', 'learning_rate'), 0.001), { max: '1', step: '0.0001' });
  assert.deepEqual(Sc.inputAttributes(spec('train', 'top_p'), 1), { max: '1', step: '0.1' });
  assert.deepEqual(Sc.inputAttributes(spec('algo', 'prune_ratio'), 0), { min: '0', step: '0.1' });
  assert.deepEqual(Sc.inputAttributes(spec('algo', 'epsilon'), 0.2), { min: '0', step: '0.01' });
  assert.deepEqual(Sc.inputAttributes(spec('train', 'steps'), 300), { min: '1', step: '1' });
  assert.deepEqual(Sc.inputAttributes(Sc.specOf(c.taskKnobs.maze, 'size', 'maze'), 5), { min: '4', max: '9', step: '1' });
});

test('the page\'s choices exist in the schema: trainer knobs, model sizes, charts, warm-up metrics', () => {
  const train = St.trainSpecs(c);
  assert.deepEqual(train.map((s) => s.key), [...St.TRAIN_KEYS]);
  for (const [name, m] of Object.entries(St.MODEL_SIZES)) {
    assert.equal(St.modelProblem(m, c), '', `model ${name}`);
    if (validate) for (const task of c.tasks) assert.equal(validate(JSON.stringify({ task: { name: task }, model: m })), '', `${task} on ${name}`);
  }
  assert.equal(St.modelProblem({ d_model: 64, n_layers: 2, n_heads: 3 }, c), 'n_heads: 3 does not divide d_model (64)');
  assert.match(St.modelProblem({ d_model: 2, n_layers: 2, n_heads: 1 }, c), /^d_model: 2 is out of range; allowed: \[4, /);
  assert.equal(M.chartsOf(c.metrics).length, M.CHARTS.length, 'every chart\'s metrics are in the schema');
  const keys = c.metrics.map((m) => m.key);
  for (const k of M.WARMUP_METRICS) assert.ok(keys.includes(k), `warm-up metric ${k}`);
  for (const k of ['step', 'phase', 'reward_mean', 'eval_accuracy', 'eval_by_difficulty', 'live_changes']) assert.ok(keys.includes(k), `metric ${k}`);
});
