import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { AnyActorRef, InspectionEvent } from 'xstate';
import {
  createInspector,
  InspectorUnavailableError,
  InvalidArgumentError,
  readableInspect,
  RoutiluxError,
  Runtime,
  SlotQueueFullError,
  toInspectable,
} from '../../src/index.js';
import { JOB_IDS, WORKER_ID, runInspectedFlow, until } from './fixtures.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('toInspectable', () => {
  it('copies values to plain JSON data, using toJSON and naming what JSON cannot hold', () => {
    const value = {
      text: 'a',
      count: 1,
      nan: Number.NaN,
      big: 12n,
      sym: Symbol('routilux.deleteState'),
      recipe: (draft: unknown) => draft,
      named: function recipe() {},
      when: new Date(0),
      error: new SlotQueueFullError('job-1', 'a', 'in', 3),
      plainError: new TypeError('bad'),
      map: new Map<unknown, unknown>([
        ['k', 1],
        [2, 'two'],
      ]),
      set: new Set([1, 2]),
      bytes: new Uint8Array(4),
      custom: { toJSON: () => ({ compact: true }) },
      gone: undefined,
    };
    expect(toInspectable(value)).toEqual({
      text: 'a',
      count: 1,
      nan: 'NaN',
      big: '12n',
      sym: 'Symbol(routilux.deleteState)',
      recipe: '[function recipe]',
      named: '[function recipe]',
      when: '1970-01-01T00:00:00.000Z',
      error: { name: 'SlotQueueFullError', message: expect.stringContaining('job-1'), code: 'SLOT_QUEUE_FULL' },
      plainError: { name: 'TypeError', message: 'bad' },
      map: { k: 1, '2': 'two' },
      set: [1, 2],
      bytes: '[Uint8Array(4 bytes)]',
      custom: { compact: true },
    });
    expect(JSON.parse(JSON.stringify(toInspectable(value)))).toEqual(toInspectable(value));
  });

  it('cuts huge, deep and circular values, saying how much was left out', () => {
    const cycle: Record<string, unknown> = { name: 'loop' };
    cycle.self = cycle;
    let deep: unknown = 'bottom';
    for (let i = 0; i < 20; i++) deep = { deep };
    const wide = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`k${i}`, i]));
    const out = toInspectable({ cycle, deep, list: Array.from({ length: 250 }, (_, i) => i), wide, long: 'x'.repeat(2_500) }) as Record<string, unknown>;
    expect(out.cycle).toEqual({ name: 'loop', self: '[circular]' });
    expect(JSON.stringify(out.deep)).toContain('"[…]"');
    expect(JSON.stringify(out.deep)).not.toContain('bottom');
    expect((out.list as unknown[]).length).toBe(101);
    expect((out.list as unknown[]).at(-1)).toBe('…(150 more items)');
    expect(Object.keys(out.wide as object)).toHaveLength(101);
    expect((out.wide as Record<string, unknown>)['…']).toBe('50 more keys');
    expect(out.long).toBe(`${'x'.repeat(2_000)}…(500 more characters)`);
    // The same object twice (not a cycle) is copied twice.
    const shared = { n: 1 };
    expect(toInspectable([shared, shared])).toEqual([{ n: 1 }, { n: 1 }]);
  });
});

describe('readableInspect', () => {
  it('hands on each event and snapshot as it was when it happened', async () => {
    const seen: InspectionEvent[] = [];
    const runtime = new Runtime({ inspect: readableInspect((event) => seen.push(event)) });
    cleanups.push(() => runtime.shutdown());
    await runInspectedFlow(runtime);

    const events = seen.filter((e): e is InspectionEvent & { type: '@xstate.event' } => e.type === '@xstate.event');
    const posts = events.filter((e) => e.event.type === 'job.post');
    expect(posts.map((e) => e.event.job)).toEqual(JOB_IDS.map((jobId) => ({ jobId, status: 'pending', outstanding: 0, timers: 0 })));
    // The real payload is untouched: the job has completed by now.
    expect(runtime.getJob(JOB_IDS[0])!.status).toBe('completed');
    const jobSnapshots = seen.filter((e) => e.type === '@xstate.snapshot' && (e.actorRef as AnyActorRef).id === JOB_IDS[0]);
    expect(jobSnapshots.map((e) => (e as unknown as { snapshot: { value: unknown; context: { driver: { status: string } } } }).snapshot)).toEqual([
      expect.objectContaining({ value: 'running', context: { driver: expect.objectContaining({ status: 'pending' }) } }),
      ...Array.from({ length: jobSnapshots.length - 2 }, () => expect.objectContaining({ value: 'running' })),
      expect.objectContaining({ status: 'done', value: 'completed', context: { driver: expect.objectContaining({ status: 'completed' }) } }),
    ]);
    // Registrations pass through untouched (XState reports them before the actor has a snapshot).
    const registered = seen.filter((e) => e.type === '@xstate.actor').map((e) => e.actorRef as AnyActorRef);
    expect(registered.map((ref) => ref.id).slice(1)).toEqual([WORKER_ID, 'jobs', ...JOB_IDS]);
    // The root is named `runtime`, so plain XState inspectors show a name rather than its session id.
    expect(registered[0]!.id).toBe('runtime');
    expect(registered[0]!.src).toMatchObject({ id: 'runtime' });
  });

  it('forwards to an observer object as well as to a function', () => {
    const got: unknown[] = [];
    const observer = readableInspect({ next: (event) => got.push(event) });
    const actorRef = { id: 'a', sessionId: 'x:0' } as unknown as InspectionEvent['actorRef'];
    observer.next!({ type: '@xstate.event', actorRef, rootId: 'x:0', sourceRef: undefined, event: { type: 'ping', at: 1n } });
    expect(got).toEqual([expect.objectContaining({ type: '@xstate.event', event: { type: 'ping', at: '1n' } })]);
  });
});

