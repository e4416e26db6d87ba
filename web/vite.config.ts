import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built into the broker's own dist/, served by it at /console (src/console/console-assets.ts).
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  plugins: [react()],
  build: {
    // Not dist/console: that is where tsc puts src/console, and emptyOutDir would delete it.
    outDir: '../dist/web',
    emptyOutDir: true,
    assetsDir: 'assets',
    // No inline script or style may run under the console's CSP: every asset is a file.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
});
