import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** `pnpm --filter @tlp/web dev` proxies the API to the gateway given by GATEWAY_URL. */
const gateway = process.env.GATEWAY_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  server: { proxy: { '/v1': gateway, '/docs': gateway } },
});
