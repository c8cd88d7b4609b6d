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
//   theme="light|dark|auto"   its colours (auto: the reader's prefers-color-scheme); the --grpo-*
//                      custom properties on the element restyle either
//
// A changed attribute applies as a changed URL does, and then restarts the runs (there may be no
// Reset button). An element saves no runs (persist.ts is the page's): it starts as its attributes
// say, and elements with the same state on one page cannot overwrite each other's runs. A bad
// attribute shows its error as text in the element, as a bad link does, and fires an `error`
// event. A script drives it with run(), pause(), step(), reset(), `ready` and `metrics`, and hears
// its `step`, `runstate`, `checks` and `error` events (element-api.ts has their types).
// Built by `vite.element.config.ts` into element/dist/ (`npm pack` in www/element).

import './locale-guard';
import appCss from '../style.css?inline';
import uplotCss from 'uplot/dist/uPlot.min.css?inline';
import katexCss from 'katex/dist/katex.min.css?inline';
import { callApp, EventBridge, metricsSnapshot, TAG, type GrpoPlaygroundEventMap, type VariantMetrics } from './element-api';
import { CONTROLS, mountApp, type App, type Controls, type Probe } from './main';
import { errorMessage } from './protocol';
import { show } from './schema';

export * from './element-api';

const THEMES = ['light', 'dark', 'auto'] as const;
/** The reader's preference that `theme="auto"` follows. */
const PREFERS_DARK = '(prefers-color-scheme: dark)';

/**
 * The dark theme: values of the custom properties the app's CSS reads (style.css), which a host
 * page's own values on the element override.
 */
const DARK = `color-scheme: dark;
  --grpo-bg: #15191e; --grpo-card: #1e242b; --grpo-line: #363f4a; --grpo-fg: #e4e8ec; --grpo-muted: #a0aab5;
  --grpo-accent: #3b82f6; --grpo-good: #1d3d27; --grpo-bad: #ef6c6c; --grpo-soft: #28303a;
  --grpo-warn-bg: #3b3019; --grpo-warn-line: #6e5728; --grpo-highlight: #4a4016; --grpo-dropped: #9aa3ad;`;

/**
 * Inside the shadow root, before the app's own CSS: nothing inherits into it from the host page
 * (`all: initial` on the outermost box, which keeps custom properties; the app's box sets its own
 * font and colours from them).
 */
