import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The web UI builds to web/dist, which `cairn serve` serves at `/` (src/http/routes/web-ui-routes.ts). */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: { '/v1': 'http://127.0.0.1:7700', '/readyz': 'http://127.0.0.1:7700', '/metrics': 'http://127.0.0.1:7700' },
  },
});
