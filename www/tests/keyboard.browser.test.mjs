// The whole lesson flow from the keyboard alone, in headless Chromium against the built page
// (www/dist): key presses only (Tab, Shift+Tab, Enter, arrow keys, Escape, digits typed into a
// knob; no click, fill or state-changing evaluate), asserting at every stop which control has the
// focus and that it shows a focus ring. Run: `node --test tests/keyboard.browser.test.mjs` in www/.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { open, ready, start } from './a11y-support.mjs';

let ORIGIN;

before(async () => {
  ORIGIN = await start(4180);
});

/**
 * The focused control (inside shadow roots too), read without changing anything: its test id (or
 * its nearest ancestor's), knob, choice, tag, words, and whether it shows a focus ring — it
 * matches :focus-visible and draws an outline or a box shadow (which no control here has unfocused).
 */
const focused = (page) => page.evaluate(() => {
  let e = document.activeElement;
  while (e?.shadowRoot?.activeElement) e = e.shadowRoot.activeElement;
  if (!e || e === document.body) return null;
  const s = getComputedStyle(e);
  return {
    tag: e.tagName.toLowerCase(),
    testid: e.dataset.testid ?? e.closest('[data-testid]')?.dataset.testid ?? '',
    own: e.dataset.testid ?? '',
    knob: e.dataset.knob ?? '',
    choice: e.dataset.choice ?? '',
    token: e.classList.contains('tok'),
    words: (e.getAttribute('aria-label') ?? e.textContent ?? '').trim().slice(0, 50),
    ring: e.matches(':focus-visible') && ((s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none'),
  };
});

/** Presses `key` and returns the newly focused control, which must show its focus ring. */
async function press(page, key) {
  await page.keyboard.press(key);
  const now = await focused(page);
  assert.ok(now, `after ${key} nothing has the focus`);
  assert.ok(now.ring, `after ${key}, ${JSON.stringify(now)} shows no focus ring`);
  return now;
}

/** Presses `key` (Tab) until `wanted(focused)`, at most `most` times; each stop shows its ring. */
async function until(page, wanted, what, most = 80, key = 'Tab') {
  const stops = [];
  for (let k = 0; k < most; k++) {
    const now = await press(page, key);
    if (wanted(now)) return now;
    stops.push(now.words || now.testid || now.tag);
  }
  assert.fail(`${most} × ${key} never reached ${what}; stops: ${stops.join(' | ')}`);
}

test('keyboard only: pick a lesson, answer, Run, read the checks, open and close the inspector — focus visible at every stop', { timeout: 240_000 }, async () => {
  const { page, errors } = await open(`${ORIGIN}/`);
  await ready(page);

  // Run is the first Tab stop.
  assert.equal((await press(page, 'Tab')).own, 'run');

  // The lesson menu: ArrowDown picks the first lesson; the focus stays on the menu while it loads.
  await until(page, (f) => f.own === 'lessons', 'the lesson menu', 10);
  await page.keyboard.press('ArrowDown');
  const first = await page.evaluate(() => window.__playground.catalog.lessons[0]);
  await page.waitForFunction((title) => document.querySelector('[data-testid="lesson-panel"] h2')?.textContent === title, first.title, { timeout: 30_000 });
  await ready(page);
  assert.equal((await focused(page)).own, 'lessons', 'the menu keeps the focus');

  // Shorter runs, typed into the trainer knobs (the checks read the runs made).
  const typed = new Map([['sft_steps', '10'], ['steps', '8'], ['seeds', '1']]);
  while (typed.size > 0) {
    const at = await until(page, (f) => typed.has(f.knob), [...typed.keys()].join(', '));
    await page.keyboard.press('Control+A');
    await page.keyboard.type(typed.get(at.knob));
    typed.delete(at.knob);
  }
  await press(page, 'Tab');
  assert.deepEqual(await page.evaluate(() => {
    const { train, seeds } = window.__playground.state;
    return [train.sft_steps, train.steps, seeds];
  }), [10, 8, 1]);

  // Answer: the focus goes to why the answer is right or not, then Tab reaches the lesson's Run.
  const choice = await until(page, (f) => f.choice !== '', 'an answer of the lesson\'s question');
  assert.equal(choice.testid, 'question-0');
  await page.keyboard.press('Enter');
  const why = await focused(page);
  assert.equal(why?.own, 'why-0', `the answer's why has the focus: ${JSON.stringify(why)}`);
  assert.ok(why.ring, 'and shows it');
  assert.match(why.words, /^(Right|Not quite)/);
  assert.equal((await until(page, (f) => f.own === 'lesson-run', 'the lesson\'s Run', 5)).words, 'Run the lesson');

  // Run; the panel re-draws as the runs start and finish, and the focus stays on its Run.
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('[data-testid="lesson-panel"]').dataset.done === 'true'
    && [...document.querySelectorAll('[data-testid^="check-"]')].every((r) => r.dataset.checkState !== 'pending'), null, { timeout: 180_000, polling: 250 });
  const after = await focused(page);
  assert.equal(after?.own, 'lesson-run', `the lesson's Run kept the focus: ${JSON.stringify(after)}`);
  assert.equal(after.words, 'Run it again');
  const checks = await page.$$eval('[data-testid^="check-"]', (rows) => rows.map((r) => r.textContent));
  for (const c of checks) assert.match(c, /^[✓✗].+ on 1 of 1 seed \(/, c);

  // The inspector: Tab to its summary, Enter opens it, Tab into it and to a token, Escape closes it.
  await until(page, (f) => f.tag === 'summary' && f.testid === 'inspector', 'the step inspector');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid="inspector"][open] .inspect-table .tok', { timeout: 30_000 });
  assert.equal((await focused(page)).tag, 'summary');
  assert.equal((await press(page, 'Tab')).words, 'variant to inspect');
  const token = await until(page, (f) => f.token, 'a token', 10);
  assert.equal(await page.evaluate(() => document.activeElement.classList.contains('selected')), true, 'a focused token is selected');
  assert.match(await page.textContent('.token-detail'), new RegExp(`token ${JSON.stringify(token.words === '·' ? '' : token.words).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  await page.keyboard.press('Escape');
  assert.equal(await page.evaluate(() => document.querySelector('[data-testid="inspector"]').open), false, 'Escape closed the inspector');
  const back = await focused(page);
  assert.ok(back?.tag === 'summary' && back.ring, `the focus is back on its summary: ${JSON.stringify(back)}`);
  // Shift+Tab goes back the way it came.
  assert.notEqual((await press(page, 'Shift+Tab')).tag, 'summary');
  assert.deepEqual(errors, []);
});

test('panels that redraw keep the focus: a focused token of the open inspector while the runs step, a variant\'s preset menu after a change', { timeout: 120_000 }, async () => {
  const { page, errors } = await open(`${ORIGIN}/#task=bandit&arms=8&model=tiny&num_generations=8&prompts_per_step=4&max_completion_length=1&sft_steps=0&steps=100000&seeds=1&backend=cpu&v0.preset=grpo&v1.preset=rloo`);
  await ready(page);
  await page.click('[data-testid="run"]');
  await page.click('[data-testid="inspector"] > summary');
  await page.waitForSelector('.inspect-table .tok', { timeout: 30_000 });
  // Focused and its table noted in one task: the table redraws every step, and a focus from
  // outside the page can land on a token that a redraw has just detached.
  await page.waitForFunction(() => {
    const token = document.querySelector('.inspect-table .tok[data-at="1:0"]');
    token?.focus();
    window.__table = token?.closest('table');
    return token !== null && document.activeElement === token;
  }, null, { timeout: 30_000 });
  await page.waitForFunction(() => document.querySelector('.inspect-table') !== window.__table, null, { timeout: 30_000 });
  assert.deepEqual(await page.evaluate(() => [document.activeElement.isConnected, document.activeElement.dataset.at, document.activeElement.closest('table') === document.querySelector('.inspect-table')]),
    [true, '1:0', true], 'the same token of the new table has the focus');
  await page.click('[data-testid="pause"]');

  // A preset chosen by the keyboard re-builds the cards; the focus stays on that menu.
  await page.focus('[data-testid="variant-1"] select.preset');
  await page.keyboard.press('ArrowDown');
  await page.waitForFunction(() => window.__playground.state.variants[1].preset !== 'rloo', null, { timeout: 10_000 });
  assert.equal(await page.evaluate(() => document.activeElement === document.querySelector('[data-testid="variant-1"] select.preset')), true);
  assert.deepEqual(errors, []);
});
