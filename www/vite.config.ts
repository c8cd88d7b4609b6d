import { defineConfig } from 'vite';

// Relative base so the built page works from any sub-path (GitHub Pages, a blog's iframe).
export default defineConfig({
  base: './',
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    // selftest.html: the in-browser check that WebGPU and the CPU agree on a loss (tests/);
    // bench.html: the training-step benchmark (bench/reference.mjs).
    rollupOptions: { input: { main: 'index.html', selftest: 'selftest.html', bench: 'bench.html' } },
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
