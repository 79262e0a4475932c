import { afterEach, describe, expect, it } from 'vitest';
import { Flow, InvalidArgumentError, Runtime, SerializationError, type WorkerState } from '../../src/index.js';
import { node } from '../helpers.js';

let runtime: Runtime | undefined;
afterEach(async () => {
  await runtime?.shutdown();
  runtime = undefined;
});

function worker(serializer: 'json' | 'structured' = 'json'): WorkerState {
  runtime = new Runtime({ serializer });
  return runtime.exec(new Flow(`own-keys-${serializer}`).addRoutine(node(['in'], [], () => {}), 'r'));
}

const INHERITED_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__', 'prototype'];

/** Every own property of Object.prototype and Object, to show nothing was added or rewritten. */
function globalsNow(): string {
  const describe = (o: object) =>
    Reflect.ownKeys(o)
      .map((k) => `${String(k)}:${typeof (o as Record<PropertyKey, unknown>)[k]}`)
      .sort()
      .join(',');
  return `${describe(Object.prototype)}|${describe(Object)}|${describe(Array.prototype)}`;
}

describe('routine ids are own keys only', () => {
  it("a recipe on 'constructor' edits a fresh state, never Object", () => {
    const ws = worker();
    const before = globalsNow();
    const value = ws.updateRoutineState<{ count?: number; prototype?: { polluted?: string } }>('constructor', (d) => {
      d.count = 1;
    });
    expect(value).toEqual({ count: 1 });
    expect((Object as unknown as { count?: number }).count).toBeUndefined();
    ws.updateRoutineState<{ prototype?: { polluted?: string } }>('constructor', (d) => {
      d.prototype ??= {};
      d.prototype.polluted = 'yes';
    });
    expect(({} as { polluted?: string }).polluted).toBeUndefined();
    expect(ws.getRoutineState('constructor')).toEqual({ count: 1, prototype: { polluted: 'yes' } });
    expect(globalsNow()).toBe(before);
  });

  it.each(INHERITED_NAMES)('%s is a plain id: unset until set, then its own state', (id) => {
    const ws = worker();
    const before = globalsNow();
    expect(ws.getRoutineState(id)).toBeUndefined();
    expect(ws.routineStates[id]).toBeUndefined();
    expect(ws.deleteRoutineState(id)).toBe(false);
    expect(ws.updateRoutineState(id, { n: 1 })).toEqual({ n: 1 });
    expect(ws.updateRoutineState<{ n: number }>(id, (d) => void (d.n += 1))).toEqual({ n: 2 });
    expect(ws.getRoutineState(id)).toEqual({ n: 2 });
    expect(Object.keys(ws.routineStates)).toEqual([id]);
    expect(Object.getOwnPropertyDescriptor(ws.routineStates, id)?.value).toEqual({ n: 2 });
    expect(JSON.parse(JSON.stringify(ws.snapshot())).routineStates).toEqual(JSON.parse(`{${JSON.stringify(id)}:{"n":2}}`));
    expect(ws.deleteRoutineState(id)).toBe(true);
    expect(ws.getRoutineState(id)).toBeUndefined();
    expect(ws.deleteRoutineState(id)).toBe(false);
    expect(globalsNow()).toBe(before);
  });

  it('routineStates is a frozen record with no prototype, in the order states were first set', () => {
    const ws = worker();
    ws.updateRoutineState('b', { n: 1 });
    ws.updateRoutineState('a', { n: 1 });
    ws.updateRoutineState('b', { n: 2 });
    const states = ws.routineStates;
    expect(Object.getPrototypeOf(states)).toBeNull();
    expect(Object.isFrozen(states)).toBe(true);
    expect(states.toString).toBeUndefined();
    expect(Object.keys(states)).toEqual(['b', 'a']);
    expect(states).toEqual({ b: { n: 2 }, a: { n: 1 } });
    // Read twice without a change in between: the same record.
    expect(ws.routineStates).toBe(states);
    expect(ws.snapshot().routineStates).toBe(states);
  });

  it.each([
    ['a number', 5],
    ['a symbol', Symbol('id')],
    ['null', null],
    ['an object', { id: 'x' }],
    ['an empty string', ''],
  ])('refuses %s as a routine id with InvalidArgumentError on every entry point', (_name, id) => {
    const ws = worker();
    const bad = id as unknown as string;
    expect(() => ws.updateRoutineState(bad, { n: 1 })).toThrow(InvalidArgumentError);
    expect(() => ws.updateRoutineState(bad, (d: unknown) => d)).toThrow(/routineId must be a non-empty string/);
    expect(() => ws.getRoutineState(bad)).toThrow(InvalidArgumentError);
    expect(() => ws.deleteRoutineState(bad)).toThrow(InvalidArgumentError);
    expect(Object.keys(ws.routineStates)).toEqual([]);
  });

  it("updateRoutineState('x', undefined) is refused, set or not, and changes nothing", () => {
    const ws = worker();
    expect(() => ws.updateRoutineState('x', undefined)).toThrow(SerializationError);
    expect(() => ws.updateRoutineState('x', undefined)).toThrow(/routineStates\.x: undefined is not a state value.*deleteRoutineState/);
    expect(ws.getRoutineState('x')).toBeUndefined();
    expect('x' in ws.routineStates).toBe(false);
    ws.updateRoutineState('x', { n: 1 });
    expect(() => ws.updateRoutineState('x', undefined)).toThrow(SerializationError);
    expect(() => ws.updateRoutineState('x', () => undefined)).not.toThrow();
    expect(ws.getRoutineState('x')).toEqual({ n: 1 });
  });
});

