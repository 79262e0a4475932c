/**
 * Runs after tsup (`npm run build`; `node .ci/cjs-entries.mjs <package folder>` for another folder). For every package.json export with a `require` condition it writes:
 *   dist/<entry>.cjs    module.exports = require('./<entry>.js')   (the ES module itself, through require(esm))
 * and copies every dist/*.d.ts to *.d.cts with its relative `.js` imports pointing at the `.cjs` twins, so a
 * TypeScript project compiling to CommonJS reads CommonJS declarations (an ES one would be TS1479 under node16).
 * No second implementation is ever built: one copy of the library, whichever way it is loaded.
 */
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// The package to finish: this repository, or the folder given (test/packaging builds into a temporary one).
const root = process.argv[2] ?? join(import.meta.dirname, '..');
const dist = join(root, 'dist');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

for (const [subpath, conditions] of Object.entries(pkg.exports)) {
  const target = conditions?.require?.default;
  if (typeof target !== 'string') continue;
  const match = /^\.\/dist\/([\w-]+)\.cjs$/.exec(target);
  if (!match) throw new Error(`package.json exports["${subpath}"].require.default must be ./dist/<name>.cjs, got ${target}`);
  const esm = join(dist, `${match[1]}.js`);
  try {
    readFileSync(esm);
  } catch {
    throw new Error(`exports["${subpath}"] needs dist/${match[1]}.js: add its source to the entries in tsup.config.ts`);
  }
  writeFileSync(join(dist, `${match[1]}.cjs`), `'use strict';\n// The ES module itself (require(esm), Node >= 20.19): one copy of the library.\nmodule.exports = require('./${match[1]}.js');\n`);
}

// tsup's clean keeps declaration files, so twins of chunks from an earlier build would linger.
for (const file of readdirSync(dist)) if (file.endsWith('.d.cts')) rmSync(join(dist, file));
for (const file of readdirSync(dist)) {
  if (!file.endsWith('.d.ts')) continue;
  const types = readFileSync(join(dist, file), 'utf8').replace(/(from\s+|import\()(['"])(\.\.?\/[^'"]+)\.js\2/g, '$1$2$3.cjs$2');
  writeFileSync(join(dist, file.replace(/\.d\.ts$/, '.d.cts')), types);
}
