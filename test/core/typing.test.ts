/**
 * Types are part of the API: these tests fail to compile (npm test runs tsc first) if slot and event types stop
 * flowing into logic and emit.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { Flow, Routine, defineRoutine, event, slot, type JobContext, type SlotData, type WorkerState } from '../../src/index.js';
import { createTestRuntime, expectJob } from '../../src/testing/index.js';

describe('typed routines', () => {
  it('class form: slot data and emit payloads are typed by the generics', async () => {
    class Greeter extends Routine<{ name: { first: string } }, { greeting: { text: string } }> {
      constructor() {
        super();
        this.addSlot('name');
        this.addEvent('greeting', ['text']);
        this.setLogic((slotData) => {
          expectTypeOf(slotData).toEqualTypeOf<SlotData<{ name: { first: string } }>>();
          expectTypeOf(slotData.name[0]!.first).toBeString();
          this.emit('greeting', { text: `hello ${slotData.name[0]!.first}` });
          // @ts-expect-error: the payload must match the event's type
          if (slotData.name.length > 1) this.emit('greeting', { wrong: true });
          // @ts-expect-error: undeclared event names do not compile
          if (slotData.name.length > 1) this.emit('farewell', { text: '' });
        });
      }
    }
    const seen: string[] = [];
    const sink = defineRoutine({
      slots: { input: slot<{ text: string }>() },
      logic: ({ input }) => void seen.push(...input.map((i) => i.text)),
    });
    const flow = new Flow('typed-class').addRoutine(new Greeter(), 'greeter').addRoutine(sink, 'sink');
    flow.connect('greeter', 'greeting', 'sink', 'input');
    const runtime = createTestRuntime();
    const [, job] = runtime.post(flow, 'greeter', 'name', { first: 'Ada' });
    await runtime.runUntilIdle();
    expectJob(job).toComplete();
    expect(seen).toEqual(['hello Ada']);
    await runtime.shutdown();
  });

  it('functional form: defineRoutine infers everything from slot() and event()', () => {
    const doubler = defineRoutine({
      slots: { numbers: slot<number>({ maxQueueLength: 10 }) },
      events: { doubled: event<{ values: number[] }>(['values']) },
      logic: (data, _message, state, ctx) => {
        expectTypeOf(data.numbers).toEqualTypeOf<readonly number[]>();
        expectTypeOf(state).toEqualTypeOf<WorkerState>();
        expectTypeOf(ctx.job).toEqualTypeOf<JobContext>();
        ctx.emit('doubled', { values: data.numbers.map((n) => n * 2) });
        // @ts-expect-error: values must be numbers
        if (data.numbers.length > 99) ctx.emit('doubled', { values: ['x'] });
      },
    });
    expect(doubler.slots).toEqual([{ name: 'numbers', maxQueueLength: 10 }]);
    expect(doubler.events).toEqual([{ name: 'doubled', params: ['values'] }]);
  });

  it('updateRoutineState is typed by its type argument and returns a deeply readonly value', () => {
    const runtime = createTestRuntime();
    const ws = runtime.exec(new Flow('typed-state').addRoutine(defineRoutine({ slots: { in: slot() }, logic: () => {} }), 'r'));
    const result = ws.updateRoutineState<{ count: number; tags: string[] }>('r', (d) => {
      d.count = 1;
      d.tags = ['a'];
    });
    expectTypeOf(result.count).toBeNumber();
    expectTypeOf(result.tags).toEqualTypeOf<readonly string[]>();
    // @ts-expect-error: reads are readonly
    if (result.count > 1) result.count = 2;
    expect(result).toEqual({ count: 1, tags: ['a'] });
  });
});

describe('the logic context', () => {
  it('can be destructured: ({ emit, job, attempt }) => ...', async () => {
    const seen: unknown[] = [];
    const source = defineRoutine({
      slots: { in: slot<number>() },
      events: { out: event<{ doubled: number; attempt: number; jobId: string }>() },
      logic: ({ in: items }, _message, _state, { emit, job, attempt }) => emit('out', { doubled: items[0]! * 2, attempt, jobId: job.jobId }),
    });
    const sink = defineRoutine({ slots: { in: slot() }, logic: ({ in: items }) => void seen.push(...items) });
    const flow = new Flow('destructured').addRoutine(source, 'source').addRoutine(sink, 'sink').connect('source', 'out', 'sink', 'in');
    const runtime = createTestRuntime();
    const [, job] = runtime.post(flow, 'source', 'in', 21);
    await runtime.runUntilIdle();
    expectJob(job).toComplete();
    expect(seen).toEqual([{ doubled: 42, attempt: 1, jobId: job.jobId }]);
    await runtime.shutdown();
  });
});
