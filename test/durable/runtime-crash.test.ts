/**
 * kill -9 of a process running a durable Runtime at random moments, three times, each restart execing the same
 * worker (resuming what the killed run left) and re-posting every job with its idempotency key; then a last run
 * waits for everything: every job whose accepted() had resolved completes, both counters equal the number of
 * distinct jobs and every per-job marker is 1 (no update applied twice, none lost). On a SQLite file and on Redis.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';

const JOBS = 1000;
const KILLS = 3;
const dir = mkdtempSync(join(tmpdir(), 'routilux-runtime-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function child(args: string[]) {
  return spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/durable-runtime-crash.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs `post` and SIGKILLs it `killAfterMs` after it is ready (restored); resolves the job ids it saw accepted. */
function postAndKill(url: string, workerId: string, killAfterMs: number): Promise<Set<string>> {
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
      for (const line of lines) {
        if (line.startsWith('accepted ')) accepted.add(line.slice(9));
        if (line === 'ready' && !killed) {
          killed = true;
          setTimeout(() => proc.kill('SIGKILL'), killAfterMs);
        }
      }
    });
    proc.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    proc.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve(accepted) : reject(new Error(`the child exited by itself before the kill: ${err}`))));
  });
}

interface Outcome {
  resumed: number;
  counters: { intake: number; count: number };
  markers: Record<string, number>;
  statuses: Record<string, string>;
}

function resume(url: string, workerId: string): Promise<Outcome> {
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
  it('every accepted job completes exactly once across three kills; counters and markers are exact', async () => {
    const workerId = `crash-${process.pid}-${Date.now()}`;
    const accepted = new Set<string>();
    for (let kill = 0; kill < KILLS; kill++) {
      // Kill at a random moment: while jobs are being posted, accepted, run or resumed.
      for (const id of await postAndKill(url(), workerId, 50 + Math.floor(Math.random() * 400))) accepted.add(id);
    }
    expect(accepted.size).toBeGreaterThan(0);
    const { counters, markers, statuses } = await resume(url(), workerId);
    // Every printed job completed (re-posting its key returned it, restored, instead of starting a new one).
    for (const jobId of accepted) expect(statuses[jobId], jobId).toBe('completed');
    const completed = Object.entries(statuses).filter(([, s]) => s === 'completed').map(([id]) => id.replace(/-again$/, ''));
    expect(new Set(completed).size).toBe(JOBS);
    expect(Object.values(statuses).every((s) => s === 'completed')).toBe(true);
    expect(counters).toEqual({ intake: JOBS, count: JOBS });
    expect(Object.keys(markers)).toHaveLength(JOBS);
    expect(Object.values(markers).every((n) => n === 1)).toBe(true);
  }, 90_000);
});
