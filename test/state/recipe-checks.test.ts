import { describe, expect, it } from 'vitest';
import { SerializationError } from '../../src/errors.js';
import { applyRoutineUpdate } from '../../src/state/apply-update.js';
import { restoreRoutineStates } from '../../src/state/replay.js';
import type { RoutineStates } from '../../src/state/routine-states.js';

/*
 * A recipe's result is checked only where it differs from the state it was made from: by comparing each new
 * object with the one Immer copied it from, or (when a journal asks for patches) by the patches. Both ways must
 * find every bad value, deep or shallow, name its path, and leave the state as it was.
 */

type Deep = { a: { b: { c: Record<string, unknown> } }; list: unknown[]; big: Record<string, number>; m?: Map<string, unknown> };

function start(mode: 'json' | 'structured'): RoutineStates {
  const big: Record<string, number> = {};
  for (let i = 0; i < 200; i++) big[`k${i}`] = i;
  return restoreRoutineStates({ s: { a: { b: { c: { x: 1 } } }, list: [1, 2], big } }, mode);
}

const bad: [string, (d: Deep) => void, RegExp][] = [
  ['a function deep inside', (d) => void (d.a.b.c.f = () => 1), /routineStates\.s\.a\.b\.c\.f: function/],
  ['NaN in an existing object', (d) => void (d.a.b.c.x = NaN), /routineStates\.s\.a\.b\.c\.x: NaN/],
  ['Infinity in a big object', (d) => void (d.big.k7 = Infinity), /routineStates\.s\.big\.k7: Infinity/],
  ['an array hole', (d) => void (d.list[4] = 1), /routineStates\.s\.list\[2\]: array hole/],
  ['undefined pushed into an array', (d) => void d.list.push(undefined), /routineStates\.s\.list\[2\]: undefined inside an array/],
  ['a class instance in a new object', (d) => void (d.a.b.c.when = { at: new (class Clock {})() }), /routineStates\.s\.a\.b\.c\.when\.at: Clock is not serializable/],
  ['a symbol key', (d) => void ((d.a.b.c as Record<symbol, unknown>)[Symbol('k')] = 1), /routineStates\.s\.a\.b\.c: symbol keys/],
  ['a BigInt replacing an array item', (d) => void (d.list[0] = 1n), /routineStates\.s\.list\[0\]: BigInt/],
  ['a cycle through a new object', (d) => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    d.a.b.c.loop = loop;
  }, /routineStates\.s\.a\.b\.c\.loop\.self: circular/],
];

describe.each([false, true])('recipe checks (patches: %s)', (withPatches) => {
  it.each(bad)('refuses %s, naming its path, and changes nothing', (_name, recipe, message) => {
    const states = start('json');
    const before = states.get('s');
    expect(() => applyRoutineUpdate(states, 's', recipe, 'json', withPatches)).toThrow(SerializationError);
    expect(() => applyRoutineUpdate(states, 's', recipe, 'json', withPatches)).toThrow(message);
    expect(states.get('s')).toBe(before);
    expect(JSON.parse(JSON.stringify(before))).toEqual(JSON.parse(JSON.stringify(start('json').get('s'))));
  });

  it('freezes every new object and shares what did not change', () => {
    const states = start('json');
    const before = states.get('s') as Deep;
    const next = applyRoutineUpdate(states, 's', (d: Deep) => {
      d.a.b.c.y = { z: [1, { w: 2 }] };
      d.list.push(3);
    }, 'json', withPatches).value as Deep;
    expect(next.big).toBe(before.big);
    for (const o of [next, next.a, next.a.b, next.a.b.c, next.a.b.c.y, (next.a.b.c.y as { z: unknown[] }).z, next.list]) expect(Object.isFrozen(o)).toBe(true);
    expect(next.list).toEqual([1, 2, 3]);
  });

  it("serializer 'structured': Maps edited by a recipe are checked and locked", () => {
    const states = applyRoutineUpdate(start('structured'), 's', (d: Deep) => void (d.m = new Map([['a', 1]])), 'structured', withPatches).states;
    expect(() => applyRoutineUpdate(states, 's', (d: Deep) => void d.m!.set('f', () => 1), 'structured', withPatches)).toThrow(
      /routineStates\.s\.m\.get\("f"\): function/,
    );
    const next = applyRoutineUpdate(states, 's', (d: Deep) => void d.m!.set('b', { at: new Date(0) }), 'structured', withPatches).value as Deep;
    expect(next.m!.get('b')).toEqual({ at: new Date(0) });
    expect(() => (next.m as Map<string, unknown>).set('c', 1)).toThrow(/frozen/);
  });
});

describe('a big state', () => {
  it('is checked by patches after its first copy, and still refuses bad values deep or shallow', () => {
    const big: Record<string, unknown> = {};
    for (let i = 0; i < 1000; i++) big[`k${i}`] = { v: i };
    let states = restoreRoutineStates({ s: big }, 'json');
    for (let i = 0; i < 3; i++) states = applyRoutineUpdate(states, 's', (d: Record<string, { v: number }>) => void (d[`k${i}`]!.v = -i), 'json').states;
    const before = states.get('s');
    expect(() => applyRoutineUpdate(states, 's', (d: Record<string, { v: unknown }>) => void (d.k5!.v = () => 1), 'json')).toThrow(/routineStates\.s\.k5\.v: function/);
    expect(() => applyRoutineUpdate(states, 's', (d: Record<string, unknown>) => void (d.extra = NaN), 'json')).toThrow(/routineStates\.s\.extra: NaN/);
    expect(states.get('s')).toBe(before);
    const next = applyRoutineUpdate(states, 's', (d: Record<string, { v: number }>) => void (d.k9 = { v: 9, w: [1] } as never), 'json').value as Record<string, { w: number[] }>;
    expect(Object.isFrozen(next)).toBe(true);
    expect(Object.isFrozen(next.k9!.w)).toBe(true);
  });
});
