import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    testing: 'src/testing/index.ts',
    machines: 'machines/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: true,
  // Optional peers are loaded lazily with import(); never bundle them.
  external: ['ioredis', 'better-sqlite3', '@statelyai/inspect'],
});
