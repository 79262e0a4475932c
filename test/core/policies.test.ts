import { afterEach, describe, expect, it } from 'vitest';
import {
  Flow,
  Runtime,
  allSlotsReadyPolicy,
  batchSizePolicy,
  customPolicy,
  immediatePolicy,
  timeIntervalPolicy,
  type Routine,
} from '../../src/index.js';
import { node, sleep } from '../helpers.js';

let runtime: Runtime;
afterEach(async () => {
  await runtime?.shutdown({ timeout: 1000 });
});

/** A source that emits each posted item's elements one by one (n emits in one activation). */
const spray = () =>
  node(['in'], ['out'], (data, _m, _ws, ctx) => {
    for (const item of data.in![0] as unknown[]) ctx.emit('out', { v: item });
  });

function collecting(routine: Routine, calls: unknown[][]): Routine {
  return routine.setLogic((data, message) => {
    calls.push([Object.fromEntries(Object.entries(data).map(([k, items]) => [k, items.map((i) => (i as { v: unknown }).v)])), message]);
  });
}

async function run(flow: Flow, entry: string, items: unknown[]) {
  const [, job] = runtime.post(flow, entry, 'in', items);
  await job.done();
  return job;
}

describe('activation policies', () => {
  it('immediatePolicy takes everything that arrived', async () => {
    runtime = new Runtime();
    const calls: unknown[][] = [];
    const flow = new Flow('immediate').addRoutine(spray(), 'src').addRoutine(collecting(node(['in'], [], () => {}), calls).setActivationPolicy(immediatePolicy()), 'sink');
    flow.connect('src', 'out', 'sink', 'in');
    await run(flow, 'src', [1, 2, 3]);
    expect(calls).toEqual([[{ in: [1, 2, 3] }, undefined]]);
  });

  it('batchSizePolicy(n) takes n at a time and reports a short remainder as unconsumed', async () => {
    runtime = new Runtime();
    const calls: unknown[][] = [];
    const flow = new Flow('batch').addRoutine(spray(), 'src').addRoutine(collecting(node(['in'], [], () => {}), calls).setActivationPolicy(batchSizePolicy(2)), 'sink');
    flow.connect('src', 'out', 'sink', 'in');
    const job = await run(flow, 'src', [1, 2, 3, 4, 5]);
    expect(calls.map((c) => c[0])).toEqual([{ in: [1, 2] }, { in: [3, 4] }]);
    expect(job.unconsumed).toEqual({ 'sink.in': [{ v: 5 }] });
  });

  it('allSlotsReadyPolicy joins one item from each slot', async () => {
    runtime = new Runtime();
    const calls: unknown[][] = [];
    const flow = new Flow('join')
      .addRoutine(
        node(['in'], ['out'], (data, _m, _ws, ctx) => {
          for (const v of (data.in![0] as { v: number[] }).v) ctx.emit('out', { v });
        }),
        'left',
      )
      .addRoutine(node(['in'], ['out'], (_d, _m, _ws, ctx) => ctx.emit('out', { v: 'R' })), 'right')
      .addRoutine(node(['in'], ['out'], (data, _m, _ws, ctx) => ctx.emit('out', { v: data.in![0] })), 'start')
      .addRoutine(collecting(node(['a', 'b'], [], () => {}), calls).setActivationPolicy(allSlotsReadyPolicy()), 'join');
    flow.connect('start', 'out', 'left', 'in');
    flow.connect('start', 'out', 'right', 'in');
    flow.connect('left', 'out', 'join', 'a');
    flow.connect('right', 'out', 'join', 'b');
    const job = await run(flow, 'start', [1, 2]);
    expect(calls.map((c) => c[0])).toEqual([{ a: [1], b: ['R'] }]);
    expect(job.unconsumed).toEqual({ 'join.a': [{ v: 2 }] });
  });

  it('timeIntervalPolicy activates at most once per interval and gathers what arrives meanwhile', async () => {
    runtime = new Runtime();
    const calls: unknown[][] = [];
    const at: number[] = [];
    const flow = new Flow('interval')
      .addRoutine(
        node(['in'], ['out'], async (_d, _m, _ws, ctx) => {
          for (let i = 0; i < 4; i++) {
            ctx.emit('out', { v: i });
            await sleep(5);
          }
        }),
        'src',
      )
      .addRoutine(
        node(['in'], [], (data) => {
          at.push(Date.now());
          calls.push((data.in as { v: number }[]).map((x) => x.v));
        }).setActivationPolicy(timeIntervalPolicy(60)),
        'sink',
      );
    flow.connect('src', 'out', 'sink', 'in');
    const job = await run(flow, 'src', []);
    expect(job.status).toBe('completed');
    expect(calls).toEqual([[0], [1, 2, 3]]);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(55);
  });

  it('customPolicy decides, takes some and passes a message', async () => {
    runtime = new Runtime();
    const calls: unknown[][] = [];
    const policy = customPolicy((slots) => (slots.in!.length >= 3 ? { take: { in: 1 }, message: `queued ${slots.in!.length}` } : false), 'atLeastThree');
    const flow = new Flow('custom').addRoutine(spray(), 'src').addRoutine(collecting(node(['in'], [], () => {}), calls).setActivationPolicy(policy), 'sink');
    flow.connect('src', 'out', 'sink', 'in');
    const job = await run(flow, 'src', [1, 2, 3, 4]);
    expect(calls).toEqual([
      [{ in: [1] }, 'queued 4'],
      [{ in: [2] }, 'queued 3'],
    ]);
    expect(job.unconsumed).toEqual({ 'sink.in': [{ v: 3 }, { v: 4 }] });
  });

  it('a policy that throws fails the job, naming it in the trace', async () => {
    runtime = new Runtime();
    const policy = customPolicy(() => {
      throw new Error('policy bug');
    });
    const flow = new Flow('policy-throws').addRoutine(node(['in'], [], () => {}).setActivationPolicy(policy), 'a');
    const [, job] = runtime.post(flow, 'a', 'in', 1);
    await job.done();
    expect(job.status).toBe('failed');
    expect((job.error as Error).message).toBe('policy bug');
    expect(job.traceLog.map((t) => t.action)).toContain('policy.failed');
  });

  it('rejects bad parameters', () => {
    expect(() => batchSizePolicy(0)).toThrow(/positive integer/);
    expect(() => timeIntervalPolicy(-1)).toThrow(/milliseconds/);
    expect(() => customPolicy(42 as never)).toThrow(/function/);
  });
});
