import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

/** Runs an example as a user would (`npx tsx examples/x.ts`) and returns what it printed. */
async function example(name: string): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', `examples/${name}`], { cwd: process.cwd(), timeout: 60_000 });
  return stdout;
}

describe('examples print what their docs say', () => {
  it('durable-orders: a crash after the orders were accepted loses none and counts none twice', async () => {
    expect(await example('durable-orders.ts')).toBe(
      [
        'Orders are kept in the SQLite file of this run; worker "orders-1" runs flow "orders".',
        'First process: accepted 10 orders, then it was killed (SIGKILL) before finishing them.',
        'Second process: all 10 orders completed.',
        'Ledger: {"total":550,"orders":10} (expected total 550, each order once).',
        '',
      ].join('\n'),
    );
  });

  it('state-demo: the cache misses, hits, then misses', async () => {
    expect(await example('state-demo.ts')).toBe(
      [
        'A worker is running flow "state_demo". Its WorkerState starts empty.',
        'Posting three jobs, one after another: keys "test", "test", "other".',
        '',
        '[WorkerState] Cache MISS: test',
        '  job 1 (key "test") completed: computed it and cached it -> processed_test',
        '[WorkerState] Cache HIT: test',
        '  job 2 (key "test") completed: found it in the cache -> processed_test',
        '[WorkerState] Cache MISS: other',
        '  job 3 (key "other") completed: computed it and cached it -> processed_other',
        '',
        'The worker state after the three jobs (shared, survives each job):',
        '  {"cache":{"test":"processed_test","other":"processed_other"},"cacheMisses":2,"cacheHits":1}',
        'Each job kept its own data (JobContext), and the jobs ended by themselves when nothing was left to do.',
        '',
      ].join('\n'),
    );
  });

  it('state-isolation: per-routine counts, a shared _meta.total_jobs of 3, per-job data', async () => {
    expect(await example('state-isolation.ts')).toBe(
      [
        '=== Job 1: chain A -> B ===',
        '[routine_a] routine_count=1, job_data=job_1, worker_total_jobs=1',
        '[routine_b] routine_count=1, job_data=job_1, worker_total_jobs=1',
        '',
        '=== Job 2: routine B ===',
        '[routine_b] routine_count=2, job_data=job_2, worker_total_jobs=2',
        '',
        '=== Job 3: routine C ===',
        '[routine_c] routine_count=1, job_data=job_3, worker_total_jobs=3',
        '',
        '=== Final WorkerState ===',
        '  routine_a: {"count":1}',
        '  _meta: {"total_jobs":3}',
        '  routine_b: {"count":2}',
        '  routine_c: {"count":1}',
        '',
        '=== Each job sees only its own data ===',
        '  job_1: processed_by_routine_a, counted, processed_by_routine_b',
        '  job_2: processed_by_routine_b, counted',
        '  job_3: processed_by_routine_c, counted',
        `  job_2 sees job_1's "processed_by_routine_a"? false`,
        '  job_1 sees it? true',
        '',
      ].join('\n'),
    );
  });

  it('request-chain: two overlapping requests each see only their own user', async () => {
    expect(await example('request-chain.ts')).toBe(
      [
        'finished in this order: req-2, req-1',
        'req-1: completed, userId=alice, alice may delete-report',
        'req-2: completed, userId=bob, bob may not delete-report',
        'each request saw only its own user: true',
        '',
      ].join('\n'),
    );
  });
});
