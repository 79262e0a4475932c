/**
 * kill -9 of a process running a durable Runtime mid-run, then a second process on the same store that execs the
 * same worker: every job whose accepted() had resolved completes, and the WorkerState counter equals the number
 * of distinct jobs that completed (no update applied twice, none lost). On a SQLite file and on Redis.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';

const JOBS = 400;
const dir = mkdtempSync(join(tmpdir(), 'routilux-runtime-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function child(args: string[]) {
  return spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/durable-runtime-crash.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs `post` until `killAfter` jobs were accepted, then SIGKILLs it; resolves the accepted job ids. */
function postAndKill(url: string, workerId: string, killAfter: number): Promise<Set<string>> {
  return new Promise((resolve, reject) => {
    const proc = child([url, workerId, String(JOBS), 'post']);
    const accepted = new Set<string>();
    let out = '';
    let err = '';
    let killed = false;
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const lines = out.split('\n');
      out = lines.pop()!;
      for (const line of lines) if (line.startsWith('accepted ')) accepted.add(line.slice(9));
      if (!killed && accepted.size >= killAfter) {
        killed = true;
        proc.kill('SIGKILL');
      }
    });
    proc.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    proc.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve(accepted) : reject(new Error(`the child exited by itself before the kill: ${err}`))));
  });
}

function resume(url: string, workerId: string): Promise<{ resumed: number; counter: number; statuses: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const proc = child([url, workerId, String(JOBS), 'resume']);
    let out = '';
    let err = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    proc.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    proc.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!)) : reject(new Error(`resume failed (${code}): ${err}`))));
  });
}

const redisUrl = inject('redisUrl');
if (!redisUrl && process.env.CI) throw new Error(`redis-server could not be started: ${inject('redisError')}`);

const cases: [string, () => string][] = [['sqlite', () => `sqlite:${join(dir, 'crash.db')}`]];
if (redisUrl) cases.push(['redis', () => redisUrl]);

describe.each(cases)('a durable Runtime killed mid-run (%s)', (_name, url) => {
  it('every accepted job completes after the restart; the counter equals the jobs completed (no update twice)', async () => {
    const workerId = `crash-${process.pid}-${Date.now()}`;
    // Kill somewhere in the middle: after a random share of the jobs was accepted.
    const accepted = await postAndKill(url(), workerId, Math.floor(JOBS * (0.2 + Math.random() * 0.5)));
    expect(accepted.size).toBeGreaterThan(0);
    const { resumed, counter, statuses } = await resume(url(), workerId);
    expect(resumed).toBeGreaterThan(0); // the kill left jobs unfinished: they resumed from the log
    // Every printed job completed (re-posting its key returned it, restored, instead of starting a new one).
    for (const jobId of accepted) expect(statuses[jobId], jobId).toBe('completed');
    const completed = Object.entries(statuses).filter(([, s]) => s === 'completed').map(([id]) => id.replace(/-again$/, ''));
    expect(new Set(completed).size).toBe(JOBS);
    expect(Object.values(statuses).every((s) => s === 'completed')).toBe(true);
    expect(counter).toBe(JOBS);
  }, 30_000);
});
