import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    testing: 'src/testing/index.ts',
    machines: 'machines/index.ts',
    monitor: 'src/monitor/index.ts',
    cli: 'src/cli/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: true,
  // import.meta.url (tracing and the CLI load optional packages with createRequire) needs a shim in the CJS build.
  shims: true,
  // Optional peers are loaded lazily with import(); never bundle them.
  external: ['ioredis', 'better-sqlite3', '@statelyai/inspect', 'hono', '@hono/node-server', '@opentelemetry/api'],
});
