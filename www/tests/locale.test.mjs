// A browser whose language is not a BCP 47 tag (WebKitGTK under the `C` locale says "C") must not
// blank the page: uPlot formats numbers with `new Intl.NumberFormat(navigator.language)` when it
// loads, so src/locale-guard.ts, imported first by the page and the element, replaces the tag and
// keeps what it replaced for the notice. Here Node plays that browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load } from './support.mjs';

test('an invalid navigator.language is replaced, and what it was is kept for the notice', async () => {
  assert.throws(() => new Intl.NumberFormat('C'), RangeError, 'the tag that blanked the page');
  const saved = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  Object.defineProperty(globalThis, 'navigator', { value: { language: 'C' }, configurable: true });
  try {
    const guard = await load('/src/locale-guard.ts');
    assert.equal(guard.languageFallback, 'C');
    assert.equal(navigator.language, 'en-US');
    assert.equal(guard.validLanguage('de-CH'), true);
    assert.equal(guard.validLanguage('C'), false);
  } finally {
    if (saved) Object.defineProperty(globalThis, 'navigator', saved);
    else delete globalThis.navigator;
  }
});

test('both entry points import the guard before anything that loads uPlot', async () => {
  const { readFile } = await import('node:fs/promises');
  for (const entry of ['src/page.ts', 'src/element.ts']) {
    const text = await readFile(new URL(`../${entry}`, import.meta.url), 'utf8');
    const imports = [...text.matchAll(/^import\s[^;]*?['"]([^'"]+)['"];/gm)].map((m) => m[1]);
    assert.equal(imports[0], './locale-guard', `${entry} imports ./locale-guard first`);
  }
});
