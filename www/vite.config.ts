import { defineConfig } from 'vite';
import { SW_ENTRY, precache } from './src/precache.ts';

// Relative base so the built page works from any sub-path (GitHub Pages, a blog's iframe).
export default defineConfig({
  base: './',
  worker: { format: 'es' },
  plugins: [precache()],
  build: {
    target: 'es2022',
    // selftest.html: the in-browser check that WebGPU and the CPU agree on a loss (tests/);
    // bench.html: the training-step benchmark (bench/reference.mjs); sw: the service worker that
    // keeps the page working offline (src/sw.ts), at a fixed name beside index.html.
    rollupOptions: {
      input: { main: 'index.html', selftest: 'selftest.html', bench: 'bench.html', [SW_ENTRY]: 'src/sw.ts' },
      output: { entryFileNames: (chunk) => (chunk.name === SW_ENTRY ? 'sw.js' : 'assets/[name]-[hash].js') },
    },
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
