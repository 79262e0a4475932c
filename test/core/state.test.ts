import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Flow, Runtime, SerializationError, StateMap, WorkerNotRunningError, lruRecord, stateMap } from '../../src/index.js';
import { node, sleep } from '../helpers.js';

let runtime: Runtime;
afterEach(async () => {
  await runtime?.shutdown();
});

describe('WorkerState updates', () => {
  it('10,000 concurrent async jobs incrementing one counter end at exactly 10,000', async () => {
    runtime = new Runtime();
    const flow = new Flow('counter').addRoutine(
      node(['in'], [], async (_data, _m, ws) => {
        await sleep(Math.random() * 5);
        ws.updateRoutineState<{ n?: number }>('c', (d) => {
          d.n = (d.n ?? 0) + 1;
        });
        await sleep(Math.random() * 5);
      }),
      'r',
    );
    const ws = runtime.exec(flow);
    const jobs = Array.from({ length: 10_000 }, (_, i) => runtime.post(flow, 'r', 'in', i)[1]);
    expect(await runtime.waitUntilAllJobsFinished({ timeout: 25_000 })).toBe(true);
    expect(ws.getRoutineState('c')).toEqual({ n: 10_000 });
    expect(jobs.every((j) => j.status === 'completed')).toBe(true);
  });

  it('returns the new frozen value synchronously and reads are deeply frozen', () => {
    runtime = new Runtime();
    const ws = runtime.exec(new Flow('frozen').addRoutine(node(['in'], [], () => {}), 'r'));
    const value = ws.updateRoutineState<{ list?: number[]; nested?: { a: number } }>('s', (d) => {
      d.list = [1, 2];
      d.nested = { a: 1 };
    });
    expect(value).toEqual({ list: [1, 2], nested: { a: 1 } });
    expect(Object.isFrozen(value)).toBe(true);
    expect(Object.isFrozen(value.list)).toBe(true);
    expect(Object.isFrozen(ws.routineStates)).toBe(true);
    expect(() => {
      (ws.getRoutineState<{ nested: { a: number } }>('s') as { nested: { a: number } }).nested.a = 2;
    }).toThrow(TypeError);
    expect(ws.getRoutineState('missing')).toBeUndefined();
  });

  it('a recipe on an unset state gets a draft of {}', () => {
    runtime = new Runtime();
    const ws = runtime.exec(new Flow('draft').addRoutine(node(['in'], [], () => {}), 'r'));
    let seen: unknown;
    ws.updateRoutineState('fresh', (d) => {
      seen = { ...(d as object) };
    });
    expect(seen).toEqual({});
  });

  it('copies nothing it does not need: unchanged routine states keep their identity', () => {
    runtime = new Runtime();
    const ws = runtime.exec(new Flow('identity').addRoutine(node(['in'], [], () => {}), 'r'));
    ws.updateRoutineState('a', { big: { x: 1 } });
    const a = ws.getRoutineState('a');
    ws.updateRoutineState<{ n: number }>('b', { n: 1 });
    expect(ws.getRoutineState('a')).toBe(a);
  });

  it('replaces a state with a plain value without aliasing later edits of the caller object', () => {
    runtime = new Runtime();
    const ws = runtime.exec(new Flow('value').addRoutine(node(['in'], [], () => {}), 'r'));
    const mine = { count: 1 };
    ws.updateRoutineState('s', mine);
    expect(ws.getRoutineState('s')).toEqual({ count: 1 });
    expect(ws.deleteRoutineState('s')).toBe(true);
    expect(ws.getRoutineState('s')).toBeUndefined();
    expect(ws.deleteRoutineState('s')).toBe(false);
  });

  it('refuses updates after the worker stopped', async () => {
    runtime = new Runtime();
    const ws = runtime.exec(new Flow('stopped').addRoutine(node(['in'], [], () => {}), 'r'));
    await runtime.stop(ws.workerId);
    expect(ws.status).toBe('stopped');
    expect(() => ws.updateRoutineState('s', { a: 1 })).toThrow(WorkerNotRunningError);
  });
});

