import { describe, expect, it } from 'vitest';
import { StateMap, lruRecord, stateMap } from '../../src/state/state-map.js';

describe('StateMap', () => {
  it('behaves like a Map and never changes an earlier version', () => {
    const model = new Map<string, number>();
    let map = stateMap<number>();
    const versions: [StateMap<number>, Map<string, number>][] = [];
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 5000; i++) {
      const key = `k${Math.floor(rand() * 700)}`;
      if (rand() < 0.25) {
        map = map.delete(key);
        model.delete(key);
      } else {
        map = map.set(key, i);
        model.set(key, i);
      }
      if (i % 500 === 0) versions.push([map, new Map(model)]);
    }
    expect(map.size).toBe(model.size);
    expect(new Map(map)).toEqual(new Map([...model].sort((a, b) => a[1] - b[1])));
    for (const [version, snapshot] of versions) {
      expect(version.size).toBe(snapshot.size);
      for (const [k, v] of snapshot) expect(version.get(k)).toBe(v);
    }
  });

  it('handles hash collisions and many keys', () => {
    let map = stateMap<number>();
    for (let i = 0; i < 20000; i++) map = map.set(String(i), i);
    expect(map.size).toBe(20000);
    for (let i = 0; i < 20000; i += 997) expect(map.get(String(i))).toBe(i);
    for (let i = 0; i < 20000; i++) map = map.delete(String(i));
    expect(map.size).toBe(0);
    expect([...map]).toEqual([]);
  });

  it('evicts the least recently written entries when bounded', () => {
    let cache = lruRecord<number>(3);
    cache = cache.set('a', 1).set('b', 2).set('c', 3).set('a', 10).set('d', 4);
    expect([...cache.keys()]).toEqual(['c', 'a', 'd']);
    expect(cache.has('b')).toBe(false);
    for (let i = 0; i < 10000; i++) cache = cache.set(`x${i % 50}`, i);
    expect(cache.size).toBe(3);
    expect([...cache.keys()]).toEqual(['x47', 'x48', 'x49']);
  });

  it('round-trips through JSON in write order', () => {
    const cache = lruRecord<{ n: number }>(2).set('a', { n: 1 }).set('b', { n: 2 });
    const json = JSON.parse(JSON.stringify(cache));
    expect(StateMap.isStateMapJSON(json)).toBe(true);
    const restored = StateMap.fromJSON<{ n: number }>(json);
    expect(restored.maxEntries).toBe(2);
    expect([...restored.set('c', { n: 3 })]).toEqual([['b', { n: 2 }], ['c', { n: 3 }]]);
  });

  it('refuses a bad bound', () => {
    expect(() => lruRecord(0)).toThrow(/lruRecord\(maxEntries\) must be a positive integer/);
    expect(() => lruRecord(Infinity)).toThrow(/lruRecord\(maxEntries\)/);
  });
});