describe('__proto__ inside values never reaches Object.prototype', () => {
  const pollute = (k: string) => (d: Record<string, { isAdmin?: boolean }>) => {
    d[k] ??= {};
    d[k].isAdmin = true;
  };

  it.each(['json', 'structured'] as const)('a recipe writing d["__proto__"] is refused, naming the path (%s)', (serializer) => {
    const ws = worker(serializer);
    const before = globalsNow();
    ws.updateRoutineState('x', { ok: true });
    expect(() => ws.updateRoutineState<Record<string, { isAdmin?: boolean }>>('x', pollute('__proto__'))).toThrow(SerializationError);
    expect(() => ws.updateRoutineState<Record<string, { isAdmin?: boolean }>>('x', pollute('__proto__'))).toThrow(/routineStates\.x\.__proto__: "__proto__" cannot be a key in state/);
    expect(({} as { isAdmin?: boolean }).isAdmin).toBeUndefined();
    expect(ws.getRoutineState('x')).toEqual({ ok: true });
    // Nested drafts are guarded too, and so is `constructor` (Object) and its prototype.
    expect(() =>
      ws.updateRoutineState<{ user: Record<string, { isAdmin?: boolean }> }>('y', (d) => {
        d.user = {};
      }),
    ).not.toThrow();
    expect(() => ws.updateRoutineState<{ user: Record<string, { isAdmin?: boolean }> }>('y', (d) => pollute('__proto__')(d.user))).toThrow(
      /routineStates\.y\.user\.__proto__/,
    );
    ws.updateRoutineState<Record<string, Record<string, unknown>>>('z', (d) => {
      const c = d['constructor'] ?? (d['constructor'] = {});
      c['prototype'] ??= {};
      (c['prototype'] as Record<string, unknown>).isAdmin = true;
    });
    expect(({} as { isAdmin?: boolean }).isAdmin).toBeUndefined();
    expect(ws.getRoutineState('z')).toEqual({ constructor: { prototype: { isAdmin: true } } });
    expect(globalsNow()).toBe(before);
  });

  it('an own __proto__ key in a plain value (JSON.parse) is refused, naming its path, as every store refuses it', () => {
    const ws = worker();
    const value = JSON.parse('{"__proto__": {"isAdmin": true}, "name": "a"}') as Record<string, unknown>;
    expect(() => ws.updateRoutineState('x', value)).toThrow(SerializationError);
    expect(() => ws.updateRoutineState('x', value)).toThrow(/routineStates\.x\.__proto__/);
    expect(ws.getRoutineState('x')).toBeUndefined();
    expect(({} as { isAdmin?: boolean }).isAdmin).toBeUndefined();
  });

  it('a recipe can still use arrays, inherited methods and its own constructor key', () => {
    const ws = worker();
    const value = ws.updateRoutineState<{ list: number[]; constructor?: string; has?: boolean }>('x', (d) => {
      d.list = [3, 1, 2];
      d.list.push(4);
      d.list.sort();
      d.has = Object.prototype.hasOwnProperty.call(d, 'list');
      d.constructor = 'mine';
    });
    expect(value).toEqual({ list: [1, 2, 3, 4], has: true, constructor: 'mine' });
    const next = ws.updateRoutineState<{ list: number[]; constructor?: string }>('x', (d) => {
      d.list.splice(0, 1);
      d.list = d.list.map((n) => n * 10).filter((n) => n > 20);
      return d;
    });
    expect(next.list).toEqual([30, 40]);
    expect(next.constructor).toBe('mine');
  });
});
