import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built into the broker's own dist/, served by it at /console (src/console/console-assets.ts).
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: '../dist/console',
    emptyOutDir: true,
    assetsDir: 'assets',
    // No inline script or style may run under the console's CSP: every asset is a file.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
});
