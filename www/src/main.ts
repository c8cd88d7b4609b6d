// The app, mounted into a container by `mountApp`: the page's <div class="app"> (page.ts) or a
// <grpo-playground> element's shadow root (element.ts), each with its own state and workers. It
// puts the markup in, queues the user's actions behind start-up, reads the schema and lessons
// from the wasm, then hands the buttons to the app (playground.ts: a store and its panels). Each
// control updates the state through the store; the host's link (the page's URL hash) follows
// it, the live knobs (learning rate, temperature, ε, β) go to the running sessions, and every
// other knob waits for Reset. A lesson (`#lesson=ID`) sets the whole state from its setup; its
// panel asks for a prediction before Run, and Rust's `lesson_check` (in a helper worker) scores
// the runs as they report.

import { languageFallback } from './locale-guard';
import { CONTROLS, type App, type Host } from './host';
import { readLessons } from './lessons';
import { appHtml, elementsOf, type Elements } from './markup';
import { Playground, fromLink, replayLink, type Act } from './playground';
import { ask, errorMessage, spawnWorker } from './protocol';
import { readReplay } from './replay';
import type { Say } from './run-reports';
import { readSchema, type Catalog } from './schema';
import { defaultState } from './state';
import { testHooks } from './test-hooks';

export { CONTROLS, type App, type Controls, type Host, type Probe } from './host';

/**
 * Reads the schema and lessons from the wasm (in a helper worker, which stays to score lesson
 * runs) and the state from the link, and draws the app. Null when destroyed meanwhile.
 */
async function load(host: Host, ui: Elements, say: Say, act: Act, destroyed: () => boolean): Promise<Playground | null> {
  say.status('loading the wasm module…');
  const probe = spawnWorker();
  let catalog: Catalog;
  try {
    catalog = readSchema((await ask(probe, { type: 'schema' }, 'schema')).schema);
  } catch (e) {
    probe.terminate();
    throw e;
  }
  let lessonProblem = '';
  try {
    catalog = { ...catalog, lessons: readLessons((await ask(probe, { type: 'lessons' }, 'lessons')).lessons) };
  } catch (e) {
    lessonProblem = `No lessons in this page: ${errorMessage(e)}`;
  }
  // Nothing to score: the helper's wasm instance need not stay.
  if (catalog.lessons.length === 0 || destroyed()) probe.terminate();
  if (destroyed()) return null;
  const linked = fromLink(host, catalog, say);
  if (lessonProblem !== '') say.notice(lessonProblem);
  else if (languageFallback !== null) say.notice(`This browser reports the language "${languageFallback}", which is not a language tag: numbers are written as in en-US.`);
  const app = new Playground(host, ui, say, catalog, catalog.lessons.length === 0 ? null : probe, linked ?? defaultState(catalog), linked !== null, act, destroyed);
  host.ready(app.probe());
  if (new URLSearchParams(location.search).has('test')) window.__grpoTest = testHooks(app.runs);
  app.draw();
  return app;
}

/**
 * Mounts the app into `host.container` and starts it: the schema and lessons from the wasm, the
 * state from the host's link, then runs of that state, played if autoplay.
 */
export function mountApp(host: Host): App {
  host.container.innerHTML = appHtml(host.mainContent === true);
  const ui = elementsOf(host.container);
  const say: Say = {
    status: (text) => {
      ui.status.textContent = text;
    },
    notice: (text) => {
      ui.notice.textContent = text;
      ui.notice.hidden = text === '';
    },
    get noticeText() {
      return ui.notice.textContent ?? '';
    },
  };
  /** Set by destroy: queued actions, and a start-up still reading the wasm, stop there. */
  let destroyed = false;
  /** User actions run one after another, behind start-up: a Run pressed early waits its turn. */
  let actions: Promise<void> = Promise.resolve();
  const act: Act = (job) => {
    const done = actions.then(() => (destroyed ? undefined : job()));
    actions = done.catch((e: unknown) => {
      const message = errorMessage(e);
      say.status(`error: ${message}`);
      host.news?.({ type: 'problem', source: 'action', message });
    });
    return done;
  };
  /** The app once start-up read the schema. */
  let app: Playground | null = null;
  /** Stops the app's listeners on its host (destroy). */
  const listening = new AbortController();
  const { signal } = listening;

  /** Run and Step asked for while a lesson's question waits (the buttons are disabled then). */
  const unblocked = (): void => {
    if (app?.lessons.runBlocked()) throw new Error('the lesson asks for a prediction first: answer its question, then run');
  };
  const play = (): Promise<void> => act(() => {
    unblocked();
    return app?.runNow();
  });
  const pause = (): Promise<void> => act(() => app?.pause());
  const step = (): Promise<void> => act(() => {
    unblocked();
    return app?.step();
  });
  const reset = (): Promise<void> => act(() => app?.apply());
  ui.run.addEventListener('click', () => void play());
  ui.pause.addEventListener('click', () => void pause());
  ui.step.addEventListener('click', () => void step());
  ui.reset.addEventListener('click', () => void reset());
  ui.exportCsv.addEventListener('click', () => act(() => app?.export('csv')));
  ui.exportJson.addEventListener('click', () => act(() => app?.export('json')));
  ui.addVariant.addEventListener('click', () => act(() => app?.store.dispatch({ type: 'add-variant' })));
  ui.clearSaved.hidden = host.persist !== true;
  ui.clearSaved.addEventListener('click', () => act(() => app?.saved?.clear()));
  ui.sampleVariant.addEventListener('change', () => app?.reports.renderSamplePanel());
  ui.lessons.addEventListener('change', () => {
    const id = ui.lessons.value;
    if (id !== '') app?.goLesson(id);
    // Free play: the same knobs, no lesson (the URL then names them all).
    else app?.store.dispatch({ type: 'free-play' });
  });
  // Saved runs: what waits for its throttled write is written before the page goes away.
  if (host.persist === true) document.addEventListener('visibilitychange', () => app?.saved?.flush(), { signal });
  host.dropZone.addEventListener('dragover', (e) => e.preventDefault(), { signal });
  host.dropZone.addEventListener('drop', (e) => {
    const file = (e as DragEvent).dataTransfer?.files[0];
    if (!file) return;
    e.preventDefault();
    act(() => {
      const shown = app;
      if (!shown) return;
      return shown.showReplay(async () => readReplay(await file.text(), shown.catalog));
    });
  }, { signal });

  /** Shows the chrome `host.controls()` asks for (the container's class: minimal, none, or neither). */
  function controlsChanged(): void {
    const controls = host.controls();
    for (const c of CONTROLS) if (c !== 'full') host.container.classList.toggle(c, c === controls);
  }

  const started = new Promise<void>((resolve, reject) => {
    act(async () => {
      try {
        // Read before the first drawing rewrites the link to the state's.
        const replayUrl = replayLink(host);
        controlsChanged();
        app = await load(host, ui, say, act, () => destroyed);
        await app?.begin(replayUrl);
        if (app) resolve();
        else reject(new Error('taken off the page while starting'));
      } catch (e) {
        reject(e instanceof Error ? e : new Error(errorMessage(e)));
        throw e;
      }
    });
  });
  // Whoever does not wait for start-up has the status line's error; no unhandled rejection.
  started.catch(() => undefined);
  return {
    started,
    linkChanged: () => void act(() => app?.linkChanged()),
    controlsChanged,
    restyled: () => app?.reports.scheduleDraw(),
    play,
    pause,
    step,
    reset,
    destroy: () => {
      destroyed = true;
      listening.abort();
      app?.destroy();
      host.container.replaceChildren();
    },
  };
}
