import { defineConfig } from 'vite';

// Static files for `activityd serve` to host at `/`: hashed assets under /assets, no inline script
// (the server's Content-Security-Policy forbids it), nothing loaded from another origin.
export default defineConfig({
  base: '/',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
});
