import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';

/**
 * ioredis and better-sqlite3 are optional: the stores' entry point must load and MemoryStore must work without
 * them, and the Redis/SQLite stores must say what to install. A loader hook makes both packages unresolvable.
 */
it('the stores load without ioredis and better-sqlite3, and say what is missing when those stores are used', () => {
  const hook = `
    export async function resolve(specifier, context, next) {
      if (specifier === 'ioredis' || specifier === 'better-sqlite3') throw new Error('Cannot find package ' + specifier);
      return next(specifier, context);
    }`;
  const script = `
    import { register } from 'node:module';
    register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));
    const stores = await import('./src/stores/index.ts');
    const memory = new stores.MemoryStore();
    await memory.set('k', 1);
    const out = { memory: await memory.get('k') };
    for (const store of [new stores.RedisStore({ connectTimeout: 100 }), new stores.SqliteStore({ path: ':memory:' })]) {
      out[store.constructor.name] = await store.get('k').then(() => 'no error', (e) => e.name + ': ' + e.message);
    }
    console.log(JSON.stringify(out));`;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  expect(result.stderr).toBe('');
  const out = JSON.parse(result.stdout) as Record<string, unknown>;
  expect(out.memory).toBe(1);
  expect(out.RedisStore).toMatch(/^MissingDependencyError: RedisStore needs the "ioredis" package.*npm install ioredis/);
  expect(out.SqliteStore).toMatch(/^MissingDependencyError: SqliteStore needs the "better-sqlite3" package.*npm install better-sqlite3/);
});
