// Seeded fuzzing of what the page reads from outside: URL hash states (src/url.ts `parse`), the
// lessons document (src/lessons.ts `readLessons`, then `lessonState`), stored lesson progress
// (`readProgress`) and checkpoint bytes (the wasm's `Session.load`). Whatever comes in, nothing
// throws but a plain Error that names the field and what is valid, in a message of bounded
// length; what is accepted round-trips, stays within the page's bounds, and Rust either accepts
// it or names the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { catalog, load, pageState, rustSchema, seeded } from './support.mjs';

const S = await pageState();
const L = await load('/src/lessons.ts');
const c = await catalog();
const rust = await rustSchema();

const pick = (rand, items) => items[Math.floor(rand() * items.length)];
const HOSTILE = [
  '', ' ', 'NaN', 'Infinity', '-Infinity', '1e309', '-1', '-0', '0x10', '1_0', '2.5', '9007199254740993',
  'true', 'null', '[]', '{}', '[1]', '{"__proto__":{"polluted":1}}', '{"constructor":{}}', 'add,add', 'add,,sub',
  '<img src=x onerror=window.__pwned=1>', '<script>window.__pwned=1</script>', 'red;background:url(x)',
  '#12345', '#1234567', '#GGGGGG', 'javascript:alert(1)', '\u0000', '\u202e', '%', '%zz', '&', '=', '#',
  '{"fraction_of_max":2}', '{"epsilon":1e999}', '{"num_generations":0}', 'grpo', 'maze', 'cpu', 'tiny',
];
const KNOB_KEYS = [...new Set([...Object.values(c.taskKnobs).flat(), ...c.train].map((s) => s.key))];
const PAGE_KEYS = ['task', 'lesson', 'model', 'seeds', 'seed', 'backend'];
const VARIANT_KEYS = ['preset', 'label', 'colour', 'overrides', 'train'];

function hostile(rand) {
  const r = rand();
  if (r < 0.05) return 'x'.repeat(1 + Math.floor(rand() * 200_000));
  if (r < 0.1) return String(Math.floor(rand() * 1e6) * (rand() < 0.5 ? -1 : 1));
  if (r < 0.15) return String(rand() * 10 ** Math.floor(rand() * 40 - 20));
  if (r < 0.2) return pick(rand, c.presets).name;
  return pick(rand, HOSTILE);
}

function field(rand) {
  const r = rand();
  if (r < 0.3) return pick(rand, KNOB_KEYS);
  if (r < 0.45) return pick(rand, PAGE_KEYS);
  if (r < 0.85) return `v${Math.floor(rand() * 8)}.${pick(rand, VARIANT_KEYS)}`;
  return pick(rand, ['x', 'v0', 'v.preset', 'v-1.preset', 'V0.preset', 'constructor', '__proto__', hostile(rand)]);
}

/** A valid link (a random task and pair of presets, or a lesson), mutated one to four times. */
function hostileHash(rand) {
  const task = pick(rand, c.tasks);
  const s = S.defaultState(c, task);
  s.variants = [S.newVariant(pick(rand, c.presets).name, 0), S.newVariant(pick(rand, c.presets).name, 1)];
  const base = rand() < 0.2 && c.lessons.length > 0 ? `#lesson=${pick(rand, c.lessons).id}` : S.serialize(s, c);
  const p = new URLSearchParams(base.slice(1));
  for (let k = 1 + Math.floor(rand() * 4); k > 0; k--) {
    const r = rand();
    if (r < 0.5) p.set(field(rand), hostile(rand));
    else if (r < 0.6) p.append(field(rand), hostile(rand));
    else if (r < 0.7) p.delete(pick(rand, [...p.keys()]) ?? 'task');
    else if (r < 0.8) {
      // Many variants: thousands in a link must cost no more than seven.
      const n = Math.floor(rand() * 5000);
      for (let i = 0; i < n; i++) p.set(`v${i}.preset`, 'grpo');
    } else if (r < 0.9) p.set(`v${Math.floor(rand() * 2)}.label`, hostile(rand));
    else p.set(`v${Math.floor(rand() * 2)}.colour`, hostile(rand));
  }
  return `#${p.toString()}`;
}

/** Random text that only sometimes looks like a query string. */
function junkHash(rand) {
  const alphabet = 'av0.=&#%{}[]",:;<>/\\ \u00e9\u0000-_1234567890abcdefxyz';
  let out = rand() < 0.5 ? '#' : '';
  for (let n = Math.floor(rand() * 60); n > 0; n--) out += alphabet[Math.floor(rand() * alphabet.length)];
  return out;
}

const FIELD = new RegExp(`^(${[...PAGE_KEYS, ...KNOB_KEYS, 'variants', 'unknown URL field', 'v\\d+\\.(preset|label|colour|overrides|train)', 'lesson [^:]+: setup']
  .join('|')})\\b`);

