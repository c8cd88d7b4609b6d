// The variant cards: per variant its colour and line style, label, preset, every optimizer knob (the preset's
// value or an override, in bold), its overrides and own trainer knobs as JSON, and its export.
// Each control dispatches its edit to the store; the cards are re-built from the state when what
// they list changed (a preset, a knob, a variant added or removed, another state). The numbers
// the runs report on a card (`data-step`, ...) are run-reports.ts's.

import { caption, el, field, knobField, select, type Option } from './controls';
import { keepingFocus } from './focus';
import { PendingFields } from './pending-fields';
import { lineSample, recolourSample, variantDash } from './line-style';
import { algoValue, overridesProblem, presetValue, toRunConfig, trainProblem } from './resolve';
import { sameValue, type Catalog, type JsonValue, type KnobValue, type PresetInfo } from './schema';
import { MAX_LABEL, MAX_VARIANTS, MIN_VARIANTS, type State, type Variant } from './state';
import type { Action, Edit, Model, PageStore } from './store';
import { exportButton } from './tool-export';

const OVERRIDES_HELP = 'The same overrides as JSON, for any knob of the schema (the knob controls above write here too).';
const TRAIN_HELP = 'Trainer knobs of this variant only, as JSON, laid over the shared ones above (e.g. {"num_generations": 2}: a group size of its own).';

/** The actions after which the cards are re-built. */
const REBUILT_BY: readonly Action['type'][] = [
  'preset', 'algo-knob', 'overrides', 'variant-train', 'add-variant', 'remove-variant', 'lesson', 'link', 'replay',
];

function presetOption(p: PresetInfo): Option<string> {
  const knobs = Object.entries(p.knobs).map(([k, v]) => `${k} = ${JSON.stringify(v)}`);
  return { value: p.name, text: `${p.name} — ${p.source}`, title: knobs.length > 0 ? knobs.join('\n') : 'all knobs at their defaults' };
}

/**
 * A JSON-object field of a variant (its algo overrides or its own trainer knobs): `problemOf`
 * checks a parsed object against the schema; a valid one goes to `onValue`.
 */
function jsonObjectInput(
  what: string,
  current: Record<string, JsonValue>,
  example: string,
  help: string,
  problemOf: (value: Record<string, JsonValue>) => string,
  onValue: (value: Record<string, JsonValue>) => void,
): HTMLInputElement {
  const input = Object.assign(el('input'), {
    type: 'text',
    value: Object.keys(current).length > 0 ? JSON.stringify(current) : '',
    placeholder: example,
    title: help,
  });
  input.addEventListener('change', () => {
    let problem: string;
    let value: unknown;
    try {
      value = input.value.trim() === '' ? {} : JSON.parse(input.value);
      problem = typeof value !== 'object' || value === null || Array.isArray(value)
        ? `${what}: must be a JSON object, e.g. ${example}`
        : problemOf(value as Record<string, JsonValue>);
    } catch {
      problem = `${what}: not JSON`;
    }
    input.classList.toggle('invalid', problem !== '');
    input.title = problem || help;
    if (problem !== '') return;
    onValue(value as Record<string, JsonValue>);
  });
  return input;
}

export class VariantCards {
  private readonly pending = new PendingFields();
  /** Cards whose knob list is open (by index; re-building keeps it open). */
  private readonly openKnobs = new Set<number>();

  constructor(
    private readonly root: HTMLElement,
    private readonly addButton: HTMLButtonElement,
    private readonly catalog: Catalog,
    private readonly store: PageStore,
  ) {}

  private dispatch(edit: Edit): void {
    this.store.dispatch(edit);
  }

  /** Follows `action`: re-builds the cards when it changed what they list (then true). */
  update(model: Model, action: Action): boolean {
    if (action.type === 'colour') {
      const card = this.root.children[action.variant];
      if (!(card instanceof HTMLElement)) return false;
      card.style.borderLeftColor = action.colour;
      const sample = card.querySelector('.line-sample');
      if (sample) recolourSample(sample, action.colour);
      return false;
    }
    if (action.type === 'remove-variant') this.openKnobs.clear();
    if (!REBUILT_BY.includes(action.type)) return false;
    this.render(model.state);
    return true;
  }

  /** Tags the fields whose value the runs (`applied`) were not made with. */
  markPending(applied: State | null, state: State): void {
    this.pending.mark(applied, state);
  }

  /** Builds a card per variant of `state`. */
  render(state: State): void {
    this.pending.clear();
    keepingFocus(this.root, () => this.root.replaceChildren(...state.variants.map((v, i) => this.card(state, v, i))));
    this.addButton.disabled = state.variants.length >= MAX_VARIANTS;
  }

