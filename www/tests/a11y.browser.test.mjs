// The accessibility audit: axe-core (WCAG 2.0 / 2.1, A and AA) on the default page, a running
// comparison, a lesson (its question shown, then its checks shown), the step inspector open, and a
// host page with <grpo-playground> (axe looks into its shadow root). A serious or critical
// violation fails the test, printed with its rule, help and targets; moderate and minor ones are
// printed as diagnostics. Also the live region: run state and check results are announced, only
// when they change. Built page (www/dist) and element (www/element/dist, built in `before`).
// Run: `node --test tests/a11y.browser.test.mjs` in www/.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { audit, buildElement, describe, open, ready, serve, start } from './a11y-support.mjs';

let ORIGIN;

before(async () => {
  buildElement();
  ORIGIN = await start(4179);
});

/** Bandit, tiny model, two variants: a step takes a few ms on the CPU. */
const bandit = (steps) => `#task=bandit&arms=8&model=tiny&num_generations=8&prompts_per_step=4&learning_rate=0.01`
  + `&max_completion_length=1&sft_steps=0&steps=${steps}&seeds=1&seed=0&backend=cpu`
  + '&v0.preset=grpo&v0.label=grpo&v0.colour=%231f77b4&v1.preset=rloo&v1.label=rloo&v1.colour=%23d62728';

/** Audits `page` as `where`: fails on a serious or critical violation, reports the rest. */
async function passes(t, page, where) {
  const found = await audit(page);
  const severe = found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of found.filter((x) => !severe.includes(x))) t.diagnostic(`${where}: ${describe(v)}`);
  assert.deepEqual(severe.map(describe), [], `${where}: serious or critical violations`);
}

const stepOf = (page, n) => page.getAttribute(`[data-testid="variant-${n}"]`, 'data-step').then(Number);

test('axe: the default page, a running comparison and the step inspector open have no serious or critical violation', { timeout: 150_000 }, async (t) => {
  const { page, errors } = await open(`${ORIGIN}/`);
  await ready(page);
  await passes(t, page, 'the default page');

  await page.goto(`${ORIGIN}/${bandit(100000)}`);
  await ready(page);
  await page.click('[data-testid="run"]');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="variant-1"]').dataset.step) >= 3, null, { timeout: 60_000 });
  await passes(t, page, 'a running comparison');
  assert.ok((await stepOf(page, 0)) > 0, 'still running');

  await page.click('[data-testid="inspector"] > summary');
  await page.waitForSelector('.inspect-table .tok', { timeout: 30_000 });
  await passes(t, page, 'the step inspector');
  await page.click('[data-testid="pause"]');
  assert.deepEqual(errors, []);
});

test('axe: a lesson with its question shown, then with its checks shown, has no serious or critical violation', { timeout: 150_000 }, async (t) => {
  const { page, errors } = await open(`${ORIGIN}/#lesson=kl-beta&sft_steps=10&steps=6&eval_every=3&seeds=2&backend=cpu`);
  await ready(page);
  await passes(t, page, 'a lesson, its question shown');
  await page.click('[data-testid="question-0"] [data-choice="0"]');
  await page.click('[data-testid="lesson-run"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="lesson-panel"]').dataset.done === 'true'
    && [...document.querySelectorAll('[data-testid^="check-"]')].every((r) => r.dataset.checkState !== 'pending'), null, { timeout: 120_000, polling: 250 });
  await passes(t, page, 'a lesson, its checks shown');
  assert.deepEqual(errors, []);
});

test('axe: a host page with <grpo-playground> has no serious or critical violation, inside the shadow root included', { timeout: 120_000 }, async (t) => {
  serve('/host.html', `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A course page</title><link rel="icon" href="data:,">
<script type="module" src="/element/grpo-playground.js"></script></head>
<body><main><h1>A course page</h1>
<grpo-playground state="${bandit(100000).slice(1)}"></grpo-playground>
</main></body></html>`);
  const { page, errors } = await open(`${ORIGIN}/host.html`);
  await page.waitForFunction(() => document.querySelector('grpo-playground')?.playground !== undefined, null, { timeout: 60_000 });
  await page.waitForFunction(() => /^ready/.test(document.querySelector('grpo-playground').shadowRoot.querySelector('[data-testid="status"]')?.textContent ?? ''), null, { timeout: 60_000 });
  assert.ok(await page.evaluate(() => document.querySelector('grpo-playground').shadowRoot.querySelectorAll('button').length > 5), 'the app is inside the shadow root');
  await passes(t, page, 'the element');
  assert.deepEqual(errors, []);
});

test('live regions: the runs\' state is announced as it changes and a lesson\'s checks once they finish, not every step', { timeout: 150_000 }, async () => {
  // Not kl-beta: the browser keeps the answer given in the test above.
  const { page, errors } = await open(`${ORIGIN}/#lesson=clip-higher&sft_steps=10&steps=24&eval_every=8&seeds=2&backend=cpu`);
  await ready(page);
  for (const region of ['announce-run', 'announce-checks']) {
    assert.deepEqual(await page.$eval(`[data-testid="${region}"]`, (e) => [e.getAttribute('role'), e.getAttribute('aria-live')]), ['status', 'polite'], region);
  }
  // Every text each region says, and every distinct status line, from here on.
  await page.evaluate(() => {
    const heard = { run: [], checks: [], status: new Set() };
    window.__heard = heard;
    const watch = (selector, take) => {
      const e = document.querySelector(selector);
      new MutationObserver(() => take(e.textContent)).observe(e, { childList: true, characterData: true, subtree: true });
    };
    watch('[data-testid="announce-run"]', (t) => heard.run.push(t));
    watch('[data-testid="announce-checks"]', (t) => heard.checks.push(t));
    watch('[data-testid="status"]', (t) => heard.status.add(t));
  });
  await page.click('[data-testid="question-0"] [data-choice="0"]');
  await page.click('[data-testid="lesson-run"]');
  await page.waitForFunction(() => window.__heard.checks.length > 0 && window.__heard.run.at(-1)?.startsWith('Finished'), null, { timeout: 120_000, polling: 250 });
  const heard = await page.evaluate(() => ({ ...window.__heard, status: window.__heard.status.size }));
  assert.ok(heard.status >= 30, `the status line counted the steps (${heard.status} texts)`);
  assert.deepEqual(heard.run, ['Ready: press Run.', 'Training 4 runs.', 'Finished: 10 warm-up + 24 RL steps.'], 'answered, training, finished: once each');
  assert.equal(heard.checks.length, 1, `the checks are said once: ${JSON.stringify(heard.checks)}`);
  const verdict = await page.textContent('[data-testid="lesson-verdict"]');
  const lines = await page.$$eval('[data-testid^="check-"] .line', (rows) => rows.map((r) => r.textContent));
  assert.ok(lines.length > 0 && heard.checks[0].startsWith(verdict), heard.checks[0]);
  for (const line of lines) assert.match(heard.checks[0], new RegExp(`(Held|Did not hold): ${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.`));
  assert.deepEqual(errors, []);
});
