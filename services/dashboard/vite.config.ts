// Vite build of the dashboard: one static folder (dist/) with relative asset paths, so the gateway
// can serve it from any path. Everything is bundled; the page loads nothing from another origin.

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  publicDir: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // One small page: a single JS and a single CSS file.
    modulePreload: false,
    assetsInlineLimit: 0,
  },
  // `vite` (dev server): the page's /ws goes to a gateway (CAROUSEL_GATEWAY_WS, default :8080).
  server: {
    proxy: { '/ws': { target: process.env['CAROUSEL_GATEWAY_WS'] ?? 'ws://127.0.0.1:8080', ws: true } },
  },
});
