// <grpo-playground>: the app (main.ts) as a custom element, in a shadow root so that the host
// page's CSS does not reach it and its CSS does not reach the page. Each element has its own
// state and its own workers. Its attributes are the page's URL:
//
//   state="task=bandit&v0.preset=grpo&v1.preset=rloo"   the URL hash's state (same names, same errors)
//   lesson="ID"        a lesson's setup (as `lesson=ID` in the state)
//   replay="URL"       a finished comparison's JSON (as `#replay=URL`), relative to the host page
//   autoplay           runs start on their own (after start-up, and after each state change)
//   controls="full|minimal|none"   the whole page, charts with Run / Pause / Reset (`?embed`), or charts only
//   height="520"       the element's height (a number: pixels; or any CSS length); it scrolls inside
//
// A changed attribute applies as a changed URL does, and then restarts the runs (there may be no
// Reset button). An element saves no runs (persist.ts is the page's): it starts as its attributes
// say, and elements with the same state on one page cannot overwrite each other's runs. A bad
// attribute shows its error as text in the element, as a bad link does.
// Built by `vite.element.config.ts` into element/dist/ (`npm pack` in www/element).

import './locale-guard';
import appCss from '../style.css?inline';
import uplotCss from 'uplot/dist/uPlot.min.css?inline';
import katexCss from 'katex/dist/katex.min.css?inline';
import { CONTROLS, mountApp, type App, type Controls, type Probe } from './main';
import { errorMessage } from './protocol';
import { show } from './schema';

/** The element's tag. */
export const TAG = 'grpo-playground';

/**
 * Inside the shadow root, before the app's own CSS: nothing inherits into it from the host page
 * (`all: initial` on the outermost box; the app's box sets its own font and colours).
 */
const FRAME_CSS = `
:host { display: block; overflow: auto; }
:host([hidden]) { display: none; }
.frame { all: initial; display: block; font: 14px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; }
.frame > .notice { margin: 0 0 8px; }
`;

/**
 * Chrome does not load fonts declared inside a shadow root, so KaTeX's @font-face rules go to the
 * document, once (they declare only KaTeX's own font families and style nothing).
 */
function declareFonts(): void {
  const id = `${TAG}-fonts`;
  if (document.getElementById(id)) return;
  // Through a copy: rolldown 1 inlines the import's `a + b` as `a + b.match(…)`, a string.
  const css: string = `${katexCss}`;
  const faces = css.match(/@font-face\s*{[^}]*}/g) ?? [];
  const style = Object.assign(document.createElement('style'), { id, textContent: faces.join('\n') });
  document.head.append(style);
}

/** What is wrong with the attributes the app does not read itself ('' when nothing). */
function attributeProblem(el: HTMLElement): string {
  const problems: string[] = [];
  const controls = el.getAttribute('controls');
  if (controls !== null && !(CONTROLS as readonly string[]).includes(controls)) {
    problems.push(`controls: unknown ${show(controls)}; valid: ${CONTROLS.join(', ')}`);
  }
  const height = el.getAttribute('height');
  if (height !== null && heightOf(height) === null) {
    problems.push(`height: ${show(height)} is not a length; e.g. 520 (pixels) or 40em`);
  }
  return problems.join('\n');
}

/** A `height` attribute as a CSS length: a plain number is pixels; null when it is no length. */
function heightOf(value: string): string | null {
  const length = /^\s*\d+(\.\d+)?\s*$/.test(value) ? `${value.trim()}px` : value.trim();
  return CSS.supports('height', length) && length !== '' ? length : null;
}

export class GrpoPlayground extends HTMLElement {
  static readonly observedAttributes = ['state', 'lesson', 'replay', 'autoplay', 'controls', 'height'];

  readonly #notice: HTMLElement;
  readonly #box: HTMLElement;
  #app: App | null = null;
  #probe: Probe | undefined = undefined;

  constructor() {
    super();
    const shadow = this.attachShadow({ mode: 'open' });
    const style = Object.assign(document.createElement('style'), { textContent: [FRAME_CSS, appCss, uplotCss, katexCss].join('\n') });
    this.#notice = Object.assign(document.createElement('p'), { className: 'notice', hidden: true });
    this.#notice.dataset.testid = 'attribute-notice';
    this.#box = Object.assign(document.createElement('div'), { className: 'app' });
    const frame = Object.assign(document.createElement('div'), { className: 'frame' });
    frame.append(this.#notice, this.#box);
    shadow.append(style, frame);
  }

  /** For tests: the app's probe (as the page's `window.__playground`), once start-up has read the schema. */
  get playground(): Probe | undefined {
    return this.#probe;
  }

  connectedCallback(): void {
    this.#showAttributes();
    if (this.#app) return;
    try {
      declareFonts();
      this.#app = this.#mount();
    } catch (e) {
      // Never an uncaught exception on the host page: the reason, as text in the element.
      this.#notice.textContent = `The playground did not start: ${errorMessage(e)}`;
      this.#notice.hidden = false;
    }
  }

  #mount(): App {
    return mountApp({
      container: this.#box,
      dropZone: this.#box,
      link: () => this.#link(),
      write: () => {},
      linkName: "The element's settings",
      restartOnLink: true,
      autoplay: () => this.hasAttribute('autoplay'),
      controls: () => this.#controls(),
      ready: (probe) => {
        this.#probe = probe;
      },
    });
  }

  disconnectedCallback(): void {
    // Moved within the page: connected again before this microtask runs, and keeps training.
    queueMicrotask(() => {
      if (this.isConnected || !this.#app) return;
      this.#app.destroy();
      this.#app = null;
      this.#probe = undefined;
    });
  }

  attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    if (old === value) return;
    this.#showAttributes();
    const app = this.#app;
    if (!app) return;
    if (name === 'state' || name === 'lesson' || name === 'replay') app.linkChanged();
    else if (name === 'controls') app.controlsChanged();
    else if (name === 'autoplay' && value !== null) app.play();
  }

  /** The link the attributes make: `#replay=URL`, or `#lesson=ID&` + the state attribute. */
  #link(): string {
    const replay = this.getAttribute('replay');
    if (replay !== null && replay !== '') return `#replay=${encodeURIComponent(replay)}`;
    const parts: string[] = [];
    const lesson = this.getAttribute('lesson');
    if (lesson !== null) parts.push(`lesson=${encodeURIComponent(lesson)}`);
    const state = (this.getAttribute('state') ?? '').trim().replace(/^#/, '');
    if (state !== '') parts.push(state);
    return parts.length > 0 ? `#${parts.join('&')}` : '';
  }

  #controls(): Controls {
    const controls = this.getAttribute('controls');
    return CONTROLS.find((c) => c === controls) ?? 'full';
  }

  /** The height, and the notice about attributes the app does not read (controls, height). */
  #showAttributes(): void {
    const height = this.getAttribute('height');
    this.style.height = height === null ? '' : (heightOf(height) ?? '');
    const problem = attributeProblem(this);
    this.#notice.textContent = problem;
    this.#notice.hidden = problem === '';
  }
}

if (!customElements.get(TAG)) customElements.define(TAG, GrpoPlayground);

declare global {
  interface HTMLElementTagNameMap {
    [TAG]: GrpoPlayground;
  }
}
