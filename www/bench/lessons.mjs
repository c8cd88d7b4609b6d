// Runs lessons in the page as a student does — `#lesson=ID` on the CPU backend, answer the
// question, Run, wait until every check has its final state — and prints per lesson the time
// from Run to the final checks and each check's result (what README's lessons table reports for
// the page). Run after scripts/build-web, in www/, on an otherwise idle machine:
//   node bench/lessons.mjs                        # every lesson
//   LESSONS=clip-higher,cppo node bench/lessons.mjs
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { preview } from 'vite';

const PORT = 4177;
const FLAGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

async function run(id) {
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'grpo-lessons-')), {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: FLAGS,
  });
  try {
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${PORT}/#lesson=${id}&backend=cpu`);
    await page.waitForFunction(() => /^ready/.test(document.querySelector('[data-testid="status"]')?.textContent ?? ''), null, { timeout: 120_000 });
    const questions = await page.$$('[data-testid^="question-"]');
    for (let k = 0; k < questions.length; k++) await page.click(`[data-testid="question-${k}"] [data-choice="0"]`);
    const t0 = Date.now();
    await page.click('[data-testid="lesson-run"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="lesson-panel"]')?.dataset.done === 'true'
      && [...document.querySelectorAll('[data-testid^="check-"]')].every((r) => r.dataset.checkState !== 'pending'),
    null, { timeout: 900_000, polling: 500 });
    const seconds = (Date.now() - t0) / 1000;
    const checks = await page.$$eval('[data-testid^="check-"]', (rs) => rs.map((r) => r.textContent.trim()));
    return { id, seconds, checks };
  } finally {
    await context.close();
  }
}

const server = await preview({ root: new URL('..', import.meta.url).pathname, preview: { host: '127.0.0.1', port: PORT, strictPort: true }, logLevel: 'warn' });
try {
  const ids = process.env.LESSONS
    ? process.env.LESSONS.split(',')
    : await (async () => {
      const { readFileSync, readdirSync } = await import('node:fs');
      const dir = new URL('../../lessons/', import.meta.url).pathname;
      return readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')).id);
    })();
  console.log('| lesson | Run → final checks | checks |');
  console.log('|---|---|---|');
  for (const id of ids) {
    const r = await run(id);
    console.log(`| ${r.id} | ${r.seconds.toFixed(0)} s | ${r.checks.join('<br>')} |`);
  }
} finally {
  await server.close();
}
