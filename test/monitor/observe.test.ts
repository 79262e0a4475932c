import { describe, expect, it } from 'vitest';
import { Flow, InvalidArgumentError, Runtime, type RuntimeHooks } from '../../src/index.js';
import { node, tick } from '../helpers.js';

function flow(name: string): Flow {
  const f = new Flow(name);
  f.addRoutine(node(['in'], ['out'], function (this: any) {
    this.emit('out', {});
  }), 'a');
  f.addRoutine(node(['in'], [], () => {}), 'b');
  f.connect('a', 'out', 'b', 'in');
  return f;
}

describe('runtime.observe(hooks)', () => {
  it('sees workers, jobs and activations after the runtime was built, until removed', async () => {
    await using runtime = new Runtime();
    const seen: string[] = [];
    const stop = runtime.observe({
      onWorkerStart: (w) => seen.push(`worker+ ${w.flowId}`),
      onJobStart: (j) => seen.push(`job+ ${j.jobId}`),
      onRoutineStart: ({ routineId }) => void seen.push(`run ${routineId}`),
      onRoutineEnd: ({ routineId }) => seen.push(`end ${routineId}`),
      onJobEnd: (j) => seen.push(`job- ${j.jobId} ${j.status}`),
    });
    const f = flow('observed');
    const [, job] = runtime.post(f, 'a', 'in', 1, { jobId: 'one' });
    await job.done();
    await tick();
    expect(seen).toEqual(['worker+ observed', 'job+ one', 'run a', 'end a', 'run b', 'end b', 'job- one completed']);
    stop();
    const [, again] = runtime.post(f, 'a', 'in', 1, { jobId: 'two' });
    await again.done();
    await tick();
    expect(seen).toHaveLength(7);
  });

  it('runs after the runtime own hooks: their veto stands, and an observer that throws is reported without stopping the next', async () => {
    const reported: string[] = [];
    const runs: string[] = [];
    await using runtime = new Runtime({
      hooks: { onRoutineStart: ({ routineId }) => routineId !== 'b' },
      onError: (error, where) => reported.push(`${where}: ${(error as Error).message}`),
    });
    const broken: RuntimeHooks = {
      onJobStart: () => {
        throw new Error('observer broke');
      },
    };
    runtime.observe(broken);
    runtime.observe({ onJobStart: (j) => void runs.push(`started ${j.jobId}`), onRoutineStart: ({ routineId }) => void runs.push(routineId) });
    const [, job] = runtime.post(flow('vetoed'), 'a', 'in', 1, { jobId: 'v' });
    await job.done();
    expect(runs).toEqual(['started v', 'a']);
    expect(reported).toEqual(['hook onJobStart: observer broke']);
    expect(job.traceLog.some((e) => e.action === 'routine.vetoed' && e.routineId === 'b')).toBe(true);
  });

  it('rejects what is not an object of hooks', async () => {
    await using runtime = new Runtime();
    expect(() => runtime.observe(null as never)).toThrow(InvalidArgumentError);
  });
});
