import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { SqliteStore } from '../../src/stores/sqlite-store.js';
import { describeConformance } from './conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'routilux-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeConformance('SqliteStore', async (options, testId) => {
  let now = Date.UTC(2030, 0, 1);
  const store = new SqliteStore({ ...options, path: join(dir, `conformance-${testId}.db`), now: () => now });
  return {
    store,
    advance: async (ms) => {
      now += ms;
    },
  };
});
