// The app's markup: what mountApp (main.ts) fills and wires, the same in the page (index.html's
// <div class="app">) and in <grpo-playground>'s shadow root (element.ts). Ids are unique within
// one app; each shadow root scopes its own. Everything but the header sits in one landmark (the
// page's <main>; in an element, a region inside its host page's landmarks), and two polite live
// regions say the runs' state and the lesson's check results, only when they change (live-region.ts).

/** The app's markup; `main`: its landmark is the page's <main>, else a region named grpo-playground. */
export function appHtml(main: boolean): string {
  const [open, close] = main ? ['<main class="app-main">', '</main>'] : ['<section class="app-main" aria-label="grpo-playground">', '</section>'];
  return `
<header class="bar">
  <h1>grpo-playground</h1>
  <div class="buttons">
    <button id="run" data-testid="run" class="primary">Run</button>
    <button id="pause" data-testid="pause">Pause</button>
    <button id="step" data-testid="step" class="full">Step</button>
    <button id="reset" data-testid="reset">Reset</button>
    <button id="export-csv" data-testid="export-csv" class="full">Export CSV</button>
    <button id="export-json" data-testid="export-json" class="full">Export JSON</button>
    <button id="clear-saved" data-testid="clear-saved" class="full" title="forget the comparisons this browser saved (a reload then starts afresh)">Clear saved runs</button>
  </div>
  <label class="lessons-menu full">Lessons <select id="lessons" data-testid="lessons" aria-label="lessons"></select></label>
  <span id="backend" data-testid="backend" class="badge">detecting backend…</span>
</header>
${open}
<p id="status" data-testid="status" class="status">loading…</p>
<p id="notice" class="notice" hidden></p>
<p id="announce-run" data-testid="announce-run" class="visually-hidden" role="status" aria-live="polite"></p>
<p id="announce-checks" data-testid="announce-checks" class="visually-hidden" role="status" aria-live="polite"></p>
<div class="layout">
  <aside class="controls full">
    <section id="setup"></section>
    <section>
      <h2>Variants</h2>
      <div id="variants"></div>
      <button id="add-variant" data-testid="add-variant">+ Add variant</button>
    </section>
    <p id="note" class="note">
      Knobs tagged <span class="tag live">live</span> change the running runs at their next step.
      Every other knob is a restart knob: it shows <span class="tag restart">on Reset</span> once
      changed, and applies on Reset (or on Run). A new task brings its own defaults for every knob.
    </p>
  </aside>
  <section class="results">
    <section id="lesson" class="card lesson-panel" data-testid="lesson-panel" hidden></section>
    <div class="charts-column">
      <p id="live-log" class="live-log" hidden></p>
      <div id="charts" class="charts"></div>
      <section class="card samples-panel full">
        <h2>Samples of <select id="sample-variant" aria-label="variant"></select></h2>
        <div id="samples"></div>
      </section>
      <details id="inspector" class="card inspector-panel full" data-testid="inspector">
        <summary>Step inspector — which tokens the last step reinforced or suppressed, and why</summary>
      </details>
      <details id="glossary" class="card glossary full"></details>
    </div>
  </section>
</div>
${close}
`;
}

/** The elements of APP_HTML that the app fills and wires. */
export interface Elements {
  run: HTMLButtonElement;
  pause: HTMLButtonElement;
  step: HTMLButtonElement;
  reset: HTMLButtonElement;
  exportCsv: HTMLButtonElement;
  exportJson: HTMLButtonElement;
  clearSaved: HTMLButtonElement;
  addVariant: HTMLButtonElement;
  backend: HTMLElement;
  status: HTMLElement;
  announceRun: HTMLElement;
  announceChecks: HTMLElement;
  notice: HTMLElement;
  note: HTMLElement;
  setup: HTMLElement;
  variants: HTMLElement;
  charts: HTMLElement;
  samples: HTMLElement;
  sampleVariant: HTMLSelectElement;
  liveLog: HTMLElement;
  lessons: HTMLSelectElement;
  lesson: HTMLElement;
  inspector: HTMLDetailsElement;
  glossary: HTMLElement;
}

/** The elements of APP_HTML in `container` (throws naming a missing one). */
export function elementsOf(container: HTMLElement): Elements {
  function byId<T extends HTMLElement>(id: string): T {
    const e = container.querySelector<T>(`#${id}`);
    if (!e) throw new Error(`#${id} is missing from the app's markup`);
    return e;
  }
  return {
    run: byId('run'),
    pause: byId('pause'),
    step: byId('step'),
    reset: byId('reset'),
    exportCsv: byId('export-csv'),
    exportJson: byId('export-json'),
    clearSaved: byId('clear-saved'),
    addVariant: byId('add-variant'),
    backend: byId('backend'),
    status: byId('status'),
    announceRun: byId('announce-run'),
    announceChecks: byId('announce-checks'),
    notice: byId('notice'),
    note: byId('note'),
    setup: byId('setup'),
    variants: byId('variants'),
    charts: byId('charts'),
    samples: byId('samples'),
    sampleVariant: byId('sample-variant'),
    liveLog: byId('live-log'),
    lessons: byId('lessons'),
    lesson: byId('lesson'),
    inspector: byId('inspector'),
    glossary: byId('glossary'),
  };
}
