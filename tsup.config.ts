/**
 * One copy of the library: tsup bundles ONE implementation, as ES modules, into dist/. CommonJS users get a
 * one-line entry per subpath (`dist/<entry>.cjs`: `module.exports = require('./<entry>.js')`) that loads that same
 * ES module through Node's require(esm) (Node >= 20.19, see `engines`), so an app that both imports and requires
 * routilux shares one FlowRegistry, one getCurrentJob() scope and one set of classes. The `.d.cts` types are
 * copies of the `.d.ts` ones, so TypeScript consumers compiling to CommonJS (`module: node16`) see CommonJS types.
 *
 * Those CommonJS files are written by .ci/cjs-entries.mjs after tsup (see the `build` script): tsup writes the
 * `.d.ts` files in a worker that may still be running when its onSuccess hook fires.
 *
 * Adding an entry point: add it to `entries` here and to package.json `exports` (test/packaging checks the two agree).
 */
import { existsSync } from 'node:fs';
import { defineConfig } from 'tsup';

/** `dist/<name>.js` ← source. An entry whose source is absent is left out (kept for branches that add it). */
const entries: Record<string, string> = Object.fromEntries(
  Object.entries({
    index: 'src/index.ts',
    testing: 'src/testing/index.ts',
    machines: 'machines/index.ts',
    monitor: 'src/monitor/index.ts',
    cli: 'src/cli/index.ts',
  }).filter(([, source]) => existsSync(source)),
);

export default defineConfig({
  entry: entries,
  format: ['esm'],
  // Node 20 runs ES2023 natively: `?.`, `??`, class fields and private `#x` stay as written, with no helper calls.
  target: 'node20',
  dts: {
    // `@internal` members (the runtime's executor, constructors that only the runtime calls) stay out of the types.
    compilerOptions: { stripInternal: true },
  },
  sourcemap: true,
  clean: true,
  splitting: true,
  // Optional peers are loaded lazily with import(); never bundle them.
  external: ['ioredis', 'better-sqlite3', '@statelyai/inspect', 'hono', '@hono/node-server', '@opentelemetry/api'],
});
