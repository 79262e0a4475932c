/**
 * kill -9 of a process appending to a durable log, several times in a row on the same store: every record whose
 * whenDurable() had resolved (and was printed) is in the restored log, and the log is gapless and in order.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { WorkerLog } from '../../src/durable/index.js';
import { RedisStore } from '../../src/stores/redis-store.js';
import { SqliteStore } from '../../src/stores/sqlite-store.js';
import type { KeyValueStore } from '../../src/stores/types.js';
import { redisBackend } from './backends.js';

/** Kill-and-restart rounds per backend (each starts a tsx child: about a second on an idle machine). */
const RUNS = 3;
const dir = mkdtempSync(join(tmpdir(), 'routilux-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the writer until it has acknowledged something and `ms` more passed, then SIGKILLs it. */
function runAndKill(args: string[], ms: number): Promise<{ start: number; acked: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/durable-writer.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let start = -1;
    let acked = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const lines = out.split('\n');
      out = lines.pop()!;
      for (const line of lines) {
        const [word, n] = line.split(' ');
        if (word === 'start') start = Number(n);
        if (word === 'ack') acked = Math.max(acked, Number(n));
      }
      if (acked > 0 && timer === undefined) timer = setTimeout(() => child.kill('SIGKILL'), ms);
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited (${code}) instead of being killed: ${err}`));
      else if (start < 0 || acked === 0) reject(new Error(`writer acknowledged nothing before the kill: ${err}`));
      else resolve({ start, acked });
    });
  });
}

async function crashRepeatedly(args: string[], open: () => KeyValueStore): Promise<void> {
  let previous = 0;
  for (let run = 0; run < RUNS; run++) {
    const { start, acked } = await runAndKill(args, 100 + Math.floor(Math.random() * 400));
    expect(start).toBeGreaterThanOrEqual(previous); // the restarted writer saw everything acknowledged before
    const store = open();
    try {
      const { tail, upTo } = await WorkerLog.restore(store, 'crash');
      expect(upTo).toBe(0);
      const lsns = tail.map((r) => r.lsn);
      const last = lsns.at(-1) ?? 0;
      expect(last).toBeGreaterThanOrEqual(acked); // no acknowledged record lost
      expect(lsns).toEqual(Array.from({ length: last }, (_, i) => i + 1)); // in order, no gap, no duplicate
      for (const { lsn, record } of tail) expect((record as { value: { n: number } }).value.n).toBe(lsn);
      previous = last;
    } finally {
      await store.close();
    }
  }
  expect(previous).toBeGreaterThan(100);
}

// Concurrent: most of the time is the child's start (tsx), so the two backends share it.
describe.concurrent('a writer killed with SIGKILL loses no acknowledged record', () => {
  it('on SQLite', { timeout: 90_000 }, async () => {
    const path = join(dir, 'crash.db');
    await crashRepeatedly(['sqlite', path], () => new SqliteStore({ path }));
  });

  const redis = redisBackend();
  it.skipIf(!redis)('on Redis', { timeout: 90_000 }, async () => {
    const url = inject('redisUrl')!;
    const keyPrefix = `crash-${process.pid}-${Date.now()}:`;
    await crashRepeatedly(['redis', url, keyPrefix], () => new RedisStore({ url, keyPrefix }));
  });
});
