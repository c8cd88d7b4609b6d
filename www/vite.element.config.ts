// Builds <grpo-playground> (src/element.ts) into element/dist/: one ES module, its worker and
// the wasm and KaTeX's fonts beside it under assets/, found relative to the module
// (`new URL(…, import.meta.url)`, also inside the CSS), so the package works from wherever it is
// installed and fetches nothing from elsewhere. The app's CSS, uPlot's and KaTeX's are strings
// inside the module, for the shadow root. The TypeScript declarations come after it, from the
// sources (`tsc -p tsconfig.element.json` in build:element, into element/dist/types).
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  publicDir: false,
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    outDir: 'element/dist',
    emptyOutDir: true,
    rollupOptions: {
      input: { 'grpo-playground': 'src/element.ts' },
      preserveEntrySignatures: 'exports-only',
      output: { entryFileNames: '[name].js', chunkFileNames: 'assets/[name]-[hash].js', assetFileNames: 'assets/[name]-[hash][extname]' },
    },
  },
});
