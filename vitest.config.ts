import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Model loading and WASM PostgreSQL are CPU-heavy: two cores here, so few workers.
    maxWorkers: 2,
    testTimeout: 180_000,
    hookTimeout: 300_000,
    globalSetup: ['tests/global-setup.ts'],
  },
});
