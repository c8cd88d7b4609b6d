// The README's two embeds, on plain HTML host pages: `<grpo-playground>` from the tarball that
// `npm pack` makes in www/element (installed with npm into a temporary folder, served as static
// files), and the `?embed` iframe of the built page (www/dist, as scripts/build-web leaves it)
// with the README's auto-resize listener; also a replay attribute drawing an exported figure. The snippets are read from README.md, so what the
// README shows is what runs. Headless Chromium via playwright-core (element-host.mjs).
// Run: `npm test` in www/ (www/pkg and www/dist built).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostPage, installPackage, launch, open as openIn, serve, snippet as readSnippet } from './element-host.mjs';

/** The server's origin, on a free port (set in before). */
let ORIGIN = 'http://127.0.0.1';
const README = new URL('../../README.md', import.meta.url).pathname;
/** Where the README's iframe snippet says the page is hosted. */
const README_HOST = 'https://your.host/grpo-playground/';

/** The ```html block after `<!-- snippet: name -->` in README.md. */
const snippet = (name) => readSnippet(README, 'html', name);

let server;
let browser;
let host;
/** Screenshots, to look at. */
const shots = mkdtempSync(join(tmpdir(), 'grpo-shot-'));

before(async () => {
  host = installPackage();
  server = await serve(host);
  ORIGIN = server.origin;
  browser = await launch({ acceptDownloads: true });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const open = (url) => openIn(browser, url);

/** The last step every run of element `selector` finished (0 before any). */
const stepsOf = (page, selector) => page.evaluate((s) => {
  const metrics = document.querySelector(s).playground?.metrics ?? [];
  return metrics.length === 0 ? 0 : Math.min(...metrics.flat().map((m) => m.at(-1)?.step ?? 0));
}, selector);

const untilSteps = (page, selector, atLeast) => page.waitForFunction(([s, k]) => {
  const metrics = document.querySelector(s).playground?.metrics ?? [];
  return metrics.length > 0 && metrics.flat().every((m) => (m.at(-1)?.step ?? 0) >= k);
}, [selector, atLeast], { timeout: 90_000, polling: 250 });

test('<grpo-playground> from the packed tarball: two elements train independently, CSS stays on its side, attributes apply, a replay is drawn', { timeout: 300_000 }, async (t) => {
  t.diagnostic(`screenshots: ${shots}`);
  // Long enough to be still training when the first has finished.
  const second = '<grpo-playground id="second" state="task=bandit&arms=4&steps=20000&seed=3&backend=cpu&v0.preset=dapo&v1.preset=gspo"></grpo-playground>';
  writeFileSync(join(host, 'index.html'), hostPage(`${snippet('element')}\n${second}`));
  const { page, errors } = await open(`${ORIGIN}/index.html`);
  const first = 'grpo-playground:not(#second)';
  await page.waitForFunction(() => [...document.querySelectorAll('grpo-playground')].every((e) => e.playground !== undefined), null, { timeout: 60_000 });

  // The README's element plays on its own; the second one waits for its Run (playwright's
  // selectors reach into open shadow roots).
  await untilSteps(page, first, 2);
  assert.equal(await stepsOf(page, '#second'), 0, 'the second element waits for Run');
  await page.click('#second [data-testid="run"]');
  await untilSteps(page, '#second', 2);
  const configs = await page.evaluate(() => [...document.querySelectorAll('grpo-playground')].map((e) => e.playground.configs.map((c) => c[0])));
  assert.deepEqual(configs.map((c) => c.map((x) => x.algo.preset)), [['grpo', 'rloo'], ['dapo', 'gspo']]);
  assert.deepEqual(configs.map((c) => [c[0].task.arms, c[0].seed]), [[configs[0][0].task.arms, 0], [4, 3]]);
  // Paused, the first stops; the second goes on.
  await page.click(`${first} [data-testid="pause"]`);
  await page.waitForFunction((s) => /^paused|^done/.test(document.querySelector(s).shadowRoot.querySelector('[data-testid="status"]').textContent), first, { timeout: 30_000 });
  const [held, going] = [await stepsOf(page, first), await stepsOf(page, '#second')];
  await untilSteps(page, '#second', going + 3);
  assert.equal(await stepsOf(page, first), held, 'the paused element did not step');
  await page.screenshot({ path: join(shots, 'two-elements.png'), fullPage: true });

  // The host's CSS does not reach inside: not by selectors, not by inheritance.
  const inside = await page.evaluate((s) => {
    const root = document.querySelector(s).shadowRoot;
    const style = (q) => getComputedStyle(root.querySelector(q));
    return {
      run: style('[data-testid="run"]').backgroundColor,
      status: [style('[data-testid="status"]').color, style('[data-testid="status"]').fontFamily, style('[data-testid="status"]').letterSpacing, style('[data-testid="status"]').borderTopWidth],
      card: style('[data-testid="variant-0"]').borderTopWidth,
      app: [style('.app').borderTopWidth, style('.app').fontSize, style('.app').lineHeight],
    };
  }, '#second');
  assert.equal(inside.run, 'rgb(31, 111, 235)', 'Run keeps the app\'s accent');
  assert.notEqual(inside.status[0], 'rgb(255, 0, 0)');
  assert.doesNotMatch(inside.status[1], /cursive/);
  assert.equal(inside.status[2], 'normal');
  assert.equal(inside.status[3], '0px');
  assert.equal(inside.card, '1px');
  assert.deepEqual(inside.app, ['0px', '14px', 'normal']);
  // The app's CSS does not reach out: the host's heading, card and button keep the host's styles.
  const outside = await page.evaluate(() => ({
    h2: getComputedStyle(document.getElementById('host-h2')).fontSize,
    card: [getComputedStyle(document.getElementById('host-card')).borderTopWidth, getComputedStyle(document.getElementById('host-card')).backgroundColor],
    button: [getComputedStyle(document.getElementById('host-button')).backgroundColor, getComputedStyle(document.getElementById('host-button')).borderRadius === '6px'],
    sheets: [...document.styleSheets].map((s) => [...s.cssRules].filter((r) => !(r instanceof CSSFontFaceRule)).length),
  }));
  assert.deepEqual(outside, { h2: '45px', card: ['9px', 'rgba(0, 0, 0, 0)'], button: ['rgb(255, 0, 0)', false], sheets: [4, 0] },
    'the document has the host\'s own rules, and the element added only @font-face rules');

  // An attribute change applies as a changed URL does: new runs of the new state, played (autoplay).
  await page.evaluate((s) => document.querySelector(s).setAttribute('state', 'task=bandit&arms=4&backend=cpu&v0.preset=cispo&v1.preset=remax'), first);
  await page.waitForFunction((s) => document.querySelector(s).playground.configs[0]?.[0]?.algo.preset === 'cispo', first, { timeout: 60_000 });
  await untilSteps(page, first, 2);
  assert.deepEqual(await page.evaluate((s) => document.querySelector(s).playground.configs.map((c) => [c[0].algo.preset, c[0].task.arms]), first), [['cispo', 4], ['remax', 4]]);
  // Its finished comparison, exported as JSON, is a figure that `replay="URL"` draws at once.
  await page.waitForFunction((s) => /^done/.test(document.querySelector(s).shadowRoot.querySelector('[data-testid="status"]').textContent), first, { timeout: 90_000 });
  await page.evaluate((s) => document.querySelector(s).setAttribute('controls', 'full'), first);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(`${first} [data-testid="export-json"]`)]);
  await download.saveAs(join(host, 'figure.json'));
  await page.evaluate(() => document.body.insertAdjacentHTML('beforeend', '<grpo-playground id="figure" replay="figure.json" controls="minimal"></grpo-playground>'));
  await page.waitForFunction(() => /^replay of 2 finished runs/.test(document.getElementById('figure').shadowRoot.querySelector('[data-testid="status"]').textContent), null, { timeout: 60_000 });
  assert.deepEqual(await page.evaluate(() => document.getElementById('figure').playground.metrics),
    await page.evaluate((s) => document.querySelector(s).playground.metrics, first), 'the figure shows the same metrics, not trained there');
  await page.evaluate((s) => document.querySelector(s).setAttribute('controls', 'none'), first);
  assert.equal(await page.isVisible(`${first} [data-testid="run"]`), false, 'controls="none": no buttons');
  assert.equal(await page.isVisible(`${first} [data-testid="status"]`), true, 'controls="none": the status stays');

  // Bad attributes: the same message as a bad link, as text in the element; nothing thrown.
  const notice = (s) => page.evaluate((q) => {
    const n = document.querySelector(q).shadowRoot.getElementById('notice');
    return n.hidden ? null : n.textContent;
  }, s);
  const presets = await page.evaluate(() => document.getElementById('second').playground.catalog.presets.map((p) => p.name));
  await page.evaluate(() => document.getElementById('second').setAttribute('state', 'task=bandit&v0.preset=nope&v1.preset=grpo'));
  await page.waitForFunction(() => !document.getElementById('second').shadowRoot.getElementById('notice').hidden, null, { timeout: 30_000 });
  assert.equal(await notice('#second'), `The element's settings were not used: v0.preset: unknown "nope"; valid: ${presets.join(', ')}`);
  assert.equal(await page.evaluate(() => document.getElementById('second').playground.state.variants[0].preset), 'dapo', 'the refused state changed nothing');
  await page.evaluate(() => document.getElementById('second').setAttribute('lesson', 'no-such-lesson'));
  await page.waitForFunction(() => /^The element's settings were not used: lesson: unknown "no-such-lesson"; valid: /.test(
    document.getElementById('second').shadowRoot.getElementById('notice').textContent), null, { timeout: 30_000 });
  await page.evaluate(() => {
    const e = document.getElementById('second');
    e.setAttribute('controls', 'everything');
    e.setAttribute('height', 'tall');
  });
  assert.equal(await page.textContent('#second [data-testid="attribute-notice"]'),
    'controls: unknown "everything"; valid: full, minimal, none\nheight: "tall" is not a length; e.g. 520 (pixels) or 40em');
  await page.evaluate(() => {
    const e = document.getElementById('second');
    e.setAttribute('controls', 'minimal');
    e.setAttribute('height', '400');
  });
  assert.equal(await page.isVisible('#second [data-testid="attribute-notice"]'), false, 'fixed attributes: no notice');
  assert.equal(await page.evaluate(() => document.getElementById('second').getBoundingClientRect().height), 400);
  await page.screenshot({ path: join(shots, 'attributes.png'), fullPage: true });

  // Taken off the page, an element stops its workers and forgets its app.
  const removed = await page.evaluate(async () => {
    const e = document.getElementById('second');
    e.remove();
    await new Promise((resolve) => setTimeout(resolve, 0));
    return e.playground === undefined && e.shadowRoot.querySelector('.app').childElementCount === 0;
  });
  assert.equal(removed, true);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the ?embed iframe posts its height, and the README\'s listener resizes the iframe to it', { timeout: 120_000 }, async () => {
  const frame = snippet('iframe').replaceAll(README_HOST, `${ORIGIN}/page/`);
  assert.notEqual(frame, snippet('iframe'), `the iframe snippet embeds ${README_HOST}`);
  writeFileSync(join(host, 'iframe.html'), hostPage(frame));
  const { page, errors } = await open(`${ORIGIN}/iframe.html`);
  const iframe = page.frameLocator('iframe');
  await iframe.locator('[data-testid="status"]').waitFor({ timeout: 60_000 });
  await page.waitForFunction(() => document.querySelector('iframe').style.height !== '', null, { timeout: 60_000 });
  // The content's height once the charts are laid out, and the iframe's after it.
  await iframe.locator('[data-testid="run"]').click();
  await page.waitForFunction(() => {
    const f = document.querySelector('iframe');
    const app = f.contentDocument?.getElementById('app');
    // Taller than the snippet's 520px: the charts are laid out (before that the app is a status line).
    const h = app?.getBoundingClientRect().height ?? 0;
    return h > 520 && f.style.height === `${Math.ceil(h)}px`;
  }, null, { timeout: 60_000, polling: 250 });
  const [height, content] = await page.evaluate(() => {
    const f = document.querySelector('iframe');
    return [f.getBoundingClientRect().height, f.contentDocument.getElementById('app').getBoundingClientRect().height];
  });
  assert.ok(content > 520, `the content (${content}px) is taller than the snippet's 520px`);
  assert.equal(height, Math.ceil(content), 'the iframe is as tall as its content');
  await page.screenshot({ path: join(shots, 'iframe.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});
