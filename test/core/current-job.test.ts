import { afterEach, describe, expect, it } from 'vitest';
import { Flow, Runtime, getCurrentJob, type JobContext } from '../../src/index.js';
import { node, sleep } from '../helpers.js';

let runtime: Runtime;
afterEach(async () => {
  await runtime?.shutdown({ timeout: 1000 });
});

describe('getCurrentJob()', () => {
  it('is undefined outside a job', () => {
    expect(getCurrentJob()).toBeUndefined();
  });

  it('follows each job across awaits, timers and concurrent jobs', async () => {
    runtime = new Runtime();
    const seen: [string, string | undefined][] = [];
    const record = (where: string) => seen.push([where, getCurrentJob()?.getData<string>('id')]);
    const flow = new Flow('als')
      .addRoutine(
        node(['in'], ['out'], async (data, _m, _ws, ctx) => {
          const id = data.in![0] as string;
          getCurrentJob()!.setData('id', id);
          await sleep(Math.random() * 10);
          record(`after-await:${id}`);
          await new Promise<void>((resolve) =>
            setTimeout(() => {
              record(`in-timer:${id}`);
              resolve();
            }, Math.random() * 10),
          );
          queueMicrotask(() => record(`in-microtask:${id}`));
          ctx.emit('out', { id });
        }),
        'first',
      )
      .addRoutine(
        node(['in'], [], async (data) => {
          await Promise.resolve();
          record(`downstream:${(data.in![0] as { id: string }).id}`);
        }),
        'second',
      );
    flow.connect('first', 'out', 'second', 'in');
    const ids = Array.from({ length: 50 }, (_, i) => `job-${i}`);
    for (const id of ids) runtime.post(flow, 'first', 'in', id);
    await runtime.waitUntilAllJobsFinished({ timeout: 5000 });
    expect(seen).toHaveLength(ids.length * 4);
    for (const [where, id] of seen) expect(where.endsWith(`:${id}`)).toBe(true);
  });

  it('is the job in hooks too', async () => {
    const starts: (string | undefined)[] = [];
    runtime = new Runtime({ hooks: { onRoutineStart: ({ job }) => void starts.push(getCurrentJob() === job ? job.jobId : 'wrong') } });
    const flow = new Flow('hook-als').addRoutine(node(['in'], [], () => {}), 'a');
    const [, job] = runtime.post(flow, 'a', 'in', 1);
    await job.done();
    expect(starts).toEqual([job.jobId]);
  });
});

describe('JobContext', () => {
  it('keeps data, trace and metadata per job: one job never sees another', async () => {
    runtime = new Runtime();
    const flow = new Flow('isolated')
      .addRoutine(
        node(['in'], ['out'], async (_d, _m, _ws, ctx) => {
          const job = getCurrentJob()!;
          job.setData('user', job.metadata.user);
          job.trace('auth', 'checked', { user: job.metadata.user });
          await sleep(Math.random() * 5);
          ctx.emit('out', {});
        }),
        'auth',
      )
      .addRoutine(
        node(['in'], [], () => {
          const job = getCurrentJob()!;
          job.setData('echo', job.getData('user'));
          job.setData('missing', job.getData('nothing', 'default'));
        }),
        'use',
      );
    flow.connect('auth', 'out', 'use', 'in');
    const jobs: JobContext[] = [];
    for (let i = 0; i < 20; i++) jobs.push(runtime.post(flow, 'auth', 'in', {}, { metadata: { user: `u${i}` } })[1]);
    await runtime.waitUntilAllJobsFinished();
    jobs.forEach((job, i) => {
      expect(job.data).toEqual({ user: `u${i}`, echo: `u${i}`, missing: 'default' });
      expect(job.traceLog).toHaveLength(1);
      expect(job.traceLog[0]).toMatchObject({ routineId: 'auth', action: 'checked', details: { user: `u${i}` } });
      expect(typeof job.traceLog[0]!.timestamp).toBe('number');
    });
  });

  it('bounds the trace per job, counting what it dropped', async () => {
    runtime = new Runtime({ jobLimits: { maxTraceEntries: 5 } });
    const flow = new Flow('bounded-trace').addRoutine(
      node(['in'], [], () => {
        for (let i = 0; i < 12; i++) getCurrentJob()!.trace('r', `step${i}`);
      }),
      'r',
    );
    const [, job] = runtime.post(flow, 'r', 'in', 1);
    await job.done();
    expect(job.traceLog.map((t) => t.action)).toEqual(['step7', 'step8', 'step9', 'step10', 'step11']);
    expect(job.traceDropped).toBe(7);
  });
});
