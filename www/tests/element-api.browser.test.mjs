// <grpo-playground>'s scripting API, from the packed package on a plain host page: the
// declarations compile in a host's TypeScript (and refuse what the API does not take); two
// elements on one page are driven only through their methods, `ready`, `metrics`, events and
// attributes: step() advances one element by exactly one step, run() then pause() says so in
// order, reset() starts over, metrics cannot be changed, bad calls and bad attributes say what is
// valid, and the theme changes the colours (light and dark screenshots in a temporary folder).
// The README's TypeScript examples compile against the same declarations.
// Run: `node --test tests/element-api.browser.test.mjs` in www/ (www/pkg built).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostPage, installPackage, launch, open, serve, snippet as readSnippet, WWW } from './element-host.mjs';
import { load } from './support.mjs';

/** A host's TypeScript using the API; each @ts-expect-error is a use the declarations must refuse. */
const HOST_TS = `import 'grpo-playground';
import type { RunState, StepMetrics, VariantMetrics } from 'grpo-playground';

const el = document.querySelector('grpo-playground');
if (el) {
  el.addEventListener('step', (e) => {
    const reward: number = e.detail.metrics.reward_mean;
    const row: StepMetrics = e.detail.metrics;
    console.log(e.detail.variant, e.detail.step, reward, row.kl);
    // @ts-expect-error: no such metric
    console.log(e.detail.metrics.no_such_metric);
  });
  el.addEventListener('runstate', (e) => {
    const state: RunState = e.detail.state;
    console.log(state, e.detail.steps[0]);
  });
  el.addEventListener('checks', (e) => console.log(e.detail.lesson, e.detail.checks.map((c) => [c.passed, c.message])));
  el.addEventListener('error', (e) => console.log(e.detail.message, e.detail.field ?? 'none'));
  el.addEventListener('click', (e) => console.log(e.clientX));
  await el.ready;
  await el.run();
  await el.pause();
  await el.step();
  await el.reset();
  const metrics: readonly VariantMetrics[] = el.metrics;
  console.log(metrics[0]?.latest?.reward_mean, metrics[0]?.seeds[0]?.length);
  // @ts-expect-error: metrics is read-only
  el.metrics = [];
  // @ts-expect-error: step() takes no arguments
  await el.step(5);
}
const made = document.createElement('grpo-playground');
made.setAttribute('theme', 'dark');
export {};
`;

/** The ```ts block after `<!-- snippet: name -->` in the package's README, as a module of a host. */
const snippet = (name) => `import 'grpo-playground';\n${readSnippet(join(WWW, 'element/README.md'), 'ts', name)}export {};\n`;
const SNIPPETS = ['methods', 'scroll', 'text'];

const HOST_TSCONFIG = {
  compilerOptions: {
    target: 'es2022', module: 'esnext', moduleResolution: 'bundler', lib: ['ES2022', 'DOM'], types: [],
    strict: true, noEmit: true, skipLibCheck: false, exactOptionalPropertyTypes: true,
  },
  files: ['host.ts', ...SNIPPETS.map((name) => `${name}.ts`)],
};

/** Both elements: paused until told, long enough not to finish, on the CPU. */
const STATE = 'task=bandit&steps=5000&backend=cpu&v0.preset=grpo&v1.preset=rloo';
const BODY = `<script type="module" src="node_modules/grpo-playground/dist/grpo-playground.js"></script>
<grpo-playground id="a" state="${STATE}" controls="minimal" height="640"></grpo-playground>
<grpo-playground id="b" state="${STATE}&seed=7" controls="minimal" height="640"></grpo-playground>
<script type="module">
  // Every event of both elements, in order, as a host script hears them (they bubble to the document).
  window.heard = [];
  for (const type of ['step', 'runstate', 'checks', 'error']) {
    document.addEventListener(type, (e) => e instanceof CustomEvent && window.heard.push({ id: e.target.id, type, detail: e.detail }));
  }
  try {
    document.getElementById('a').step();
  } catch (e) {
    window.early = { name: e.name, message: e.message };
  }
</script>`;

let host;
let server;
let browser;