/** A plain Error naming the field and what is valid, in a bounded message. */
function assertNamed(e, input) {
  const shown = input.slice(0, 300);
  assert.ok(e instanceof Error && e.name === 'Error', `threw ${e?.name}: ${e?.message ?? e} on ${shown}`);
  assert.match(e.message, FIELD, `names no field: ${shown}`);
  assert.match(e.message, /valid|allowed/, `says nothing of what is valid: ${e.message}`);
  assert.ok(e.message.length < 3000, `a ${e.message.length}-character message on ${shown}`);
}

const RUST_FIELD = /^(task|model|algo|train|seed|backend)[.:]/;

/** An accepted state: within the page's bounds, the same after a round trip, and Rust accepts it or names the field. */
function assertSound(state, hash) {
  assert.ok(state.variants.length >= S.MIN_VARIANTS && state.variants.length <= S.MAX_VARIANTS, hash);
  for (const v of state.variants) {
    assert.ok(v.label.length <= S.MAX_LABEL, `label of ${v.label.length} characters from ${hash.slice(0, 300)}`);
    assert.match(v.colour, /^#[0-9a-fA-F]{6}$/, hash);
  }
  assert.deepEqual(S.parse(S.serialize(state, c), c), state, hash);
  if (rust.validate) {
    state.variants.forEach((_, i) => {
      const problem = rust.validate(JSON.stringify(S.toRunConfig(state, i, 0, c)));
      assert.ok(problem === '' || RUST_FIELD.test(problem), `Rust: ${problem} on ${hash}`);
    });
  }
}

test('thousands of hostile and random URL states are refused naming the field and what is valid, or sound', () => {
  const rand = seeded(21);
  let accepted = 0;
  let slowest = 0;
  for (let n = 0; n < 3000; n++) {
    const hash = n % 5 === 4 ? junkHash(rand) : hostileHash(rand);
    let state;
    const started = performance.now();
    try {
      state = S.parse(hash, c);
    } catch (e) {
      assertNamed(e, hash);
      continue;
    } finally {
      slowest = Math.max(slowest, performance.now() - started);
    }
    accepted++;
    assertSound(state, hash);
  }
  assert.ok(accepted > 100, `${accepted} accepted`);
  assert.ok(slowest < 1000, `bounded: the slowest link took ${slowest.toFixed(0)} ms to read`);
});

test('the regressions the URL fuzzer found', () => {
  const pair = '&v0.preset=grpo&v1.preset=rloo';
  const message = (hash) => {
    try {
      S.parse(hash, c);
    } catch (e) {
      return e.message;
    }
    return '';
  };
  // Thousands of variants stop at the first one too many.
  const many = Array.from({ length: 5000 }, (_, i) => `v${i}.preset=grpo`).join('&');
  const started = Date.now();
  assert.equal(message(`#task=bandit&${many}`), `variants: more than ${S.MAX_VARIANTS} given; valid: ${S.MIN_VARIANTS} to ${S.MAX_VARIANTS}`);
  assert.ok(Date.now() - started < 1000, 'read in bounded time');
  // A label is bounded; markup in it is text.
  assert.equal(message(`#task=bandit${pair}&v0.label=${'x'.repeat(S.MAX_LABEL + 1)}`), `v0.label: ${S.MAX_LABEL + 1} characters; allowed: at most ${S.MAX_LABEL}`);
  const markup = '<img src=x onerror=alert(1)>';
  assert.equal(S.parse(`#task=bandit${pair}&v0.label=${encodeURIComponent(markup)}`, c).variants[0].label, markup);
  // CSS in a colour is refused.
  assert.match(message(`#task=bandit${pair}&v0.colour=${encodeURIComponent('red;background:url(x)')}`), /^v0\.colour: "red;background:url\(x\)" is not a colour; allowed: #rrggbb/);
  // A huge value is quoted cut.
  const huge = message(`#task=bandit${pair}&v0.overrides=${'{'.repeat(100_000)}`);
  assert.ok(huge.startsWith('v0.overrides: not JSON: "{{{') && huge.length < 300, huge.slice(0, 300));
  const unknown = message(`#task=bandit${pair}&${Array.from({ length: 1000 }, (_, i) => `junk${i}=1`).join('&')}`);
  assert.ok(unknown.startsWith('unknown URL field(s) junk0, junk1, junk2, junk3, junk4 and 995 more; valid: task,'), unknown.slice(0, 300));
});

/** Every path of a JSON tree (object keys and array indices). */
function paths(value, prefix = [], out = []) {
  if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      out.push([...prefix, key]);
      paths(value[key], [...prefix, key], out);
    }
  }
  return out;
}

function hostileJson(rand) {
  const r = rand();
  if (r < 0.15) return null;
  if (r < 0.3) return rand() < 0.5 ? -1 : 1e308;
  if (r < 0.4) return rand() < 0.5;
  if (r < 0.5) return [];
  if (r < 0.6) return {};
  if (r < 0.65) return Array.from({ length: 10_000 }, () => 0);
  if (r < 0.7) return JSON.parse(`${'['.repeat(500)}${']'.repeat(500)}`);
  return hostile(rand);
}