describe('serializable state', () => {
  class Connection {
    query() {
      return 1;
    }
  }
  const circular: Record<string, unknown> = { a: 1 };
  circular.self = circular;

  const cases: [string, unknown, RegExp][] = [
    ['a function', { handler: () => 1 }, /routineStates\.s\.handler: function handler is not serializable/],
    ['a class instance with methods', { db: { connection: new Connection() } }, /routineStates\.s\.db\.connection: Connection is not serializable/],
    ['a circular object', { loop: circular }, /routineStates\.s\.loop\.self: circular reference/],
    ['NaN', { ratio: NaN }, /routineStates\.s\.ratio: NaN is not JSON-serializable/],
    ['undefined inside an array', { list: [1, undefined] }, /routineStates\.s\.list\[1\]: undefined inside an array/],
    ['a symbol', { tag: Symbol('x') }, /routineStates\.s\.tag: Symbol\(x\) is not serializable/],
    ['a BigInt', { big: 10n }, /routineStates\.s\.big: BigInt is not JSON-serializable/],
    ['a Date under json', { at: new Date(0) }, /routineStates\.s\.at: Date is not serializable.*serializer: 'structured'/],
    ['a Map under json', { m: new Map() }, /routineStates\.s\.m: Map is not serializable/],
    ['Infinity', { x: Infinity }, /routineStates\.s\.x: Infinity/],
    ['an odd key', { 'odd key': { f: () => 1 } }, /routineStates\.s\["odd key"\]\.f: function/],
  ];

  it.each(cases)('refuses %s, naming its path, and leaves the state as it was', (_name, value, message) => {
    runtime = new Runtime();
    const ws = runtime.exec(new Flow('ser').addRoutine(node(['in'], [], () => {}), 'r'));
    ws.updateRoutineState('s', { before: true });
    const before = ws.routineStates;
    expect(() => ws.updateRoutineState('s', value)).toThrow(SerializationError);
    expect(() => ws.updateRoutineState('s', value)).toThrow(message);
    expect(() =>
      ws.updateRoutineState<Record<string, unknown>>('s', (d) => {
        Object.assign(d, value);
      }),
    ).toThrow(message);
    expect(ws.routineStates).toBe(before);
    expect(ws.getRoutineState('s')).toEqual({ before: true });
  });

  it('refuses a socket', async () => {
    runtime = new Runtime();
    const ws = runtime.exec(new Flow('socket').addRoutine(node(['in'], [], () => {}), 'r'));
    const server = createServer();
    try {
      expect(() => ws.updateRoutineState('db', { connection: server })).toThrow(/routineStates\.db\.connection: Server is not serializable/);
    } finally {
      server.close();
    }
  });

  it('a SerializationError carries its code and path', () => {
    runtime = new Runtime();
    const ws = runtime.exec(new Flow('code').addRoutine(node(['in'], [], () => {}), 'r'));
    try {
      ws.updateRoutineState('s', { f: () => 1 });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SerializationError);
      expect((error as SerializationError).code).toBe('NOT_SERIALIZABLE');
      expect((error as SerializationError).path).toBe('routineStates.s.f');
    }
  });

  it("serializer: 'structured' accepts Date, Map, Set, BigInt and typed arrays, and freezes Maps too", () => {
    runtime = new Runtime({ serializer: 'structured' });
    const ws = runtime.exec(new Flow('structured').addRoutine(node(['in'], [], () => {}), 'r'));
    const value = ws.updateRoutineState('s', { at: new Date(0), m: new Map([['a', 1]]), set: new Set([1]), big: 1n, bytes: new Uint8Array([1]) });
    expect(value.m.get('a')).toBe(1);
    expect(() => (value.m as Map<string, number>).set('b', 2)).toThrow(/frozen/);
    expect(() => ws.updateRoutineState('s', { f: () => 1 })).toThrow(/routineStates\.s\.f: function/);
    ws.updateRoutineState<{ m: Map<string, number> }>('s', (d) => {
      d.m.set('b', 2);
    });
    expect(ws.getRoutineState<{ m: Map<string, number> }>('s')!.m.get('b')).toBe(2);
  });
});

describe('checks are per serializer mode and all-or-nothing', () => {
  it("a value a 'structured' worker accepted is still refused by a 'json' worker", async () => {
    const structured = new Runtime({ serializer: 'structured' });
    runtime = new Runtime();
    try {
      const a = structured.exec(new Flow('structured-a').addRoutine(node(['in'], [], () => {}), 'r'));
      const b = runtime.exec(new Flow('json-b').addRoutine(node(['in'], [], () => {}), 'r'));
      const value = a.updateRoutineState('s', { when: new Date(0), tags: new Set(['x']) });
      expect(() => b.updateRoutineState('s', value)).toThrow(/routineStates\.s\.when: Date is not serializable/);
      expect(b.getRoutineState('s')).toBeUndefined();
    } finally {
      await structured.shutdown();
    }
  });

  it('a StateMap in a refused write is checked and frozen again when written next', () => {
    runtime = new Runtime();
    const ws = runtime.exec(new Flow('statemap-refused').addRoutine(node(['in'], [], () => {}), 'r'));
    const map = stateMap<{ n: number }>().set('a', { n: 1 });
    expect(() => ws.updateRoutineState('x', { m: map, bad: () => 1 })).toThrow(/routineStates\.x\.bad: function/);
    const stored = ws.updateRoutineState<{ m: StateMap<{ n: number }> }>('x', { m: map });
    expect(Object.isFrozen(stored.m.get('a'))).toBe(true);

    const poisoned = stateMap<unknown>().set('f', { f: () => 1 });
    expect(() => ws.updateRoutineState('y', { m: poisoned, bad: () => 1 })).toThrow(SerializationError);
    expect(() => ws.updateRoutineState('y', { m: poisoned })).toThrow(/routineStates\.y\.m\.get\("f"\)\.f: function/);
  });
});

describe('StateMap in WorkerState', () => {
  it('holds a bounded cache that is checked entry by entry', () => {
    runtime = new Runtime();
    const ws = runtime.exec(new Flow('cache').addRoutine(node(['in'], [], () => {}), 'r'));
    ws.updateRoutineState('cache', { entries: lruRecord<{ v: number }>(3) });
    for (let i = 0; i < 10; i++) {
      ws.updateRoutineState<{ entries: StateMap<{ v: number }> }>('cache', (d) => {
        d.entries = d.entries.set(`k${i}`, { v: i });
      });
    }
    const { entries } = ws.getRoutineState<{ entries: StateMap<{ v: number }> }>('cache')!;
    expect([...entries.keys()]).toEqual(['k7', 'k8', 'k9']);
    expect(Object.isFrozen(entries.get('k9'))).toBe(true);
    expect(() =>
      ws.updateRoutineState<{ entries: StateMap<unknown> }>('cache', (d) => {
        d.entries = d.entries.set('bad', { f: () => 1 });
      }),
    ).toThrow(/routineStates\.cache\.entries\.get\("bad"\)\.f: function/);
    expect(ws.getRoutineState<{ entries: StateMap<unknown> }>('cache')!.entries.has('bad')).toBe(false);
    expect(JSON.parse(JSON.stringify(ws.routineStates)).cache.entries.$stateMap).toHaveLength(3);
  });
});
