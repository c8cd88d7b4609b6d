// Small DOM builders for the control panel: one labelled input per knob of a table.

import { knobProblem, type KnobSpec, type KnobValue } from './state';

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Pick<HTMLElement, 'className' | 'textContent' | 'title'>> = {},
  children: (Node | string)[] = [],
): HTMLElementTagNameMap[K] {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

/**
 * A `<label>` holding its caption and control, so the caption names the control; a group of
 * checkboxes (which carry their own labels) sits in a `<div>` instead.
 */
export function field(caption: string, control: HTMLElement, help = ''): HTMLElement {
  const tag = control.classList.contains('set') ? 'div' : 'label';
  return el(tag, { className: 'field', title: help }, [el('span', { textContent: caption }), control]);
}

export interface Option<T extends string> {
  value: T;
  text: string;
  title?: string;
}

/** A `<select>` whose tooltip is the chosen option's `title`. */
export function select<T extends string>(options: readonly Option<T>[], value: T, onChange: (value: T) => void): HTMLSelectElement {
  const s = el('select');
  const showTitle = (): void => {
    s.title = options.find((o) => o.value === s.value)?.title ?? '';
  };
  for (const o of options) {
    const option = el('option', { textContent: o.text, title: o.title ?? '' });
    option.value = o.value;
    s.append(option);
  }
  s.value = value;
  showTitle();
  s.addEventListener('change', () => {
    showTitle();
    const chosen = options.find((o) => o.value === s.value);
    if (chosen) onChange(chosen.value);
  });
  return s;
}

/** A number field; a nullable knob's field may be left empty (unset), its placeholder saying what that means. */
function numberInput(spec: KnobSpec & { kind: 'int' | 'float' }, value: number | null, onChange: (v: number | null) => void): HTMLInputElement {
  const input = el('input');
  Object.assign(input, { type: 'number', min: String(spec.min), max: String(spec.max), step: spec.kind === 'int' ? '1' : String(spec.step), value: value === null ? '' : String(value) });
  if (spec.kind === 'int' && spec.nullable) input.placeholder = spec.nullable;
  input.addEventListener('change', () => {
    const n = input.value.trim() === '' && spec.kind === 'int' && spec.nullable ? null : input.valueAsNumber;
    const problem = knobProblem(spec, n);
    input.classList.toggle('invalid', problem !== '');
    input.title = problem || spec.help;
    if (problem === '') onChange(n);
  });
  return input;
}

/** A checkbox per option; at least one stays checked (an empty set is never valid). */
function setInput(options: readonly string[], value: readonly string[], onChange: (v: string[]) => void): HTMLElement {
  const box = el('span', { className: 'set' });
  const boxes = options.map((o) => {
    const check = Object.assign(el('input'), { type: 'checkbox', checked: value.includes(o) });
    box.append(el('label', {}, [check, o]));
    return check;
  });
  box.addEventListener('change', (e) => {
    const chosen = options.filter((_, i) => boxes[i]?.checked);
    if (chosen.length === 0 && e.target instanceof HTMLInputElement) e.target.checked = true;
    else onChange(chosen);
  });
  return box;
}

/** The control for one knob of a table, already labelled with the knob's name. */
export function knobField(spec: KnobSpec, value: KnobValue, onChange: (v: KnobValue) => void): HTMLElement {
  let control: HTMLElement;
  switch (spec.kind) {
    case 'int':
    case 'float':
      control = numberInput(spec, value === null ? null : Number(value), onChange);
      break;
    case 'bool': {
      const check = Object.assign(el('input'), { type: 'checkbox', checked: value === true });
      check.addEventListener('change', () => onChange(check.checked));
      control = check;
      break;
    }
    case 'choice':
      control = select(spec.options.map((o) => ({ value: o, text: o })), String(value), onChange);
      break;
    case 'set':
      control = setInput(spec.options, Array.isArray(value) ? value : [], onChange);
      break;
  }
  control.dataset.knob = spec.key;
  return field(spec.key, control, spec.help);
}