describe('createInspector', () => {
  it('"browser" opens the Stately inspector from the given window and posts every actor to it once connected', async () => {
    const opened: string[] = [];
    const posted: { type?: string; name?: string; event?: { type: string } }[] = [];
    const listeners: ((message: { data: unknown }) => void)[] = [];
    const window = {
      open: (url: string) => {
        opened.push(url);
        return { postMessage: (message: (typeof posted)[number]) => posted.push(message) };
      },
      addEventListener: (type: string, listener: (message: { data: unknown }) => void) => {
        if (type === 'message') listeners.push(listener);
      },
    };
    const inspector = await createInspector('browser', { window, url: 'https://stately.ai/inspect?test' });
    cleanups.push(() => inspector.stop());
    expect(inspector.kind).toBe('browser');
    expect(opened).toEqual(['https://stately.ai/inspect?test']);
    for (const listener of listeners) listener({ data: { type: '@statelyai.connected' } });

    const runtime = new Runtime({ inspect: inspector.inspect });
    cleanups.push(() => runtime.shutdown());
    await runInspectedFlow(runtime);
    await until(() => posted.some((m) => m.type === '@xstate.event' && m.event?.type === 'shutdown'), 'the shutdown to be posted');
    expect(posted.filter((m) => m.type === '@xstate.actor').map((m) => m.name)).toEqual(['runtime', WORKER_ID, 'jobs', ...JOB_IDS]);
    expect(posted.filter((m) => m.type === '@xstate.event').map((m) => m.event!.type)).toEqual(expect.arrayContaining(['job.post', 'state.update', 'slot.enqueue', 'routine.done']));
  });

  it('"browser" where there is no window says to use "websocket"', async () => {
    const error = await createInspector('browser').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InspectorUnavailableError);
    expect(error).toBeInstanceOf(RoutiluxError);
    expect(error).toMatchObject({ code: 'INSPECTOR_UNAVAILABLE', kind: 'browser', reason: 'no-window' });
    expect((error as Error).message).toMatch(/needs a browser window.*createInspector\("websocket"\)/);
  });

  it('rejects an unknown kind', async () => {
    await expect(createInspector('remote' as 'websocket')).rejects.toThrow(InvalidArgumentError);
    await expect(createInspector('remote' as 'websocket')).rejects.toThrow(/"browser" or "websocket"/);
  });

  it('the package loads without @statelyai/inspect, and createInspector says what to install', () => {
    const hook = `
      export async function resolve(specifier, context, next) {
        if (specifier === '@statelyai/inspect' || specifier.startsWith('@statelyai/inspect/')) throw new Error('Cannot find package ' + specifier);
        return next(specifier, context);
      }`;
    const script = `
      import { register } from 'node:module';
      register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));
      const routilux = await import('./src/index.ts');
      const runtime = new routilux.Runtime();
      const [, job] = runtime.post(new routilux.Flow('f').addRoutine(new routilux.Routine().addSlot('in').setLogic(() => {}), 'r'), 'r', 'in', 1);
      await runtime.waitUntilAllJobsFinished();
      await runtime.shutdown();
      const error = await routilux.createInspector('websocket', { url: 'ws://127.0.0.1:9' }).then(() => undefined, (e) => e);
      console.log(JSON.stringify({
        job: job.status,
        name: error?.name, code: error?.code, reason: error?.reason, routilux: error instanceof routilux.RoutiluxError,
        message: error?.message, cause: String(error?.cause),
      }));`;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      job: 'completed',
      name: 'InspectorUnavailableError',
      code: 'INSPECTOR_UNAVAILABLE',
      reason: 'missing-package',
      routilux: true,
      message: expect.stringMatching(/^createInspector\("websocket"\) needs the "@statelyai\/inspect" package, which could not be loaded \(Cannot find package @statelyai\/inspect\)\. Install it with `npm install --save-dev @statelyai\/inspect`/),
      cause: expect.stringContaining('Cannot find package @statelyai/inspect'),
    });
  });
});
