// README's screenshot of the step inspector (docs/inspector.png): trains 1-digit addition with
// GRPO and DAPO on the CPU until a few RL steps are done, opens the inspector on the first group
// whose rewards differ, selects a token and screenshots the panel. Run after scripts/build-web,
// in www/:   node bench/inspector-shot.mjs [out.png]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { preview } from 'vite';

const PORT = 4177;
const OUT = process.argv[2] ?? new URL('../../docs/inspector.png', import.meta.url).pathname;
const HASH = '#task=arithmetic&digits=1&model=tiny&num_generations=6&prompts_per_step=6&learning_rate=0.003'
  + '&max_completion_length=4&sft_steps=150&steps=4&seeds=1&seed=3&backend=cpu'
  + '&v0.preset=grpo&v0.label=grpo&v0.colour=%231f77b4&v1.preset=dapo&v1.label=dapo&v1.colour=%23d62728';

const server = await preview({ root: new URL('..', import.meta.url).pathname, preview: { host: '127.0.0.1', port: PORT, strictPort: true }, logLevel: 'warn' });
const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'grpo-shot-')), {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  viewport: { width: 1400, height: 1000 }, deviceScaleFactor: 1,
});
try {
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${PORT}/${HASH}`);
  await page.waitForFunction(() => window.__playground !== undefined, null, { timeout: 60_000 });
  await page.click('[data-testid="run"]');
  await page.waitForFunction(() => /^done/.test(document.querySelector('[data-testid="status"]').textContent), null, { timeout: 300_000, polling: 500 });
  await page.click('[data-testid="inspector"] > summary');
  await page.waitForFunction(() => !document.querySelector('[data-testid="inspect-export"]').disabled, null, { timeout: 30_000 });
  // The first group whose completions were rewarded differently: its tokens have colours.
  const groups = await page.locator('[aria-label="group to inspect"] option').count();
  for (let g = 0; g < groups; g++) {
    await page.selectOption('[aria-label="group to inspect"]', String(g));
    const rewards = await page.locator('.inspect-table td.col-reward').allTextContents();
    if (new Set(rewards).size > 1) break;
  }
  await page.locator('.inspect-table tbody tr .tok').first().focus();
  await page.click('text=Walk through this step');
  for (let k = 0; k < 2; k++) await page.click('.walk button:has-text("Next")');
  await page.locator('[data-testid="inspector"]').screenshot({ path: OUT });
  console.log(`wrote ${OUT}`);
} finally {
  await context.close();
  await server.close();
}
