import { defineConfig } from 'vite';

// Everything the viewer needs is bundled: no CDN, no web fonts, no inline script (the server's CSP forbids them).
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      // The scene core's front door re-exports its zod schemas, so rollup reads zod to learn their names
      // (then leaves it out of the bundle: the viewer uses no schema). zod's comments that rollup cannot
      // place are only noise in every `pnpm install`.
      onwarn(warning, warn) {
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('/node_modules/')) return;
        warn(warning);
      },
    },
  },
});