before(async () => {
  host = installPackage();
  server = await serve(host);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('the package\'s declarations type a host\'s use of the API (and the README\'s examples) and refuse what it does not take', () => {
  const dir = join(host, 'host-ts');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'host.ts'), HOST_TS);
  for (const name of SNIPPETS) writeFileSync(join(dir, `${name}.ts`), snippet(name));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(HOST_TSCONFIG));
  execFileSync(join(WWW, 'node_modules/.bin/tsc'), ['-p', dir], { stdio: 'pipe' });
  // Without its expectations of errors the same file fails: the declarations do refuse them.
  writeFileSync(join(dir, 'host.ts'), HOST_TS.replaceAll('// @ts-expect-error', '//'));
  const refused = (() => {
    try {
      execFileSync(join(WWW, 'node_modules/.bin/tsc'), ['-p', dir], { stdio: 'pipe' });
      return '';
    } catch (e) {
      return String(e.stdout);
    }
  })();
  assert.match(refused, /no_such_metric/);
  assert.match(refused, /Cannot assign to 'metrics' because it is a read-only property/);
  assert.match(refused, /Expected 0 arguments, but got 1/);
});

/** `heard` events of element `id` of `type`, in order. */
const heard = (page, id, type) => page.evaluate(([i, t]) => window.heard.filter((h) => h.id === i && h.type === t).map((h) => h.detail), [id, type]);
/** Per variant of element `id`, the last step every seed finished, from its `metrics`. */
const steps = (page, id) => page.evaluate((i) => document.getElementById(i).metrics.map((v) => v.step), id);
const untilHeard = (page, id, type, test) => page.waitForFunction(([i, t, f]) => window.heard.some((h) => h.id === i && h.type === t && new Function('d', `return ${f}`)(h.detail)),
  [id, type, test], { timeout: 90_000, polling: 100 });