test('mutated lesson documents are refused naming the lesson and field, or give states', { skip: !rust.validate && 'needs the built wasm\'s lessons' }, () => {
  const rand = seeded(22);
  const real = JSON.parse(rust.lessons);
  assert.ok(real.length > 0, 'the build has lessons');
  let accepted = 0;
  for (let n = 0; n < 1500; n++) {
    let text;
    if (n % 10 === 9) text = JSON.stringify(real).slice(0, Math.floor(rand() * 2000));
    else {
      const doc = structuredClone(real);
      for (let k = 1 + Math.floor(rand() * 3); k > 0; k--) {
        const path = pick(rand, paths(doc));
        const parent = path.slice(0, -1).reduce((o, key) => o[key], doc);
        const key = path[path.length - 1];
        if (rand() < 0.2 && !Array.isArray(parent)) delete parent[key];
        else parent[key] = hostileJson(rand);
      }
      text = JSON.stringify(doc);
    }
    let lessons;
    try {
      lessons = L.readLessons(text);
    } catch (e) {
      assert.ok(e instanceof Error && e.name === 'Error', `threw ${e?.name}: ${e?.message}`);
      assert.match(e.message, /^lessons: (document|\[\d+\]|[\w-]+(\.[\w[\]]+)*): /, e.message);
      assert.ok(e.message.length < 3000);
      continue;
    }
    const withThem = { ...c, lessons };
    for (const lesson of lessons) {
      try {
        assertSound(S.lessonState(lesson, withThem), `lesson ${lesson.id}`);
        accepted++;
      } catch (e) {
        assert.ok(e instanceof Error && e.name === 'Error', `threw ${e?.name}: ${e?.message}`);
        assert.match(e.message, /^lesson( .+: setup(\.[\w[\]]+)+:?|: unknown) /, e.message);
      }
    }
  }
  assert.ok(accepted > 100, `${accepted} lesson states`);
});

test('stored progress of any shape is read without throwing, keeping only well-formed entries', () => {
  const rand = seeded(23);
  const good = L.writeProgress({ a: { answers: [0, null, 2], completed: true }, b: { answers: [], completed: false } });
  for (let n = 0; n < 2000; n++) {
    let text;
    if (n % 3 === 0) text = junkHash(rand);
    else {
      const doc = JSON.parse(good);
      const path = pick(rand, paths(doc));
      const parent = path.slice(0, -1).reduce((o, key) => o[key], doc);
      parent[path[path.length - 1]] = hostileJson(rand);
      text = JSON.stringify(doc);
    }
    const progress = L.readProgress(text);
    for (const entry of Object.values(progress)) {
      assert.equal(typeof entry.completed, 'boolean');
      assert.ok(entry.answers.every((a) => a === null || (Number.isInteger(a) && a >= 0)), text);
    }
  }
});

test('Session.load refuses cut and corrupted checkpoint bytes with a readable message', { skip: !rust.validate && 'needs the built wasm' }, async () => {
  const pkg = await import(new URL('../pkg/grpo_playground.js', import.meta.url).href);
  const config = { task: { name: 'bandit' }, model: { d_model: 16, n_layers: 1, n_heads: 2 }, algo: { preset: 'grpo', beta: 0.04 }, train: { sft_steps: 1 } };
  const session = await pkg.Session.create(JSON.stringify(config), 'cpu');
  for (let i = 0; i < 3; i++) await session.step();
  const bytes = await session.save();
  const again = await pkg.Session.load(bytes, 'cpu');
  assert.equal(again.steps_done(), 3, 'the intact bytes load');
  const rand = seeded(24);
  const refusal = async (bad, what) => {
    try {
      await pkg.Session.load(bad, 'cpu');
    } catch (e) {
      assert.ok(e instanceof Error, `${what}: threw ${e}`);
      assert.match(e.message, /^checkpoint: (truncated checkpoint|corrupt checkpoint|not a grpo-playground checkpoint|checkpoint format)/, `${what}: ${e.message}`);
      return;
    }
    assert.fail(`${what} loaded`);
  };
  for (let n = 0; n < 40; n++) {
    const cut = Math.floor(rand() * bytes.length);
    await refusal(bytes.slice(0, cut), `cut to ${cut}`);
    const flipped = bytes.slice();
    const at = Math.floor(rand() * bytes.length);
    flipped[at] ^= 1 + Math.floor(rand() * 255);
    await refusal(flipped, `byte ${at} flipped`);
  }
  await refusal(new Uint8Array(0), 'no bytes');
  await refusal(new TextEncoder().encode('{"not": "a checkpoint"}'), 'JSON');
  assert.equal((await pkg.Session.load(bytes, 'cpu')).steps_done(), 3, 'the module still works after the refusals');
});
