import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidArgumentError, StoreClosedError } from '../../src/errors.js';
import { MemoryStore, type MemoryStoreOptions } from '../../src/stores/memory-store.js';
import type { EvictionReason } from '../../src/stores/types.js';

type Event = [key: string, value: unknown, reason: EvictionReason];

function setup(options: MemoryStoreOptions = {}) {
  let now = 0;
  const events: Event[] = [];
  const store = new MemoryStore({
    sweepInterval: 0,
    now: () => now,
    onEvict: (key, value, reason) => {
      events.push([key, value, reason]);
    },
    ...options,
  });
  return { store, events, advance: (ms: number) => (now += ms) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('MemoryStore: LRU bound', () => {
  it('evicts the least recently used entry; get and set count as use, exists and keys do not', async () => {
    const { store, events } = setup({ maxEntries: 3 });
    await store.setMany([['a', 1], ['b', 2], ['c', 3]]);
    await store.get('a'); // a is now the most recent: b is the oldest
    await store.exists('b');
    await store.keys();
    await store.set('d', 4);
    expect(events).toEqual([['b', 2, 'evicted']]);
    await store.set('c', 30); // overwrite: c becomes most recent, nothing evicted
    await store.set('e', 5);
    expect(events.slice(1)).toEqual([['c', 3, 'overwritten'], ['a', 1, 'evicted']]);
    expect(await store.keys()).toEqual(['c', 'd', 'e']);
    expect(store.size).toBe(3);
  });

  it('scopes share one LRU: writing in a scope evicts the parent’s oldest key', async () => {
    const { store, events } = setup({ maxEntries: 2 });
    await store.set('root', 1);
    const scope = store.scope('s');
    await scope.set('a', 2);
    await scope.set('b', 3);
    expect(events).toEqual([['root', 1, 'evicted']]);
    expect(await store.keys()).toEqual(['s:a', 's:b']);
  });

  it('an expired entry that reaches the LRU end is reported as expired, not evicted', async () => {
    const { store, events, advance } = setup({ maxEntries: 2 });
    await store.set('old', 1, { ttl: 10 });
    await store.set('live', 2);
    advance(20);
    await store.set('new', 3);
    expect(events).toEqual([['old', 1, 'expired']]);
  });

  it.each([0, -1, 1.5, Number.NaN, '10'])('refuses maxEntries %j', (maxEntries) => {
    expect(() => new MemoryStore({ maxEntries: maxEntries as number })).toThrow(InvalidArgumentError);
  });
});

describe('MemoryStore: onEvict', () => {
  it('reports every reason with the decoded value', async () => {
    const { store, events, advance } = setup();
    await store.set('k', { v: 1 });
    await store.set('k', { v: 2 }); // overwritten
    await store.delete('k'); // deleted
    await store.set('t', 't', { ttl: 5 });
    advance(5);
    expect(await store.get('t')).toBeUndefined(); // expired (on read)
    await store.setMany([['x', 1], ['y', 2]]);
    await store.deleteMany(['x', 'nope']);
    await store.scope('s').set('z', 3);
    await store.scope('s').clear();
    expect(events).toEqual([
      ['k', { v: 1 }, 'overwritten'],
      ['k', { v: 2 }, 'deleted'],
      ['t', 't', 'expired'],
      ['x', 1, 'deleted'],
      ['s:z', 3, 'deleted'],
    ]);
    expect(await store.keys()).toEqual(['y']);
  });

  it('a set on an expired key reports the old value as expired', async () => {
    const { store, events, advance } = setup();
    await store.set('k', 1, { ttl: 5 });
    advance(6);
    await store.set('k', 2);
    expect(events).toEqual([['k', 1, 'expired']]);
  });

  it('runs after the store is consistent, so the callback can read and write it', async () => {
    const seen: unknown[] = [];
    const store: MemoryStore = new MemoryStore({
      maxEntries: 2,
      onEvict: async (key, value, reason) => {
        const size = store.size; // read synchronously, as the callback starts
        seen.push({ key, value, reason, size, present: await store.exists(key), keys: await store.keys() });
        if (key === 'a') await store.set('archive', `was ${String(value)}`); // evicts 'b' in turn
      },
    });
    await store.set('a', 1);
    await store.set('b', 2);
    await store.set('c', 3);
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).toEqual([
      { key: 'a', value: 1, reason: 'evicted', size: 2, present: false, keys: ['b', 'c'] },
      { key: 'b', value: 2, reason: 'evicted', size: 2, present: false, keys: ['archive', 'c'] },
    ]);
    expect(await store.get('archive')).toBe('was 1');
  });

  it('a throwing callback does not fail the operation; the error becomes a process warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const store = new MemoryStore({
        onEvict: () => {
          throw new Error('boom');
        },
      });
      await store.set('k', 1);
      await expect(store.set('k', 2)).resolves.toBeUndefined();
      expect(await store.get('k')).toBe(2);
      await new Promise((r) => setImmediate(r));
      expect(warnings.map((w) => w.message)).toEqual([expect.stringMatching(/onEvict threw for "k" \(overwritten\): boom/)]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('MemoryStore: expiry without reads', () => {
  it('the sweeper frees expired entries nobody reads, and stops when none have a TTL', async () => {
    vi.useFakeTimers();
    const events: Event[] = [];
    const store = new MemoryStore({ sweepInterval: 100, now: () => performance.now(), onEvict: (k, v, r) => void events.push([k, v, r]) });
    expect(vi.getTimerCount()).toBe(0); // no TTL yet: no timer
    await store.set('keep', 1);
    await store.set('a', 1, { ttl: 50 });
    await store.set('b', 2, { ttl: 250 });
    expect(vi.getTimerCount()).toBe(1); // one sweeper, however many entries
    vi.advanceTimersByTime(100);
    expect(events).toEqual([['a', 1, 'expired']]);
    expect(store.size).toBe(2);
    vi.advanceTimersByTime(200);
    expect(events).toEqual([['a', 1, 'expired'], ['b', 2, 'expired']]);
    expect(store.size).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
    await store.set('c', 3, { ttl: 10 });
    expect(vi.getTimerCount()).toBe(1);
    await store.close();
    expect(vi.getTimerCount()).toBe(0); // close() stops it
  });

  it('the sweeper timer does not keep the process alive', () => {
    // A process holding a store with TTL entries (and never closing it) still exits when its work is done.
    const script = `import { MemoryStore } from './src/stores/memory-store.ts';
      const store = new MemoryStore({ sweepInterval: 10 });
      await store.set('k', 1, { ttl: 60000 });
      console.log('size', store.size);`;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 15_000 });
    expect(result.error).toBeUndefined(); // a timeout would mean the timer held the process
    expect(result.stdout.trim()).toBe('size 1');
    expect(result.status).toBe(0);
  });

  it('the default clock sees an expiry at once after idle time, and within 64 operations in a busy loop', async () => {
    const store = new MemoryStore();
    await store.set('idle', 1, { ttl: 5 });
    await store.set('busy', 1, { ttl: 5 });
    await new Promise((r) => setTimeout(r, 20));
    expect(await store.get('idle')).toBeUndefined();
    await store.set('busy', 2, { ttl: 5 });
    const started = performance.now();
    while (performance.now() - started < 10); // no timer can fire while this runs
    let staleReads = 0;
    while ((await store.get('busy')) !== undefined) staleReads++;
    expect(staleReads).toBeLessThanOrEqual(64);
  });

  it('purgeExpired() removes every expired entry at once and says how many', async () => {
    const { store, events, advance } = setup();
    for (let i = 0; i < 10; i++) await store.set(`k${i}`, i, { ttl: i < 6 ? 10 : 1000 });
    advance(10);
    expect(store.size).toBe(10);
    expect(store.purgeExpired()).toBe(6);
    expect(store.size).toBe(4);
    expect(events.map(([k, , r]) => `${k}:${r}`)).toEqual(['k0:expired', 'k1:expired', 'k2:expired', 'k3:expired', 'k4:expired', 'k5:expired']);
  });
});

describe('MemoryStore: serializers', () => {
  it('json (the default) copies values; none keeps the reference, deep-frozen', async () => {
    const copied = new MemoryStore();
    const value = { a: { b: [1] } };
    await copied.set('k', value);
    expect(await copied.get('k')).not.toBe(value);
    expect(Object.isFrozen(value)).toBe(false);

    const raw = new MemoryStore({ serializer: 'none' });
    const shared = { a: { b: [1] }, when: new Date(0), fn: () => 1 };
    await raw.set('k', shared);
    const read = (await raw.get('k')) as typeof shared;
    expect(read).toBe(shared);
    expect(Object.isFrozen(shared)).toBe(true);
    expect(Object.isFrozen(shared.a.b)).toBe(true);
    expect(() => shared.a.b.push(2)).toThrow(TypeError);
  });

  it('refuses an unknown serializer', () => {
    expect(() => new MemoryStore({ serializer: 'yaml' as 'json' })).toThrow(/serializer must be "json", "structured", "none"/);
  });

  it('a custom serializer is used, and its failure becomes a SerializationError', async () => {
    const store = new MemoryStore({
      serializer: {
        name: 'upper',
        binary: false,
        serialize: (v) => {
          if (typeof v !== 'string') throw new Error('strings only');
          return v.toUpperCase();
        },
        deserialize: (d) => String(d).toLowerCase(),
      },
    });
    await store.set('k', 'Hello');
    expect(await store.get('k')).toBe('hello');
    await expect(store.set('n', 5)).rejects.toThrow(/^n: the upper serializer failed \(strings only\)/);
  });
});

describe('MemoryStore: options and lifecycle', () => {
  it.each([
    [{ ttl: 0 }, /ttl must be a positive number/],
    [{ sweepInterval: -1 }, /sweepInterval must be a whole number/],
    [{ sweepInterval: 2 ** 31 }, /sweepInterval must be a whole number of milliseconds from 0 to 2147483647 \(2\^31−1 ms/],
    [{ sweepInterval: 1e12 }, /sweepInterval must be a whole number of milliseconds from 0 to 2147483647/],
    [{ ttl: 2 ** 53 }, /ttl must be a positive number of milliseconds up to Number\.MAX_SAFE_INTEGER/],
    [{ onEvict: 'log' }, /onEvict must be a function/],
    [{ now: 5 }, /now must be a function/],
    [{ maxEntriez: 5 }, /MemoryStore option "maxEntriez"/],
  ])('refuses %j with a clear message', (options, message) => {
    expect(() => new MemoryStore(options as MemoryStoreOptions)).toThrow(message);
  });

  it('every option above 2^31−1 ms is an InvalidArgumentError; the maximum itself works and never fires early', async () => {
    expect(() => new MemoryStore({ sweepInterval: 2_147_483_648 })).toThrow(InvalidArgumentError);
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => void warnings.push(warning);
    process.on('warning', onWarning);
    let now = 0;
    const store = new MemoryStore({ sweepInterval: 2_147_483_647, ttl: 2 ** 31 * 10, now: () => now });
    try {
      await store.set('long', 1); // default ttl past 2^31: only compared with the clock
      await store.set('short', 2, { ttl: 1 });
      now += 10;
      await new Promise((resolve) => setTimeout(resolve, 30)); // an overflowed sweeper would have run after ~1 ms
      expect(store.size).toBe(2); // nothing swept: the expired 'short' is still held
      expect(await store.get('long')).toBe(1);
      expect(await store.get('short')).toBeUndefined();
      expect(warnings.filter((w) => w.name === 'TimeoutOverflowWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await store.close();
    }
  });

  it('close() empties the store and refuses further use', async () => {
    const store = new MemoryStore();
    await store.set('k', 1);
    await store.close();
    expect(store.size).toBe(0);
    await expect(store.get('k')).rejects.toBeInstanceOf(StoreClosedError);
  });
});

describe('MemoryStore at maxEntries', () => {
  it('reclaims expired entries (reason "expired") before evicting the least recently used live one', async () => {
    let now = 0;
    const events: [string, string][] = [];
    const store = new MemoryStore({ maxEntries: 3, now: () => now, onEvict: (key, _value, reason) => void events.push([key, reason]) });
    await store.set('live-old', 1);
    await store.set('short', 2, { ttl: 10 });
    await store.set('live-new', 3);
    now += 20;
    await store.set('d', 4);
    expect(events).toEqual([['short', 'expired']]);
    expect(await store.keys()).toEqual(['d', 'live-new', 'live-old']);
    await store.set('e', 5);
    expect(events).toEqual([['short', 'expired'], ['live-old', 'evicted']]);
    await store.close();
  });
});