test('two elements on one page, driven only through the API', { timeout: 300_000 }, async (t) => {
  writeFileSync(join(host, 'api.html'), hostPage(BODY));
  const { page, errors } = await open(browser, `${server.origin}/api.html`);
  await page.waitForFunction(() => window.heard !== undefined);

  // Called before it was ready: an error naming the method and what to do.
  assert.deepEqual(await page.evaluate(() => window.early), { name: 'Error', message: 'grpo-playground.step(): not ready yet; await el.ready first' });
  await page.evaluate(() => Promise.all(['a', 'b'].map((id) => document.getElementById(id).ready)));
  assert.deepEqual(await steps(page, 'a'), [0, 0], 'no autoplay: nothing trained yet');
  const first = await page.evaluate(() => document.getElementById('a').metrics.map(({ variant, preset, label, step, latest }) => ({ variant, preset, label, step, latest })));
  assert.deepEqual(first, [
    { variant: 0, preset: 'grpo', label: 'grpo', step: 0, latest: null },
    { variant: 1, preset: 'rloo', label: 'rloo', step: 0, latest: null },
  ]);

  // step() on a: every variant of a advances by exactly one step, b not at all.
  await page.evaluate(() => document.getElementById('a').step());
  await page.waitForFunction(() => document.getElementById('a').metrics.every((v) => v.step === 1), null, { timeout: 90_000, polling: 100 });
  const stepped = await heard(page, 'a', 'step');
  assert.deepEqual(stepped.map((d) => [d.variant, d.step]).sort(), [[0, 1], [1, 1]], 'one step event per variant');
  const metrics = await page.evaluate(() => document.getElementById('a').metrics);
  for (const d of stepped) assert.deepEqual(d.metrics, metrics[d.variant].latest, 'the event carries the metrics that metrics shows');
  assert.equal(metrics[0].latest.step, 1);
  assert.equal(typeof metrics[0].latest.reward_mean, 'number');
  // The workers answer a step with one step: nothing more arrives while a waits.
  await page.waitForTimeout(1500);
  assert.deepEqual(await steps(page, 'a'), [1, 1], 'a stepped once');
  assert.deepEqual(await steps(page, 'b'), [0, 0], 'b did not step');
  assert.deepEqual(await heard(page, 'b', 'step'), []);

  // run() then pause() on b: runstate running, then paused, in that order; a does not move.
  const before = (await heard(page, 'b', 'runstate')).length;
  await page.evaluate(() => document.getElementById('b').run());
  await page.waitForFunction(() => document.getElementById('b').metrics.every((v) => v.step >= 3), null, { timeout: 90_000, polling: 100 });
  await page.evaluate(() => document.getElementById('b').pause());
  await untilHeard(page, 'b', 'runstate', "d.state === 'paused'");
  const states = (await heard(page, 'b', 'runstate')).slice(before);
  assert.deepEqual(states.map((d) => d.state), ['running', 'paused']);
  const held = await steps(page, 'b');
  assert.deepEqual(states[1].steps, held, 'paused: the steps it stopped at');
  // One step event per variant and step, in order: no repeats, no gaps.
  const bSteps = await heard(page, 'b', 'step');
  for (const v of [0, 1]) {
    const announced = bSteps.filter((d) => d.variant === v).map((d) => d.step);
    assert.deepEqual(announced, Array.from({ length: held[v] }, (_, k) => k + 1), `variant ${v}: steps 1..${held[v]}, once each`);
  }
  assert.deepEqual(await steps(page, 'a'), [1, 1], 'a stayed at its one step');

  // reset() on a: fresh runs, steps back to 0, runstate reset.
  await page.evaluate(() => document.getElementById('a').reset());
  await untilHeard(page, 'a', 'runstate', "d.state === 'reset' && d.steps.every((s) => s === 0)");
  assert.deepEqual(await steps(page, 'a'), [0, 0]);
  assert.deepEqual(await steps(page, 'b'), held, 'b kept its runs');

  // metrics is a frozen snapshot: no assignment, no mutation, nothing changed.
  const readOnly = await page.evaluate(() => {
    // As a host's module script runs: in strict mode, where a refused write throws.
    'use strict';
    const b = document.getElementById('b');
    const m = b.metrics;
    const tries = [() => { b.metrics = []; }, () => { m[0].step = 99; }, () => { m[0].seeds[0][0].reward_mean = 99; }, () => { m.push(m[0]); }];
    return {
      thrown: tries.map((f) => { try { f(); return null; } catch (e) { return e.name; } }),
      frozen: [Object.isFrozen(m), Object.isFrozen(m[0].seeds[0][0])],
      after: [b.metrics.length, b.metrics[0].step, b.metrics[0].seeds[0][0].reward_mean === m[0].seeds[0][0].reward_mean],
    };
  });
  assert.deepEqual(readOnly.thrown, ['TypeError', 'TypeError', 'TypeError', 'TypeError']);
  assert.deepEqual(readOnly.frozen, [true, true]);
  assert.deepEqual(readOnly.after, [2, held[0], true]);

  // A method with an argument it does not take: a TypeError naming it and what is valid.
  for (const method of ['run', 'pause', 'step', 'reset']) {
    const thrown = await page.evaluate((name) => { try { document.getElementById('b')[name]({ fast: true }); return null; } catch (e) { return [e.name, e.message]; } }, method);
    assert.deepEqual(thrown, ['TypeError', `grpo-playground.${method}(): takes no arguments, got 1; call el.${method}()`]);
  }
  assert.deepEqual(await steps(page, 'b'), held, 'the refused calls did nothing');

  // Bad attributes: an error event naming the attribute and what is valid.
  const presets = await page.evaluate(() => document.getElementById('b').playground.catalog.presets.map((p) => p.name));
  await page.evaluate(() => document.getElementById('b').setAttribute('state', 'task=bandit&v0.preset=nope&v1.preset=grpo'));
  await untilHeard(page, 'b', 'error', "d.field === 'state'");
  assert.deepEqual((await heard(page, 'b', 'error')).at(-1), { message: `v0.preset: unknown "nope"; valid: ${presets.join(', ')}`, field: 'state', variant: null });
  await page.evaluate(() => document.getElementById('b').setAttribute('theme', 'purple'));
  assert.deepEqual((await heard(page, 'b', 'error')).at(-1), { message: 'theme: unknown "purple"; valid: light, dark, auto', field: 'theme', variant: null });

  // The theme and the custom properties change the colours inside.
  const colours = (id) => page.evaluate((i) => {
    const app = document.getElementById(i).shadowRoot.querySelector('.app');
    const status = app.querySelector('[data-testid="status"]');
    return { bg: getComputedStyle(app).backgroundColor, fg: getComputedStyle(app).color, muted: getComputedStyle(status).color, font: getComputedStyle(app).fontFamily };
  }, id);
  const light = await colours('a');
  assert.deepEqual([light.bg, light.fg], ['rgb(246, 247, 249)', 'rgb(29, 35, 42)']);
  await page.evaluate(() => document.getElementById('a').setAttribute('theme', 'dark'));
  const dark = await colours('a');
  assert.deepEqual([dark.bg, dark.fg], ['rgb(21, 25, 30)', 'rgb(228, 232, 236)']);
  await page.evaluate(() => document.getElementById('b').setAttribute('theme', 'auto'));
  assert.equal((await colours('b')).bg, light.bg, 'auto follows a light preference');
  await page.emulateMedia({ colorScheme: 'dark' });
  assert.equal((await colours('b')).bg, dark.bg, 'auto follows a dark preference');
  await page.evaluate(() => {
    const b = document.getElementById('b').style;
    b.setProperty('--grpo-bg', 'rgb(1, 2, 3)');
    b.setProperty('--grpo-muted', 'rgb(4, 5, 6)');
    b.setProperty('--grpo-font', 'monospace');
  });
  assert.deepEqual(await colours('b'), { bg: 'rgb(1, 2, 3)', fg: dark.fg, muted: 'rgb(4, 5, 6)', font: 'monospace' }, 'the host page\'s values win over the theme');

  // Screenshots: both themes after a few steps (the charts' axes follow the theme as they draw).
  await page.evaluate(() => {
    const b = document.getElementById('b');
    b.style.cssText = '';
    b.setAttribute('theme', 'light');
  });
  await page.evaluate(() => Promise.all(['a', 'b'].map((id) => document.getElementById(id).run())));
  await page.waitForFunction(() => document.getElementById('a').metrics.every((v) => v.step >= 15), null, { timeout: 90_000, polling: 250 });
  await page.evaluate(() => Promise.all(['a', 'b'].map((id) => document.getElementById(id).pause())));
  const shots = mkdtempSync(join(tmpdir(), 'grpo-shot-'));
  t.diagnostic(`screenshots: ${shots}`);
  await page.locator('#a').screenshot({ path: join(shots, 'element-dark.png') });
  await page.locator('#b').screenshot({ path: join(shots, 'element-light.png') });

  assert.deepEqual(errors, []);
  await page.close();
});

