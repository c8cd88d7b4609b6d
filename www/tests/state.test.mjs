// Unit tests of the page state (src/state.ts) in Node, without a browser or the wasm: Vite's
// SSR loader compiles the TypeScript. The catalog stands in for `presets()` and `task_defaults()`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'vite';

let server;
let S;

before(async () => {
  server = await createServer({ root: new URL('..', import.meta.url).pathname, logLevel: 'warn', server: { middlewareMode: true, hmr: false }, appType: 'custom' });
  S = await server.ssrLoadModule('/src/state.ts');
});

after(async () => {
  await server?.close();
});

const PRESETS = ['grpo', 'dr_grpo', 'dapo', 'rloo'];

/** Task defaults shaped like `task_defaults()`: each task with its own model and trainer knobs. */
function catalog() {
  const train = (over) => ({
    num_generations: 8, prompts_per_step: 8, num_iterations: 1, minibatches: 1, max_completion_length: 16,
    temperature: 1, top_p: 1, learning_rate: 0.001, adam_beta1: 0.9, adam_beta2: 0.999, weight_decay: 0,
    max_grad_norm: 1, entropy_coef: 0, steps: 200, eval_every: 10, sft_steps: 0, sft_learning_rate: 0.003, log_kl: false, ...over,
  });
  const run = (task, model, over) => ({ task, model: { context: 64, ...model }, algo: { preset: 'grpo' }, train: train(over), seed: 0, backend: 'auto' });
  return {
    presets: PRESETS,
    defaults: {
      arithmetic: run({ name: 'arithmetic', digits: 2, min_digits: 1, ops: ['add'], allow_negative: false, reversed: false, reward: 'exact', format_weight: 0, eval_size: 200 },
        { d_model: 64, n_layers: 2, n_heads: 4 }, { sft_steps: 150, max_completion_length: 4, steps: 300 }),
      chain: run({ name: 'chain', min_terms: 2, max_terms: 4, format_weight: 0.1, eval_size: 300 },
        { d_model: 48, n_layers: 2, n_heads: 4 }, { sft_steps: 200, max_completion_length: 12 }),
      maze: run({ name: 'maze', size: 5, progress_shaping: 0.5, length_penalty: 0, eval_size: 200, max_distance: 0 },
        { d_model: 96, n_layers: 3, n_heads: 4 }, { sft_steps: 300, max_completion_length: 24, learning_rate: 0.0005 }),
      bandit: run({ name: 'bandit', arms: 8, distribution: 'bernoulli', noise_std: 0.5, instances: 1, contextual: false, eval_size: 1 },
        { d_model: 32, n_layers: 1, n_heads: 2 }, { sft_steps: 0, max_completion_length: 1, learning_rate: 0.01 }),
    },
  };
}

test('a URL naming only the task gets that task\'s defaults', () => {
  const c = catalog();
  const s = S.parse('#task=maze', c);
  assert.equal(s.task, 'maze');
  assert.equal(s.train.sft_steps, 300);
  assert.equal(s.train.max_completion_length, 24);
  assert.equal(s.train.learning_rate, 0.0005);
  assert.equal(s.taskKnobs.progress_shaping, 0.5);
  assert.equal(s.model, 'task', 'maze\'s 96/3/4 model is none of the named sizes');
  assert.deepEqual(S.toRunConfig(s, 0, 0, c).model, { d_model: 96, n_layers: 3, n_heads: 4 });
  const bandit = S.parse('#task=bandit&arms=8&v0.preset=grpo&v1.preset=rloo', c);
  assert.equal(bandit.model, 'tiny');
  assert.equal(bandit.train.sft_steps, 0);
  assert.equal(bandit.train.learning_rate, 0.01);
  assert.deepEqual(bandit.variants.map((v) => v.preset), ['grpo', 'rloo']);
  const chain = S.parse('#task=chain', c);
  assert.equal(chain.model, 'small');
  assert.deepEqual(chain.taskKnobs, { min_terms: 2, max_terms: 4, format_weight: 0.1, eval_size: 300 });
  const page = S.defaultState(c);
  assert.equal(page.task, 'arithmetic');
  assert.equal(page.taskKnobs.digits, 2);
  assert.equal(page.taskKnobs.min_digits, 1);
});

