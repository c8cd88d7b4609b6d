// Offline use: in a production build, registers the service worker (sw.ts, built as sw.js beside
// index.html, so it works under any sub-path). Dev mode (vite) registers none.

export function registerOffline(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('./sw.js').catch((e: unknown) => {
    console.warn(`no offline use: the service worker did not register (${String(e)})`);
  });
}