test('a lesson through the API: run() refused until its question is answered, then checks events in the panel\'s words', { timeout: 300_000 }, async () => {
  const { PROGRESS_KEY, writeProgress } = await load('/src/lessons.ts');
  writeFileSync(join(host, 'lesson.html'), hostPage(`<script type="module" src="node_modules/grpo-playground/dist/grpo-playground.js"></script>
<grpo-playground id="probe" state="task=bandit&backend=cpu" controls="none"></grpo-playground>`));
  const { page, errors } = await open(browser, `${server.origin}/lesson.html`);
  await page.waitForFunction(() => document.getElementById('probe')?.ready !== undefined);
  await page.evaluate(() => document.getElementById('probe').ready);
  const lessons = await page.evaluate(() => document.getElementById('probe').playground.catalog.lessons.map((l) => ({ id: l.id, questions: l.predict.length, checks: l.observe.length })));
  assert.ok(lessons.length >= 2, 'two lessons to tell apart');
  const [answered, unanswered] = lessons;
  // This reader answered the first lesson's questions earlier (the page keeps them in localStorage).
  const progress = writeProgress({ [answered.id]: { answers: Array.from({ length: answered.questions }, () => 0), completed: false } });
  await page.evaluate(([key, value]) => localStorage.setItem(key, value), [PROGRESS_KEY, progress]);
  await page.evaluate(([a, u]) => {
    window.heard = [];
    for (const type of ['checks', 'error']) document.addEventListener(type, (e) => window.heard.push({ id: e.target.id, type, detail: e.detail }));
    document.body.insertAdjacentHTML('beforeend', `<grpo-playground id="answered" lesson="${a}" state="backend=cpu" controls="minimal"></grpo-playground>
<grpo-playground id="unanswered" lesson="${u}" state="backend=cpu" controls="minimal"></grpo-playground>`);
  }, [answered.id, unanswered.id]);
  await page.evaluate(() => Promise.all(['answered', 'unanswered'].map((id) => document.getElementById(id).ready)));

  const refused = await page.evaluate(() => document.getElementById('unanswered').run().then(() => null, (e) => e.message));
  assert.equal(refused, 'grpo-playground.run(): the lesson asks for a prediction first: answer its question, then run');
  assert.deepEqual((await heard(page, 'unanswered', 'error')).at(-1),
    { message: 'the lesson asks for a prediction first: answer its question, then run', field: null, variant: null });

  await page.evaluate(() => document.getElementById('answered').run());
  await untilHeard(page, 'answered', 'checks', 'true');
  const { detail, lines } = await page.evaluate(() => {
    const el = document.getElementById('answered');
    const checks = window.heard.filter((h) => h.id === 'answered' && h.type === 'checks');
    return { detail: checks.at(-1).detail, lines: [...el.shadowRoot.querySelectorAll('.check .line')].map((l) => l.textContent) };
  });
  await page.evaluate(() => document.getElementById('answered').pause());
  assert.equal(detail.lesson, answered.id);
  assert.equal(detail.checks.length, answered.checks);
  assert.deepEqual(detail.checks.map((c) => c.index), Array.from({ length: answered.checks }, (_, k) => k));
  for (const c of detail.checks) {
    assert.ok(['held', 'failed', 'pending'].includes(c.state), c.state);
    assert.equal(c.passed, c.state === 'held');
  }
  assert.deepEqual(detail.checks.map((c) => c.message), lines, 'the event says what the lesson panel says');
  assert.equal(typeof detail.held, 'boolean');
  assert.deepEqual(errors, []);
  await page.close();
});
