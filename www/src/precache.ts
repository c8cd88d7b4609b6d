// The build step of the service worker (sw.ts): a Vite plugin that writes the build's own file
// list and a version computed from every file's name and contents into sw.js, and gives sw.js a
// fixed name beside index.html. Imported by vite.config.ts (it runs in Node at build time).

import type { Plugin } from 'vite';

/** The service worker's entry (its chunk is named after it). */
export const SW_ENTRY = 'sw';

/** 32-bit FNV-1a over `data`, continuing from `hash`: the version need not be cryptographic. */
function fnv1a(data: Uint8Array, hash: number): number {
  let h = hash;
  for (const byte of data) h = Math.imul(h ^ byte, 16777619) >>> 0;
  return h;
}

export function precache(): Plugin {
  return {
    name: 'grpo-playground-precache',
    apply: 'build',
    // After Vite's own steps, which add the HTML files and drop the chunks of CSS-only entries.
    generateBundle: {
      order: 'post',
      handler(_options, bundle) {
        const worker = Object.values(bundle).find((f) => f.type === 'chunk' && f.isEntry && f.name === SW_ENTRY);
        if (!worker || worker.type !== 'chunk') return;
        const encode = (s: string): Uint8Array => new TextEncoder().encode(s);
        const files = Object.keys(bundle).filter((f) => f !== worker.fileName && !f.endsWith('.map')).sort();
        let hash = 2166136261;
        for (const name of files) {
          const f = bundle[name]!;
          hash = fnv1a(encode(name), hash);
          hash = fnv1a(f.type === 'chunk' ? encode(f.code) : typeof f.source === 'string' ? encode(f.source) : f.source, hash);
        }
        const precached = { version: hash.toString(16).padStart(8, '0'), files: ['./', ...files] };
        worker.code = worker.code.replace('__PRECACHE__', JSON.stringify(precached));
      },
    },
  };
}
