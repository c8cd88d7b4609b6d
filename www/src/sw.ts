// The service worker (built as dist/sw.js, registered by offline.ts in production builds only):
// after the first visit the page, its scripts, styles and the wasm load from the cache, so it
// works offline. The build replaces __PRECACHE__ with its own file list and a version computed
// from their contents (vite.config.ts), so each build is a new worker: it fills a new cache, and
// once active deletes the caches of earlier builds at the same scope (other deployments on the
// origin keep theirs). Pages are fetched network first (a new build's page when online), every
// other file cache first (their names carry content hashes).

interface Precache {
  version: string;
  /** Paths relative to the worker's scope. */
  files: string[];
}
declare const __PRECACHE__: Precache;

/** The parts of the service worker's scope and events used here (the DOM lib lacks them). */
interface LifecycleEvent extends Event {
  waitUntil(done: Promise<unknown>): void;
}
interface FetchEvent extends LifecycleEvent {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}
interface WorkerScope {
  readonly registration: { readonly scope: string };
  skipWaiting(): Promise<void>;
  readonly clients: { claim(): Promise<void> };
  addEventListener(type: 'install' | 'activate', listener: (e: LifecycleEvent) => void): void;
  addEventListener(type: 'fetch', listener: (e: FetchEvent) => void): void;
}

const sw = self as unknown as WorkerScope;
const { version, files } = __PRECACHE__;
const scope = sw.registration.scope;
const prefix = `grpo-playground ${scope} `;
const cacheName = `${prefix}${version}`;
const page = new URL('index.html', scope).href;

sw.addEventListener('install', (e) => {
  e.waitUntil(
    caches.open(cacheName)
      .then((cache) => cache.addAll(files.map((f) => new URL(f, scope).href)))
      .then(() => sw.skipWaiting()),
  );
});

sw.addEventListener('activate', (e) => {
  e.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith(prefix) && n !== cacheName).map((n) => caches.delete(n))))
      .then(() => sw.clients.claim()),
  );
});

async function cached(request: Request | string): Promise<Response | undefined> {
  const cache = await caches.open(cacheName);
  return cache.match(request, { ignoreSearch: true });
}

sw.addEventListener('fetch', (e) => {
  const request = e.request;
  if (request.method !== 'GET' || !request.url.startsWith(scope)) return;
  if (request.mode === 'navigate') {
    e.respondWith(fetch(request).catch(async (err: unknown) => (await cached(request)) ?? (await cached(page)) ?? Promise.reject(err)));
    return;
  }
  e.respondWith(cached(request).then((hit) => hit ?? fetch(request)));
});