test('serialize writes only what differs from the task defaults, and parse reads it back', () => {
  const c = catalog();
  assert.equal(S.serialize(S.parse('#task=maze', c), c), '#task=maze&v0.preset=grpo&v1.preset=dr_grpo');
  const embed = '#task=bandit&arms=8&v0.preset=grpo&v1.preset=rloo';
  assert.equal(S.serialize(S.parse(embed, c), c), '#task=bandit&v0.preset=grpo&v1.preset=rloo');

  const s = S.defaultState(c, 'chain');
  s.taskKnobs.max_terms = 6;
  s.train.steps = 50;
  s.model = 'tiny';
  s.seeds = 3;
  s.backend = 'cpu';
  s.variants[1].label = 'a <b>label</b>, with "quotes" & =';
  s.variants[1].overrides = { epsilon_high: 0.3 };
  s.variants.push(S.newVariant('dapo', 2));
  const hash = S.serialize(s, c);
  for (const field of ['max_terms=6', 'steps=50', 'model=tiny', 'seeds=3', 'backend=cpu', 'v2.preset=dapo']) assert.ok(hash.includes(field), `${hash} lacks ${field}`);
  for (const field of ['min_terms', 'sft_steps', 'v0.label', 'v0.colour', 'v2.colour']) assert.ok(!hash.includes(field), `${hash} has ${field}`);
  assert.deepEqual(S.parse(hash, c), s);

  // A nullable knob: unset, or set away from a default that is set.
  const a = S.defaultState(c, 'arithmetic');
  a.taskKnobs.min_digits = null;
  const back = S.parse(S.serialize(a, c), c);
  assert.equal(back.taskKnobs.min_digits, null);
  assert.deepEqual(back, a);
  assert.equal(S.toRunConfig(a, 0, 0, c).task.min_digits, undefined, 'unset means absent from the config');
  a.taskKnobs.ops = ['add', 'mul'];
  assert.deepEqual(S.parse(S.serialize(a, c), c), a);
});

test('round trip over every task and random knob values', () => {
  const c = catalog();
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < 200; i++) {
    const task = S.TASK_NAMES[i % S.TASK_NAMES.length];
    const s = S.defaultState(c, task);
    for (const spec of S.TASK_KNOBS[task]) {
      if (rand() < 0.5) continue;
      if (spec.kind === 'int') {
        let v = spec.min + Math.floor(rand() * (spec.max - spec.min + 1));
        if (spec.except?.includes(v)) v = spec.min;
        s.taskKnobs[spec.key] = spec.nullable && rand() < 0.3 ? null : v;
      } else if (spec.kind === 'float') s.taskKnobs[spec.key] = Math.round((spec.min + rand() * (spec.max - spec.min)) * 100) / 100;
      else if (spec.kind === 'bool') s.taskKnobs[spec.key] = rand() < 0.5;
      else if (spec.kind === 'choice') s.taskKnobs[spec.key] = spec.options[Math.floor(rand() * spec.options.length)];
      else s.taskKnobs[spec.key] = spec.options.filter((_, j) => j === 0 || rand() < 0.5);
    }
    if (S.crossProblem(task, s.taskKnobs) !== '') continue;
    for (const spec of S.TRAIN_KNOBS) if (rand() < 0.3) s.train[spec.key] = spec.kind === 'int' ? spec.min + Math.floor(rand() * 10) : spec.min * 2;
    s.model = S.MODEL_CHOICES[Math.floor(rand() * S.MODEL_CHOICES.length)];
    assert.deepEqual(S.parse(S.serialize(s, c), c), s, S.serialize(s, c));
  }
});

test('bad URL values name the field and the allowed range, or what is valid', () => {
  const c = catalog();
  const cases = [
    ['#task=arithmetic&digits=9', /^Error: digits: 9 is out of range; allowed: \[1, 4\]/],
    ['#task=maze&max_distance=1', /^Error: max_distance: 1 is out of range; allowed: \[0, 64\] except 1/],
    ['#task=bandit&noise_std=0', /^Error: noise_std: 0 is out of range; allowed: \[0.01, 5\]/],
    ['#task=chain&min_terms=5&max_terms=3', /^Error: max_terms: 3 is below min_terms \(5\)/],
    ['#task=arithmetic&digits=2&min_digits=3', /^Error: min_digits: 3 is above digits \(2\)/],
    ['#task=chain&num_generations=1', /^Error: num_generations: 1 is out of range; allowed: \[2, 64\]/],
    ['#task=chain&steps=abc', /^Error: steps: "abc" is not a number; allowed: \[1, 100000\]/],
    ['#task=chain&eval_size=2.5', /^Error: eval_size: 2.5 is not an integer/],
    ['#task=nope', /^Error: task: unknown "nope"; valid: arithmetic, chain, maze, bandit/],
    ['#task=maze&digits=2', /^Error: unknown URL field\(s\) digits/],
    ['#task=chain&model=huge', /^Error: model: unknown "huge"/],
    ['#task=chain&v0.preset=grpo&v1.preset=zzz', /^Error: v1.preset: unknown "zzz"/],
    ['#task=chain&v0.preset=grpo&v0.colour=red&v1.preset=rloo', /^Error: v0.colour: "red" is not a colour; allowed: #rrggbb/],
    ['#task=arithmetic&ops=add,div', /^Error: ops: unknown "div"/],
  ];
  for (const [hash, message] of cases) assert.throws(() => S.parse(hash, c), message, hash);
});

test('a wasm build without task_defaults falls back to the tables', () => {
  const c = { presets: PRESETS, defaults: S.fallbackDefaults() };
  const s = S.parse('#task=maze', c);
  assert.equal(s.taskKnobs.size, 5);
  assert.equal(s.model, 'default');
  assert.deepEqual(S.parse(S.serialize(s, c), c), s);
  const read = S.readTaskDefaults(JSON.stringify({ maze: catalog().defaults.maze }));
  assert.equal(read.maze.train.sft_steps, 300);
  assert.equal(read.chain.task.name, 'chain');
});
