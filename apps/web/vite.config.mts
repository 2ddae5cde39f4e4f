// The web front end: Preact + TypeScript, built by Vite into static files under dist/web/<page>/ that the gateway
// (desk) and the secretariat (audit) serve under their strict Content-Security-Policy: no inline script or style, no CDN.
// One build per page: `vite build --config apps/web/vite.config.ts --mode desk`. Vitest runs with mode "test".
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vitest/config';

const webRoot = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(webRoot, '../..');
const PAGES = ['desk', 'compose', 'audit'];
const alias = {
  '@corridor/gateway-api': path.join(repo, 'libs/gateway-api/src/index.ts'),
  '@corridor/contracts': path.join(repo, 'libs/contracts/src/index.ts'),
};

export default defineConfig(({ mode }) => {
  if (mode === 'test') {
    return {
      plugins: [preact()],
      resolve: { alias },
      test: {
        root: webRoot,
        environment: 'happy-dom',
        include: ['src/**/*.spec.ts', 'src/**/*.spec.tsx'],
      },
    };
  }
  if (!PAGES.includes(mode)) {
    throw new Error(`unknown page "${mode}": build one of ${PAGES.join(', ')} with --mode <page>`);
  }
  return {
    // Root is apps/web so a page's html and src/ share one tree; every file of the page lands under dist/web/<page>/.
    root: webRoot,
    base: '/',
    plugins: [preact()],
    resolve: { alias },
    publicDir: false,
    build: {
      outDir: path.join(repo, 'dist', 'web'),
      emptyOutDir: false,
      assetsDir: `${mode}/assets`,
      rollupOptions: { input: path.join(webRoot, mode, 'index.html') },
      // Strict CSP: no inline modulepreload polyfill, no data: URLs for assets.
      modulePreload: { polyfill: false },
      assetsInlineLimit: 0,
      sourcemap: true,
      reportCompressedSize: false,
    },
    logLevel: 'warn',
  };
});
