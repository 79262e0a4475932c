/**
 * The package's declarations type-check in a consumer that has none of the optional peers (ioredis,
 * better-sqlite3, @statelyai/inspect) installed, without skipLibCheck: no exported signature may name their
 * types (RedisStore takes a RedisClientLike, not an ioredis Redis).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const root = resolve('.');
const dir = mkdtempSync(join(tmpdir(), 'routilux-consumer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const run = (args: string[]) => spawnSync(process.execPath, [tsc, ...args], { cwd: dir, encoding: 'utf8', timeout: 240_000 });

it('the declarations compile in a project without the optional peers', () => {
  // The consumer has the package's own dependencies and Node's types, nothing else.
  mkdirSync(join(dir, 'node_modules', '@types'), { recursive: true });
  for (const name of ['xstate', 'immer', 'nanoid', '@types/node', 'undici-types']) {
    symlinkSync(join(root, 'node_modules', name), join(dir, 'node_modules', name), 'dir');
  }

  // Declarations of the public entry point (and what it reaches), as the package publishes them.
  writeFileSync(
    join(dir, 'tsconfig.emit.json'),
    JSON.stringify({
      extends: join(root, 'tsconfig.json'),
      compilerOptions: { noEmit: false, emitDeclarationOnly: true, declaration: true, rootDir: root, outDir: join(dir, 'decl'), types: ['node'] },
      include: [],
      files: [join(root, 'src', 'index.ts')],
    }),
  );
  const emitted = run(['-p', 'tsconfig.emit.json']);
  expect(emitted.stdout + emitted.stderr).toBe('');

  writeFileSync(
    join(dir, 'consumer.ts'),
    `import { MemoryStore, RedisStore, SqliteStore, createStore, typedStore, withHooks, createInspector, Runtime, type KeyValueStore, type RedisClientLike } from './decl/src/index.js';
declare const client: RedisClientLike;
const stores: KeyValueStore[] = [new MemoryStore(), new RedisStore({ client }), new SqliteStore({ path: ':memory:' }), createStore({})];
export const counts: Promise<number>[] = stores.map((s) => withHooks(s, {}).increment('n'));
export const runtime = new Runtime();
export const inspector = typeof createInspector;
export const typed = typedStore;
`,
  );
  const options = ['--noEmit', '--strict', '--skipLibCheck', 'false', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node'];
  const checked = run([...options, 'consumer.ts']);
  expect(checked.stdout + checked.stderr).toBe('');

  // The control: in this project the peers really are missing.
  writeFileSync(join(dir, 'control.ts'), "import type { Redis } from 'ioredis';\nexport type R = Redis;\n");
  expect(run([...options, 'control.ts']).stdout).toMatch(/TS2307: Cannot find module 'ioredis'/);
}, 300_000);
