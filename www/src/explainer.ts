// The algorithm explainer: a variant's objective as the pipeline's stages (shaping → advantage →
// filter → ratio → surrogate → KL → aggregation), each with its formula as Rust declares it beside
// the choice (`tex()`, read from the schema), rendered by KaTeX twice: with symbols, and with the
// selected token's numbers in place of the symbols' macros. Which stages a variant has, and which
// knobs each reads, come from what each method declares in Rust (`methods.ts`); so do the formulas.

import katex from 'katex';
import { keptCounts, num, type Inspection } from './inspect';
import { chosen, filtersOn, modifiersOn, on, shapingOn } from './methods';
import type { Formulas, JsonValue, KnobSpec, SymbolInfo } from './schema';

export type StageId = 'shaping' | 'advantage' | 'filter' | 'ratio' | 'surrogate' | 'kl' | 'aggregation';

export interface Stage {
  id: StageId;
  title: string;
  /** The formulas of the stage (KaTeX with the schema's macros); none when it is off. */
  tex: string[];
  /** Why the stage does nothing for this variant ('' when it does something). */
  off: string;
  /** The knobs the stage reads. */
  knobs: string[];
}

/** The stages of the objective for `knobs` (a resolved knob row, as `inspect()` reports it). */
export function stages(knobs: Readonly<Record<string, JsonValue>>, f: Formulas): Stage[] {
  const m = f.methods;
  const choice = (key: string): string => f.choices[key]?.[String(knobs[key])] ?? '';
  const estimator = chosen(knobs, 'adv_estimator', m);
  const surrogate = chosen(knobs, 'surrogate', m);
  const shaping = shapingOn(knobs, f);
  // A choice the estimator reads (GRPO's σ) shows its own formula beside the estimator's.
  const advantage = [choice('adv_estimator'), ...estimator.reads.filter((key) => key in f.choices).map(choice)];
  const filters = filtersOn(knobs, f);
  // The dual clip acts, and is listed, only when its knob is set.
  const dual = surrogate.clip.shape === 'ratio' || surrogate.clip.shape === 'adaptive' ? surrogate.clip.dual : null;
  const dualOn = dual !== null && on(knobs[dual]);
  const beta = Number(knobs.beta ?? 0);
  const inReward = on(knobs.kl_in_reward);
  const klOff = beta === 0 ? 'β = 0: no KL penalty.' : inReward ? '' : surrogate.off.kl;
  const ratioOff = surrogate.off.ratio;
  const aggregationOff = surrogate.off.aggregation;
  const bonus = on(knobs.entropy_coeff) ? ['entropy_coeff'] : [];
  return [
    { id: 'shaping', title: 'Reward shaping', tex: shaping.map((key) => f.shaping[key] ?? ''), off: shaping.length === 0 ? 'Off: R_i is the task’s reward.' : '', knobs: [...shaping, ...shaping.flatMap((key) => m.shaping[key]?.reads ?? [])] },
    { id: 'advantage', title: 'Advantage', tex: advantage, off: '', knobs: ['adv_estimator', ...estimator.reads, ...modifiersOn(knobs, m)] },
    { id: 'filter', title: 'Filters', tex: filters.map((key) => f.filters[key] ?? ''), off: filters.length === 0 ? 'None: every completion counts.' : '', knobs: filters },
    { id: 'ratio', title: 'Importance ratio', tex: ratioOff ? [] : [choice('ratio_level')], off: ratioOff, knobs: ratioOff ? [] : ['ratio_level', ...chosen(knobs, 'ratio_level', m).reads] },
    { id: 'surrogate', title: surrogate.sequenceLevel ? 'Group loss' : 'Per-token surrogate', tex: [choice('surrogate'), ...(dualOn ? [f.dualClip] : [])], off: '', knobs: ['surrogate', ...surrogate.reads.filter((key) => key !== dual || dualOn)] },
    { id: 'kl', title: 'KL penalty', tex: klOff ? [] : [choice('kl_estimator'), inReward ? f.klInReward : f.klInLoss], off: klOff, knobs: klOff ? [] : ['beta', 'kl_estimator', 'kl_in_reward', ...chosen(knobs, 'kl_estimator', m).reads] },
    { id: 'aggregation', title: 'Aggregation', tex: aggregationOff ? [] : [choice('loss_agg_mode')], off: aggregationOff, knobs: aggregationOff ? bonus : ['loss_agg_mode', ...chosen(knobs, 'loss_agg_mode', m).reads, ...bonus] },
  ];
}

