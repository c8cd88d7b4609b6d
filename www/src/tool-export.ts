// "TRL / verl" on a variant card: the variant's run config as a TRL GRPOConfig(...) snippet or
// verl overrides, written by Rust (`export_config`, the CLI's `grpo-playground export`) in a
// short-lived worker, shown as text with Copy and Download.

import { el, select } from './controls';
import { download } from './exporter';
import { ask, errorMessage, spawnWorker, type ExportTarget } from './protocol';
import type { RunConfig } from './state';

const TARGETS: { value: ExportTarget; text: string; file: string; type: string }[] = [
  { value: 'trl', text: 'TRL GRPOConfig (Python)', file: 'trl.py', type: 'text/x-python' },
  { value: 'verl', text: 'verl overrides (shell)', file: 'verl.sh', type: 'text/x-shellscript' },
];

/** Rust's export of `config` for `to`, from a worker that lives for this one request. */
async function exportText(config: RunConfig, to: ExportTarget): Promise<string> {
  const worker = spawnWorker();
  try {
    return (await ask(worker, { type: 'export', config, to }, 'exported')).text;
  } finally {
    worker.terminate();
  }
}

/**
 * A button that opens a dialog with the export of `config()` (read when opened, so it is the
 * card's current config); `name` names the downloaded file.
 */
export function exportButton(config: () => RunConfig, name: () => string, testid: string): HTMLElement {
  const open = el('button', {
    className: 'small',
    textContent: 'TRL / verl',
    title: 'this variant as a TRL GRPOConfig or verl overrides, to train a real model with it',
  });
  open.dataset.testid = testid;
  open.addEventListener('click', () => showDialog(config(), name(), open.closest<HTMLElement>('.app') ?? document.body));
  return open;
}

/** The export dialog, opened inside `within` (the app's box: its styles, in a shadow root too). */
function showDialog(config: RunConfig, name: string, within: HTMLElement): void {
  const dialog = el('dialog', { className: 'tool-export' });
  dialog.dataset.testid = 'tool-export';
  const text = el('pre', { className: 'export-text' });
  text.dataset.testid = 'tool-export-text';
  const status = el('p', { className: 'legend' });
  let target = TARGETS[0]!;
  let current = '';
  const render = async (): Promise<void> => {
    const asked = target;
    current = '';
    text.textContent = '';
    status.textContent = 'writing…';
    try {
      const out = await exportText(config, asked.value);
      if (asked !== target) return;
      current = out;
      text.textContent = out;
      status.textContent = 'Knobs without a counterpart are listed in the comments, with the reason.';
    } catch (e) {
      if (asked !== target) return;
      status.textContent = `No export: ${errorMessage(e)}`;
    }
  };
  const choose = select(TARGETS.map((t) => ({ value: t.value, text: t.text })), target.value, (value) => {
    target = TARGETS.find((t) => t.value === value) ?? target;
    void render();
  });
  const copy = el('button', { className: 'small', textContent: 'copy' });
  copy.addEventListener('click', () => {
    if (current === '') return;
    navigator.clipboard.writeText(current).then(
      () => { status.textContent = 'copied'; },
      (e: unknown) => { status.textContent = `not copied: ${errorMessage(e)}`; },
    );
  });
  const save = el('button', { className: 'small', textContent: 'download' });
  save.dataset.testid = 'tool-export-download';
  save.addEventListener('click', () => {
    if (current !== '') download(`grpo-playground-${name}-${target.file}`, current, target.type);
  });
  const close = el('button', { className: 'small', textContent: 'close' });
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => dialog.remove());
  dialog.append(el('div', { className: 'card-head' }, [choose, copy, save, close]), status, text);
  within.append(dialog);
  dialog.showModal();
  void render();
}
