// The sample viewer: one prompt's group of completions from the last rollout, with the reward
// and advantage of each. Mazes are drawn as grids with the walked path, bandits as arm bars.

import type { Sample } from './protocol';
import type { TaskName } from './state';

/** Token ids from src/tasks/vocab.rs. */
const EOS = 2;
const CELL: Record<number, string> = { 17: 'wall', 18: 'open', 19: 'start', 20: 'goal' };
const ROW_END = 21;
const MOVES: Record<number, [number, number]> = { 22: [-1, 0], 23: [1, 0], 24: [0, -1], 25: [0, 1] };

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className = '', text = ''): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text) e.textContent = text;
  return e;
}

const signed = (x: number): string => (x >= 0 ? '+' : '') + x.toFixed(3);

/** Completion, reward, advantage per row; correct rows highlighted, filtered-out ones dimmed. */
function table(samples: readonly Sample[]): HTMLTableElement {
  const t = el('table', 'samples-table');
  const head = t.createTHead().insertRow();
  for (const h of ['#', 'completion', 'reward', 'advantage']) head.append(el('th', '', h));
  const body = t.createTBody();
  samples.forEach((s, i) => {
    const row = body.insertRow();
    row.className = [s.correct ? 'correct' : '', s.kept ? '' : 'dropped'].join(' ').trim();
    row.title = s.details;
    row.append(el('td', '', String(i + 1)), el('td', 'mono', s.completion), el('td', '', s.reward.toFixed(3)), el('td', '', signed(s.advantage)));
  });
  return t;
}

/** The maze rows of a prompt: BOS, then each row's cells followed by ROW_END. */
function mazeRows(prompt: readonly number[]): string[][] {
  const rows: string[][] = [[]];
  for (const t of prompt) {
    if (t === ROW_END) rows.push([]);
    else if (CELL[t]) rows.at(-1)?.push(CELL[t]);
  }
  return rows.filter((r) => r.length > 0);
}

/** The grid with the cells a completion walks through; a move into a wall or off the grid stops it. */
function mazeGrid(sample: Sample): HTMLElement {
  const rows = mazeRows(sample.prompt_tokens);
  const grid = el('div', `maze${sample.correct ? ' correct' : ''}`);
  grid.style.gridTemplateColumns = `repeat(${rows[0]?.length ?? 1}, 1fr)`;
  const cells = rows.map((row) => row.map((kind) => grid.appendChild(el('div', `cell ${kind}`))));
  let r = rows.findIndex((row) => row.includes('start'));
  let c = rows[r]?.indexOf('start') ?? -1;
  for (const t of sample.completion_tokens) {
    const move = MOVES[t];
    if (t === EOS || !move) break;
    const [nr, nc] = [r + move[0], c + move[1]];
    const next = cells[nr]?.[nc];
    if (!next || rows[nr]?.[nc] === 'wall') {
      cells[r]?.[c]?.classList.add('blocked');
      break;
    }
    next.classList.add('path');
    [r, c] = [nr, nc];
  }
  const box = el('figure', 'maze-sample');
  box.append(grid, el('figcaption', '', `${sample.completion} · r ${sample.reward.toFixed(2)} · A ${signed(sample.advantage)}`));
  box.title = sample.details;
  return box;
}

/** One horizontal bar per arm: the policy's probability of choosing it. */
function armBars(arms: readonly number[]): HTMLElement {
  const box = el('div', 'arms');
  arms.forEach((p, k) => {
    const bar = el('div', 'arm-bar');
    bar.style.width = `${(p * 100).toFixed(1)}%`;
    const track = el('div', 'arm-track');
    track.append(bar);
    const row = el('div', 'arm');
    row.append(el('span', 'mono', `a${k}`), track, el('span', '', p.toFixed(3)));
    box.append(row);
  });
  return box;
}

/**
 * Replaces `root`'s content with the viewer of `samples` (one group) for `task`; `warming`:
 * the run is in its supervised warm-up, which samples nothing.
 */
export function renderSamples(root: HTMLElement, task: TaskName, samples: readonly Sample[], arms: readonly number[], warming = false): void {
  const first = samples[0];
  if (!first) {
    const text = warming
      ? 'Supervised warm-up: it trains on solved problems and samples nothing; rollouts appear with the first RL step.'
      : 'No samples yet: they appear after the first RL step.';
    root.replaceChildren(el('p', 'muted', text));
    return;
  }
  const prompt = el('p', '', 'prompt ');
  prompt.append(el('code', '', first.prompt));
  const parts: HTMLElement[] = [prompt];
  if (task === 'maze') {
    const grids = el('div', 'mazes');
    grids.append(...samples.map(mazeGrid));
    parts.push(grids);
  }
  if (task === 'bandit' && arms.length > 0) parts.push(armBars(arms));
  root.replaceChildren(...parts, table(samples));
}