/** Where the selected token is: group, completion, token. */
export interface Selection {
  group: number;
  completion: number;
  token: number;
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function stdU(xs: readonly number[]): number {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / Math.max(1, xs.length - 1));
}

/**
 * The numbers of the selected token, by macro name (`\vA` → its advantage); a symbol without a
 * number here stays a symbol. Rewards and their group statistics are left out when the KL is in
 * the reward: the estimator then reads returns, not rewards.
 */
export function tokenValues(i: Inspection, at: Selection): Record<string, number> {
  const group = i.groups[at.group];
  const c = group?.completions[at.completion];
  const t = c?.tokens[at.token];
  if (!group || !c || !t) return {};
  const k = i.knobs;
  const n = (key: string): number | undefined => (typeof k[key] === 'number' ? (k[key] as number) : undefined);
  const { completions, tokens } = keptCounts(i);
  const greedy = i.input.groups[at.group]?.greedy_reward;
  const values: Record<string, number | undefined> = {
    '\\vA': t.advantage,
    '\\vr': t.ratio,
    '\\vlogp': t.logp,
    '\\vlogpold': t.logp_old,
    '\\vlogpref': t.logp_ref ?? undefined,
    '\\vell': t.surrogate ?? undefined,
    '\\vG': group.completions.length,
    '\\vepsl': n('epsilon'),
    '\\vepsh': n('epsilon_high') ?? n('epsilon'),
    '\\vc': n('clip_ratio_c'),
    '\\vtau': t.advantage > 0 ? n('sapo_tau_pos') : n('sapo_tau_neg'),
    '\\vbeta': n('beta'),
    '\\vstdeps': n('std_eps'),
    '\\vmadeps': n('mad_eps'),
    '\\vb': typeof greedy === 'number' ? greedy : undefined,
    '\\vgvpobeta': n('gvpo_beta'),
    '\\vN': tokens,
    '\\vB': completions,
    '\\vLmax': i.input.max_completion_length,
    '\\vlen': c.tokens.length,
    '\\vfactor': n('overlong_penalty_factor'),
    '\\valpha': n('lead_length_alpha'),
    '\\vP': n('prune_ratio'),
  };
  const klInReward = k.kl_in_reward === true && (n('beta') ?? 0) > 0;
  if (!klInReward) {
    const shaped = group.completions.map((x) => x.shaped_reward);
    const batch = i.groups.flatMap((g) => g.completions.map((x) => x.shaped_reward));
    values['\\vR'] = c.shaped_reward;
    values['\\vGt'] = c.shaped_reward;
    values['\\vmu'] = mean(shaped);
    values['\\vsigma'] = k.scale_rewards === 'batch' ? stdU(batch) : stdU(shaped);
  }
  return Object.fromEntries(Object.entries(values).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1])));
}

/** A number as KaTeX: highlighted, negative ones in parentheses (so `−(−0.5)` reads right). */
export function texNumber(x: number): string {
  const text = num(x).replace('e', '\\text{e}');
  return `{\\color{#0b6e4f}${x < 0 ? `(${text})` : text}}`;
}

/** KaTeX macros for the notation: each symbol's number in `values` when there is one, else the symbol. */
export function macrosFor(symbols: readonly SymbolInfo[], values: Readonly<Record<string, number>> | null): Record<string, string> {
  return Object.fromEntries(symbols.map((s) => {
    const v = values?.[s.name];
    return [s.name, v === undefined ? s.tex : texNumber(v)];
  }));
}

