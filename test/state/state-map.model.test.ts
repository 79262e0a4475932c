import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StateMap, lruRecord, stateMap } from '../../src/state/state-map.js';

/*
 * Model-based test: random command sequences run on a StateMap and on a plain Map kept in write order (a set
 * deletes and re-adds its key, and a bounded model drops its first keys), checking after every command that both
 * agree on get/has/size, on iteration order and on the JSON round trip, and that no earlier version changed.
 */

interface Model {
  readonly map: Map<string, number>;
  readonly max: number;
}
interface Real {
  current: StateMap<number>;
  /** Earlier versions with what they held then. */
  readonly versions: [StateMap<number>, [string, number][]][];
}

function agree(model: Model, real: Real): void {
  const map = real.current;
  expect(map.size).toBe(model.map.size);
  expect([...map]).toEqual([...model.map]);
  expect([...map.keys()]).toEqual([...model.map.keys()]);
  expect([...map.values()]).toEqual([...model.map.values()]);
  const json = JSON.parse(JSON.stringify(map)) as { $stateMap: [string, number][]; maxEntries?: number };
  expect(json.$stateMap).toEqual([...model.map]);
  expect(json.maxEntries).toBe(model.max === Infinity ? undefined : model.max);
}

class SetCommand implements fc.Command<Model, Real> {
  constructor(
    readonly key: string,
    readonly value: number,
  ) {}
  check = () => true;
  run(model: Model, real: Real): void {
    real.current = real.current.set(this.key, this.value);
    model.map.delete(this.key);
    model.map.set(this.key, this.value);
    while (model.map.size > model.max) model.map.delete(model.map.keys().next().value!);
    agree(model, real);
  }
  toString = () => `set(${JSON.stringify(this.key)}, ${this.value})`;
}

class DeleteCommand implements fc.Command<Model, Real> {
  constructor(readonly key: string) {}
  check = () => true;
  run(model: Model, real: Real): void {
    const before = real.current;
    real.current = real.current.delete(this.key);
    if (!model.map.has(this.key)) expect(real.current).toBe(before);
    model.map.delete(this.key);
    agree(model, real);
  }
  toString = () => `delete(${JSON.stringify(this.key)})`;
}

class ReadCommand implements fc.Command<Model, Real> {
  constructor(readonly key: string) {}
  check = () => true;
  run(model: Model, real: Real): void {
    expect(real.current.get(this.key)).toBe(model.map.get(this.key));
    expect(real.current.has(this.key)).toBe(model.map.has(this.key));
  }
  toString = () => `get/has(${JSON.stringify(this.key)})`;
}

class KeepVersionCommand implements fc.Command<Model, Real> {
  check = () => true;
  run(model: Model, real: Real): void {
    real.versions.push([real.current, [...model.map]]);
  }
  toString = () => 'keepVersion';
}

class RestoreCommand implements fc.Command<Model, Real> {
  check = () => true;
  run(model: Model, real: Real): void {
    // A map restored from its JSON is the same map: same entries, same order, same eviction from here on.
    real.current = StateMap.fromJSON(JSON.parse(JSON.stringify(real.current)));
    expect(real.current.maxEntries).toBe(model.max);
    agree(model, real);
  }
  toString = () => 'restoreFromJSON';
}

// Few keys, so sets overwrite and deletes hit; names that are Object.prototype members are plain keys too.
const key = fc.oneof(
  fc.constantFrom('a', 'b', 'c', 'd', 'e', '', '__proto__', 'constructor', 'toString', 'hasOwnProperty'),
  fc.string({ maxLength: 2 }),
);

const commands = fc.commands(
  [
    fc.tuple(key, fc.integer()).map(([k, v]) => new SetCommand(k, v)),
    key.map((k) => new DeleteCommand(k)),
    key.map((k) => new ReadCommand(k)),
    fc.constant(new KeepVersionCommand()),
    fc.constant(new RestoreCommand()),
  ],
  { maxCommands: 150, size: 'max' },
);

function runModel(max: number) {
  return fc.property(commands, (cmds) => {
    const real: Real = { current: max === Infinity ? stateMap<number>() : lruRecord<number>(max), versions: [] };
    fc.modelRun(() => ({ model: { map: new Map(), max }, real }), cmds);
    for (const [version, entries] of real.versions) {
      expect([...version]).toEqual(entries);
      expect(version.size).toBe(entries.length);
      for (const [k, v] of entries) expect(version.get(k)).toBe(v);
    }
  });
}

describe('StateMap against a plain Map (model-based)', () => {
  it('unbounded: set, get, has, delete, size, iteration order, JSON, and every earlier version', () => {
    fc.assert(runModel(Infinity), { numRuns: 60 });
  });

  it.each([1, 3, 8])('bounded to %i entries (lruRecord): evicts the least recently written, in order', (max) => {
    fc.assert(runModel(max), { numRuns: 40 });
  });
});
