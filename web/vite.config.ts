import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * The customer pages' scripts and the operators' console, one entry per page, built to dist/web and served under /assets/.
 * Names stay fixed (no content hash): the server writes the script tags itself and answers with
 * ETags, so a new build is picked up on the next load.
 */
export default defineConfig({
  root: here('.'),
  publicDir: here('public'),
  base: '/assets/',
  logLevel: 'warn',
  build: {
    outDir: here('../dist/web'),
    emptyOutDir: true,
    target: 'es2020',
    modulePreload: false,
    reportCompressedSize: false,
    rollupOptions: {
      input: {
        join: here('join.ts'),
        ticket: here('ticket.ts'),
        board: here('board.ts'),
        console: here('console/main.ts'),
      },
      output: { entryFileNames: '[name].js', chunkFileNames: '[name].js', assetFileNames: '[name][extname]' },
    },
  },
});