/** KaTeX's HTML for `tex` with `macros`; a formula KaTeX cannot read shows as its source, marked. */
export function renderTex(tex: string, macros: Record<string, string>): string {
  return katex.renderToString(tex, { macros: { ...macros }, throwOnError: false, displayMode: false, strict: 'ignore' });
}

/** What the selected token's stage comes to, as text (`A = 0.866`), '' when nothing single. */
export function stageResult(id: StageId, i: Inspection, at: Selection): string {
  const c = i.groups[at.group]?.completions[at.completion];
  const t = c?.tokens[at.token];
  if (!c || !t) return '';
  switch (id) {
    case 'shaping':
      return `R_i = ${num(c.shaped_reward)} (task reward ${num(c.reward)})`;
    case 'advantage':
      return `A = ${num(t.advantage)}`;
    case 'filter':
      return c.kept ? 'kept' : `dropped by ${c.dropped_by.join(', ')}`;
    case 'ratio':
      return `r = ${num(t.ratio)}`;
    case 'surrogate':
      return t.surrogate === null ? `L = ${num(i.shown.loss)}` : `ℓ̃ = ${num(t.surrogate)}${t.clip === 'inside' ? '' : ` (${t.clip} clip)`}`;
    case 'kl':
      return t.kl === null ? '' : `β·k = ${num(t.kl)}`;
    case 'aggregation':
      return `L = ${num(i.shown.loss)} · this token's dL/dlog π = ${num(t.grad_logp)}`;
  }
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className = '', text = ''): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text) e.textContent = text;
  return e;
}

/** A knob's value as the explainer lists it: `epsilon = 0.2` with its paper as the tooltip. */
function knobChip(key: string, value: JsonValue | undefined, specs: readonly KnobSpec[]): HTMLElement {
  const spec = specs.find((s) => s.key === key);
  const chip = el('span', 'knob-chip', `${key} = ${JSON.stringify(value ?? null)}`);
  chip.title = [spec?.help ?? '', spec?.source ? `source: ${spec.source}` : ''].filter(Boolean).join('\n');
  return chip;
}

/**
 * Draws the explainer of `i` into `root`: every stage with its formula in symbols and with the
 * token at `at` plugged in, the knobs it reads; `highlight` marks stages (the walk through a step).
 */
export function renderExplainer(root: HTMLElement, i: Inspection, at: Selection, f: Formulas, specs: readonly KnobSpec[], paper: string, highlight: readonly StageId[]): void {
  const symbolic = macrosFor(f.symbols, null);
  const plugged = macrosFor(f.symbols, tokenValues(i, at));
  const head = el('p', 'explainer-head');
  head.append(`${String(i.knobs.adv_estimator)} · ${String(i.knobs.surrogate)} — `, el('span', 'muted', paper));
  const list = el('ol', 'stages');
  for (const s of stages(i.knobs, f)) {
    const item = el('li', `stage${s.off ? ' off' : ''}${highlight.includes(s.id) ? ' highlight' : ''}`);
    item.dataset.stage = s.id;
    item.append(el('h4', '', s.title));
    if (s.off) item.append(el('p', 'muted', s.off));
    for (const tex of s.tex) {
      const line = el('div', 'formula');
      const sym = el('span', 'tex');
      sym.innerHTML = renderTex(tex, symbolic);
      const num = el('span', 'tex plugged');
      num.innerHTML = renderTex(tex, plugged);
      line.append(sym, el('span', 'arrow', '→'), num);
      item.append(line);
    }
    const result = s.off ? '' : stageResult(s.id, i, at);
    if (result) item.append(el('p', 'result', result));
    if (s.knobs.length > 0) {
      const knobs = el('p', 'knob-chips');
      knobs.append(...s.knobs.map((key) => knobChip(key, i.knobs[key], specs)));
      item.append(knobs);
    }
    list.append(item);
  }
  root.replaceChildren(head, list);
}
