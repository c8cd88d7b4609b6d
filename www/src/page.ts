// The page (index.html): the app in its <div class="app">, linked to the URL hash. `?embed`
// (before the hash) keeps only charts, Run / Pause / Reset and the badge, for iframes, and then
// the page tells its parent its height whenever it changes (EMBED_HEIGHT), for auto-resize.

import './locale-guard';
import 'uplot/dist/uPlot.min.css';
import 'katex/dist/katex.min.css';
import { mountApp, type Probe } from './main';
import { registerOffline } from './offline';

declare global {
  interface Window {
    /** For browser tests: the app's probe, once start-up has read the schema. */
    __playground: Probe;
  }
}

/**
 * The message an embedded page (`?embed`, in an iframe) posts to its parent, to any origin,
 * whenever its content's height changes: `{ type: 'grpo-playground:height', height }`, in CSS
 * pixels. A parent matches `event.source` against its iframe's `contentWindow`.
 */
export const EMBED_HEIGHT = 'grpo-playground:height';
export interface EmbedHeight {
  type: typeof EMBED_HEIGHT;
  height: number;
}

const container = document.getElementById('app');
if (!container) throw new Error('#app is missing from index.html');
const embedded = new URLSearchParams(location.search).has('embed');
registerOffline();
const app = mountApp({
  container,
  mainContent: true,
  dropZone: document,
  link: () => location.hash,
  write: (link) => history.replaceState(null, '', link),
  linkName: "The link's settings",
  restartOnLink: false,
  autoplay: () => false,
  controls: () => (embedded ? 'minimal' : 'full'),
  persist: true,
  ready: (probe) => {
    window.__playground = probe;
  },
});
// replaceState never fires this: only a hand-edited URL or a pasted link does.
window.addEventListener('hashchange', () => app.linkChanged());

if (embedded && window.parent !== window) {
  let posted = -1;
  new ResizeObserver(() => {
    const height = Math.ceil(container.getBoundingClientRect().height);
    if (height === posted) return;
    posted = height;
    const message: EmbedHeight = { type: EMBED_HEIGHT, height };
    window.parent.postMessage(message, '*');
  }).observe(container);
}