  private card(state: State, v: Variant, i: number): HTMLElement {
    const card = el('div', { className: 'card variant' });
    card.dataset.testid = `variant-${i}`;
    card.dataset.step = '0';
    card.dataset.reward = '';
    card.dataset.eval = '';
    card.style.borderLeftColor = v.colour;
    // Named for a screen reader by the variant's number, which stays while its label is edited.
    const colour = Object.assign(el('input'), { type: 'color', value: v.colour, title: 'colour' });
    colour.setAttribute('aria-label', `colour of variant ${i + 1}`);
    colour.addEventListener('input', () => this.dispatch({ type: 'colour', variant: i, colour: colour.value }));
    const label = Object.assign(el('input'), { type: 'text', value: v.label, title: 'label', maxLength: MAX_LABEL });
    label.setAttribute('aria-label', `label of variant ${i + 1}`);
    label.addEventListener('change', () => this.dispatch({ type: 'label', variant: i, label: label.value }));
    const remove = el('button', { className: 'remove', textContent: '×', title: 'remove this variant' });
    remove.setAttribute('aria-label', `remove variant ${i + 1}`);
    remove.disabled = state.variants.length <= MIN_VARIANTS;
    remove.addEventListener('click', () => this.dispatch({ type: 'remove-variant', variant: i }));
    const preset = select(this.catalog.presets.map(presetOption), v.preset, (name) => this.dispatch({ type: 'preset', variant: i, preset: name }));
    preset.classList.add('preset');
    const overrides = jsonObjectInput('overrides', v.overrides, '{"epsilon_high": 0.28}', OVERRIDES_HELP,
      (value) => overridesProblem(this.catalog, value), (value) => this.dispatch({ type: 'overrides', variant: i, overrides: value }));
    overrides.dataset.knob = 'overrides';
    const own = jsonObjectInput('training knobs', v.train, '{"num_generations": 4}', TRAIN_HELP,
      (value) => trainProblem(this.catalog, value), (value) => this.dispatch({ type: 'variant-train', variant: i, train: value }));
    own.dataset.knob = 'train';
    card.append(
      // The variant's line as the charts draw it: its dash tells it apart without colour.
      el('div', { className: 'card-head' }, [colour, lineSample(v.colour, variantDash(i)), label, remove]),
      this.pending.watch(field(caption('preset'), preset), (a, s) => a.variants[i]?.preset !== s.variants[i]?.preset),
      this.knobsDisclosure(v, i),
      field('overrides', overrides, OVERRIDES_HELP),
      this.pending.watch(field(caption('own training'), own, TRAIN_HELP), (a, s) => !sameValue(a.variants[i]?.train ?? {}, s.variants[i]?.train ?? {})),
    );
    const trains = Object.entries(v.train);
    if (trains.length > 0) {
      const shared = trains.map(([k, value]) => `${k} = ${JSON.stringify(value)} (shared: ${JSON.stringify(state.train[k] ?? null)})`).join(', ');
      card.append(el('p', { className: 'own-train', textContent: `Trains with its own ${shared}.` }));
    }
    const now = (): State => this.store.get().state;
    card.append(el('div', { className: 'stats' }), exportButton(() => toRunConfig(now(), i, 0, this.catalog), () => now().variants[i]?.preset ?? v.preset, `export-tool-${i}`));
    return card;
  }

  /**
   * The optimizer knobs of a variant, in the schema's order: each shows the value the variant
   * trains with (its preset's, or its override's, in bold) and writes overrides when changed.
   */
  private knobsDisclosure(v: Variant, i: number): HTMLElement {
    const { catalog } = this;
    const box = el('details', { className: 'knobs' });
    box.open = this.openKnobs.has(i);
    box.addEventListener('toggle', () => {
      if (box.open) this.openKnobs.add(i);
      else this.openKnobs.delete(i);
    });
    const changed = Object.keys(v.overrides).length;
    box.append(
      el('summary', { textContent: `optimizer knobs${changed > 0 ? ` · ${changed} changed` : ''}`, title: 'every knob of the optimizer: the preset sets some, you may override any' }),
      el('p', { className: 'legend', textContent: `Values ${v.preset} trains with; bold: changed here. Hover a name for what it does and its paper.` }),
    );
    for (const spec of catalog.algo) {
      const f = knobField(spec, algoValue(catalog, v, spec) as KnobValue, (value) => {
        this.dispatch({ type: 'algo-knob', variant: i, key: spec.key, value: value as JsonValue });
      });
      f.title += `\n${v.preset}'s value: ${JSON.stringify(presetValue(catalog, v.preset, spec))}`;
      f.classList.toggle('changed', spec.key in v.overrides);
      box.append(this.pending.watch(f, (a, s) => {
        const [was, is] = [a.variants[i], s.variants[i]];
        return !was || !is || was.preset !== is.preset || !sameValue(algoValue(catalog, was, spec), algoValue(catalog, is, spec));
      }));
    }
    const clear = el('button', { className: 'small', textContent: `all back to ${v.preset}`, title: 'remove every override of this variant' });
    clear.disabled = changed === 0;
    clear.addEventListener('click', () => this.dispatch({ type: 'overrides', variant: i, overrides: {} }));
    box.append(clear);
    return box;
  }
}