const FRAME_CSS = `
:host { display: block; overflow: auto; color-scheme: light; }
:host([hidden]) { display: none; }
:host([theme='dark']) { ${DARK} }
@media ${PREFERS_DARK} { :host([theme='auto']) { ${DARK} } }
.frame { all: initial; display: block; font: 14px var(--grpo-font, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif); }
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

/** What is wrong with attribute `name`, one the app does not read itself ('' when nothing). */
function attributeProblem(el: HTMLElement, name: string): string {
  const value = el.getAttribute(name);
  if (value === null) return '';
  const oneOf = (valid: readonly string[]): string => (valid.includes(value) ? '' : `${name}: unknown ${show(value)}; valid: ${valid.join(', ')}`);
  switch (name) {
    case 'controls':
      return oneOf(CONTROLS);
    case 'theme':
      return oneOf(THEMES);
    case 'height':
      return heightOf(value) === null ? `height: ${show(value)} is not a length; e.g. 520 (pixels) or 40em` : '';
    default:
      return '';
  }
}

/** The attributes attributeProblem checks. */
const CHECKED = ['controls', 'height', 'theme'];

/** A `height` attribute as a CSS length: a plain number is pixels; null when it is no length. */
function heightOf(value: string): string | null {
  const length = /^\s*\d+(\.\d+)?\s*$/.test(value) ? `${value.trim()}px` : value.trim();
  return CSS.supports('height', length) && length !== '' ? length : null;
}

export class GrpoPlayground extends HTMLElement {
  static readonly observedAttributes = ['state', 'lesson', 'replay', 'autoplay', 'controls', 'height', 'theme'];

  readonly #notice: HTMLElement;
  readonly #box: HTMLElement;
  readonly #events = new EventBridge(this, () => this.#probe);
  #app: App | null = null;
  /** The app once it started: what the methods drive. */
  #started: App | null = null;
  #probe: Probe | undefined = undefined;
  /** Stops the element's listeners on the window (when the app is destroyed). */
  #listening: AbortController | null = null;
  #ready!: Promise<void>;
  #settle!: { resolve: () => void; reject: (e: Error) => void };

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
    this.#waitReady();
  }

  /**
   * Resolves when the wasm is loaded, the schema read and the first runs made (their workers
   * asked for sessions): the methods work from then on. Rejects when start-up failed; a new one
   * waits again after the element was taken off the page and put back.
   */
  get ready(): Promise<void> {
    return this.#ready;
  }

  #waitReady(): void {
    this.#ready = new Promise((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    // A host that never awaits it has the error event; no unhandled rejection.
    this.#ready.catch(() => undefined);
  }

  /** Starts (or resumes) every run, as the Run button; resolves when they were asked to. */
  run(): Promise<void> {
    return callApp('run', arguments, this.#started, (app) => app.play());
  }

  /** Pauses every run, as the Pause button; `runstate` says `paused` once all of them stopped. */
  pause(): Promise<void> {
    return callApp('pause', arguments, this.#started, (app) => app.pause());
  }

  /** One step of every run that is not running, as the Step button; a `step` event per variant follows. */
  step(): Promise<void> {
    return callApp('step', arguments, this.#started, (app) => app.step());
  }

  /** Fresh runs of the element's state, as the Reset button (`runstate`: `reset`). */
  reset(): Promise<void> {
    return callApp('reset', arguments, this.#started, (app) => app.reset());
  }

  /** Per variant, its steps so far: a frozen copy, read again for newer ones. */
  get metrics(): readonly VariantMetrics[] {
    return metricsSnapshot(this.#probe);
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
      const app = this.#mount();
      this.#app = app;
      this.#listening = new AbortController();
      // theme="auto" follows the reader's preference as it changes: the charts' canvases draw again.
      matchMedia(PREFERS_DARK).addEventListener('change', () => {
        if (this.getAttribute('theme') === 'auto') app.restyled();
      }, { signal: this.#listening.signal });
      const { resolve, reject } = this.#settle;
      app.started.then(() => {
        if (this.#app !== app) return;
        this.#started = app;
        resolve();
      }, reject);
    } catch (e) {
      // Never an uncaught exception on the host page: the reason, as text in the element.
      const message = errorMessage(e);
      this.#notice.textContent = `The playground did not start: ${message}`;
      this.#notice.hidden = false;
      this.#settle.reject(new Error(message));
      this.#events.error(message, null);
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
      news: (news) => this.#events.hear(news),
    });
  }

  disconnectedCallback(): void {
    // Moved within the page: connected again before this microtask runs, and keeps training.
    queueMicrotask(() => {
      if (this.isConnected || !this.#app) return;
      this.#app.destroy();
      this.#listening?.abort();
      this.#app = null;
      this.#started = null;
      this.#probe = undefined;
      this.#settle.reject(new Error(`${TAG}: taken off the page before it was ready`));
      this.#waitReady();
    });
  }

  attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    if (old === value) return;
    this.#showAttributes();
    const problem = attributeProblem(this, name);
    if (problem !== '') this.#events.error(problem, name);
    const app = this.#app;
    if (!app) return;
    if (name === 'state' || name === 'lesson' || name === 'replay') app.linkChanged();
    else if (name === 'controls') app.controlsChanged();
    else if (name === 'theme') app.restyled();
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
    const problem = CHECKED.map((name) => attributeProblem(this, name)).filter((p) => p !== '').join('\n');
    this.#notice.textContent = problem;
    this.#notice.hidden = problem === '';
  }
}

if (!customElements.get(TAG)) customElements.define(TAG, GrpoPlayground);

type Listener<E> = (this: GrpoPlayground, event: E) => unknown;

/** The element's own events typed by name (`step`, `runstate`, `checks`, `error`), then the usual ones. */
export interface GrpoPlayground {
  addEventListener<K extends keyof GrpoPlaygroundEventMap>(type: K, listener: Listener<GrpoPlaygroundEventMap[K]>, options?: boolean | AddEventListenerOptions): void;
  addEventListener<K extends keyof HTMLElementEventMap>(type: K, listener: Listener<HTMLElementEventMap[K]>, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof GrpoPlaygroundEventMap>(type: K, listener: Listener<GrpoPlaygroundEventMap[K]>, options?: boolean | EventListenerOptions): void;
  removeEventListener<K extends keyof HTMLElementEventMap>(type: K, listener: Listener<HTMLElementEventMap[K]>, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}

declare global {
  interface HTMLElementTagNameMap {
    [TAG]: GrpoPlayground;
  }
}
