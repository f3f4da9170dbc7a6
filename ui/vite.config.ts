import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

export default defineConfig(({ mode }) => ({
  plugins: [svelte()],
  base: './',
  clearScreen: false,
  // The desktop shell's devUrl.
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
  build: { outDir: 'dist', target: 'es2022', emptyOutDir: true },
  // Component tests mount Svelte's browser build in jsdom.
  resolve: mode === 'test' ? { conditions: ['browser'] } : undefined,
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
  },
}));
