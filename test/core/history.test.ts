import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JobContext, DEFAULT_JOB_LIMITS, jobLifecycle } from '../../src/job/job-context.js';
import { JobHistory } from '../../src/job/history.js';
import { RingBuffer } from '../../src/util/ring-buffer.js';

describe('RingBuffer', () => {
  it('behaves like an array that drops its oldest item past capacity, for any sequence of pushes and shifts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 6 }), fc.array(fc.oneof(fc.integer(), fc.constant('shift' as const)), { maxLength: 60 }), (capacity, ops) => {
        const ring = new RingBuffer<number>(capacity);
        const model: number[] = [];
        for (const op of ops) {
          if (op === 'shift') {
            expect(ring.shift()).toBe(model.shift());
          } else {
            const evicted = ring.push(op);
            if (capacity === 0) expect(evicted).toBe(op);
            else {
              model.push(op);
              expect(evicted).toBe(model.length > capacity ? model.shift() : undefined);
            }
          }
          expect(ring.size).toBe(model.length);
          expect(ring.peek()).toBe(model[0]);
          expect(ring.toArray()).toEqual(model);
        }
      }),
    );
  });
});

describe('JobHistory', () => {
  let clock = 0;
  const finishedJob = (jobId: string, at: number): JobContext => {
    clock = at;
    const job = new JobContext({ jobId, workerId: 'w', flowId: 'f', metadata: {}, now: () => clock, limits: DEFAULT_JOB_LIMITS });
    jobLifecycle.finished(job, 'completed', undefined, undefined, undefined);
    return job;
  };

  it('keeps the newest maxEntries records, oldest first, and forgets the ones it drops', () => {
    const history = new JobHistory({ maxEntries: 3 }, () => clock);
    const jobs = ['a', 'b', 'c', 'd', 'e'].map((id, i) => finishedJob(id, i));
    for (const job of jobs) history.add(job);
    expect(history.values().map((j) => j.jobId)).toEqual(['c', 'd', 'e']);
    expect(history.get('a')).toBeUndefined();
    expect(history.get('e')).toBe(jobs[4]);
    expect(history.size).toBe(3);
  });

  it('drops records older than ttl on add (by the added job’s end time) and on read (by the clock)', () => {
    const history = new JobHistory({ ttl: 100 }, () => clock);
    history.add(finishedJob('old', 0));
    history.add(finishedJob('mid', 50));
    history.add(finishedJob('new', 100)); // "old" finished 100 ms before: gone
    expect(history.size).toBe(2);
    clock = 155;
    expect(history.values().map((j) => j.jobId)).toEqual(['new']);
    expect(history.get('mid')).toBeUndefined();
  });

  it('keeps nothing with maxEntries 0, and a reused id indexes its newest record', () => {
    const none = new JobHistory({ maxEntries: 0 }, () => clock);
    none.add(finishedJob('x', 1));
    expect(none.values()).toEqual([]);
    const history = new JobHistory({ maxEntries: 2 }, () => clock);
    const first = finishedJob('x', 1);
    const second = finishedJob('x', 2);
    history.add(first);
    history.add(second);
    history.add(finishedJob('y', 3)); // drops the first "x" record, not the index entry of the second
    expect(history.get('x')).toBe(second);
  });
});
