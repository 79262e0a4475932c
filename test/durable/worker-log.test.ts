import { afterEach, describe, expect, it } from 'vitest';
import { DurableLogCorruptError, InvalidArgumentError, SerializationError, StoreConnectionError } from '../../src/errors.js';
import { WorkerLog, workerKeys, type DurableRecord } from '../../src/durable/index.js';
import { MemoryStore } from '../../src/stores/memory-store.js';
import { withHooks } from '../../src/stores/with-hooks.js';
import { StateMap } from '../../src/state/state-map.js';
import type { KeyValueStore } from '../../src/stores/types.js';
import { allBackends, sleep, tick } from './backends.js';

const patch = (n: number): DurableRecord => ({ type: 'state.patch', op: 'set', routineId: 'counter', value: { n } });
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

for (const backend of allBackends()) {
  describe(`WorkerLog on ${backend.name}`, () => {
    it('restores every committed record, in order, in a new process view of the store', async () => {
      const { store, reopen } = backend.open();
      closers.push(() => store.close());
      const { log, restored } = await WorkerLog.open(store, 'w1');
      expect(restored).toEqual({ snapshot: undefined, upTo: 0, tail: [] });
      const lsns: number[] = [];
      for (let i = 1; i <= 25; i++) {
        lsns.push(log.enqueue(patch(i)));
        if (i % 7 === 0) await tick(); // several group commits
      }
      await log.flush();
      expect(lsns).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
      const again = reopen();
      if (again !== store) closers.push(() => again.close());
      const back = await WorkerLog.restore(again, 'w1');
      expect(back.tail.map((r) => r.lsn)).toEqual(lsns);
      expect(back.tail.map((r) => (r.record as { value: { n: number } }).value.n)).toEqual(lsns);
      // Appending goes on after the last record.
      const { log: next } = await WorkerLog.open(again, 'w1');
      expect(await next.append(patch(26))).toBe(26);
    });

    it('group commit: every record enqueued in one turn goes in one store write', async () => {
      const { store } = backend.open();
      closers.push(() => store.close());
      const writes: string[] = [];
      const counted = withHooks(store, { before: (c) => void (c.operation.startsWith('set') && writes.push(c.key ?? String(c.keys))) });
      const { log } = await WorkerLog.open(counted, 'gc');
      for (let i = 0; i < 1000; i++) log.enqueue(patch(i));
      await log.flush();
      expect(writes).toEqual([workerKeys('gc').segment(1)]);
      for (let i = 0; i < 10; i++) log.enqueue(patch(i));
      await log.flush();
      expect(writes).toHaveLength(2);
      expect(log.writes).toBe(2);
      expect((await WorkerLog.restore(store, 'gc')).tail).toHaveLength(1010);
    });

    it('compaction: the snapshot replaces the segments it covers, so the key count stays bounded', async () => {
      const { store } = backend.open();
      closers.push(() => store.close());
      await store.set('user:1', 'mine');
      await store.set('routilux-not-ours', 'also mine');
      const { log } = await WorkerLog.open(store, 'cmp');
      const keys = workerKeys('cmp');
      for (let round = 1; round <= 5; round++) {
        for (let i = 0; i < 20; i++) {
          log.enqueue(patch(round * 100 + i));
          await tick();
        }
        await log.compact({ round }, log.appendedLsn);
        const ours = await store.keys(keys.allPattern);
        expect(ours).toEqual([keys.snapshot]);
      }
      log.enqueue(patch(1));
      await log.flush();
      const restored = await WorkerLog.restore(store, 'cmp');
      expect(restored.snapshot).toEqual({ round: 5 });
      expect(restored.upTo).toBe(100);
      expect(restored.tail.map((r) => r.lsn)).toEqual([101]);
      // The user's keys are untouched, and their own patterns do not see ours.
      expect(await store.get('user:1')).toBe('mine');
      expect(await store.keys('user:*')).toEqual(['user:1']);
      expect(await store.keys('routilux-*')).toEqual(['routilux-not-ours']);
      expect(await WorkerLog.destroy(store, 'cmp')).toBe(2);
      expect(await store.keys('*')).toEqual(['routilux-not-ours', 'user:1']);
    });

    it('keeps structured values, StateMaps and $-keys exactly', async () => {
      const { store } = backend.open();
      closers.push(() => store.close());
      const { log } = await WorkerLog.open(store, 'values');
      const value = {
        when: new Date('2024-01-02T03:04:05.000Z'),
        map: new Map<unknown, unknown>([['a', 1], [2, new Set(['x'])]]),
        big: 12345678901234567890n,
        nums: [NaN, Infinity, -0, 1.5],
        $date: 'not a tag',
        $$deep: { $map: 'neither' },
        bytes: new Uint16Array([1, 2, 65535]),
        missing: undefined,
        cache: StateMap.empty<number>({ maxEntries: 3 }).set('a', 1).set('b', 2),
      };
      await log.append({ type: 'state.patch', op: 'set', routineId: 'r', value });
      const [{ record }] = (await WorkerLog.restore(store, 'values')).tail as unknown as [{ record: { value: typeof value } }];
      const back = record.value;
      expect(back.when).toEqual(value.when);
      expect(back.map).toEqual(value.map);
      expect(back.big).toBe(value.big);
      expect(back.nums.map(String)).toEqual(['NaN', 'Infinity', '0', '1.5']);
      expect(Object.is(back.nums[2], -0)).toBe(true);
      expect(back.$date).toBe('not a tag');
      expect(back.$$deep).toEqual({ $map: 'neither' });
      expect(back.bytes).toEqual(value.bytes);
      expect('missing' in back).toBe(true);
      expect(back.cache).toBeInstanceOf(StateMap);
      expect([...back.cache]).toEqual([...value.cache]);
    });
  });
}

describe('WorkerLog (failures, output gate)', () => {
  it('refuses a record it cannot write at once, and it never enters the log', async () => {
    const store = new MemoryStore();
    const { log } = await WorkerLog.open(store, 'bad');
    expect(() => log.enqueue({ type: 'state.patch', op: 'set', routineId: 'r', value: { socket: new (class Socket {})() } })).toThrow(SerializationError);
    expect(() => log.enqueue({ type: 'state.patch', op: 'set', routineId: 'r', value: { f: () => 1 } })).toThrow(/state\.patch\.value\.f/);
    expect(() => log.enqueue({ type: 'nonsense' } as never)).toThrow(InvalidArgumentError);
    expect(log.appendedLsn).toBe(0);
    await expect(log.append(patch(1))).resolves.toBe(1);
    await expect(log.whenDurable(5)).rejects.toThrow(InvalidArgumentError);
  });

  it('output gate: whenDurable resolves only after the write succeeded', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const store = withHooks(new MemoryStore(), { before: (c) => (c.operation === 'set' ? gate : undefined) });
    const { log } = await WorkerLog.open(store, 'gate');
    let durable = false;
    const lsn = log.enqueue(patch(1));
    void log.whenDurable(lsn).then(() => (durable = true));
    await sleep(30);
    expect(durable).toBe(false);
    expect(log.durableLsn).toBe(0);
    release();
    await log.whenDurable(lsn);
    expect(durable).toBe(true);
    expect(log.durableLsn).toBe(1);
  });

  it('a failing store: waiters reject with StoreConnectionError after storeTimeout, records are retried, in order, and land later', async () => {
    let down = true;
    const failures: unknown[] = [];
    const inner = new MemoryStore();
    const store = withHooks(inner, {
      before: (c) => {
        if (down && c.operation === 'set') throw new StoreConnectionError('store down (test)');
      },
    });
    const { log } = await WorkerLog.open(store, 'outage', { storeTimeout: 150, retryDelay: 5, maxRetryDelay: 20, onCommitError: (e) => failures.push(e) });
    const first = log.append(patch(1));
    log.enqueue(patch(2));
    await tick();
    log.enqueue(patch(3));
    const started = Date.now();
    await expect(first).rejects.toThrow(StoreConnectionError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await expect(log.flush()).rejects.toThrow(/not reported durable.*keeps retrying/s);
    expect(log.durableLsn).toBe(0);
    expect(failures.length).toBeGreaterThan(3);
    expect(log.lastError).toBeInstanceOf(StoreConnectionError);
    down = false;
    const later = log.append(patch(4));
    await expect(later).resolves.toBe(4);
    expect(log.lastError).toBeUndefined();
    const restored = await WorkerLog.restore(inner, 'outage');
    expect(restored.tail.map((r) => r.lsn)).toEqual([1, 2, 3, 4]);
    // All four went in one segment, written by the first successful retry.
    expect(await inner.keys(workerKeys('outage').logPattern)).toEqual([workerKeys('outage').segment(1)]);
  });

  it('a closed store makes the log unusable, and says so to whoever waits', async () => {
    const store = new MemoryStore();
    const { log } = await WorkerLog.open(store, 'closed');
    const waiting = log.append(patch(1));
    await store.close();
    await expect(waiting).rejects.toThrow(/store was closed/);
    expect(() => log.enqueue(patch(2))).toThrow(StoreConnectionError);
  });

  it('compaction is not starved by a steady load, and close() writes what is queued', async () => {
    const store = new MemoryStore();
    const { log } = await WorkerLog.open(store, 'steady');
    let stop = false;
    const load = (async () => {
      while (!stop) {
        log.enqueue(patch(1));
        await tick();
      }
    })();
    await sleep(20);
    await log.compact({ at: log.appendedLsn }, log.appendedLsn); // resolves although records keep coming
    stop = true;
    await load;
    log.enqueue(patch(2));
    log.enqueue(patch(3));
    await log.close();
    expect(log.durableLsn).toBe(log.appendedLsn);
    expect(() => log.enqueue(patch(4))).toThrow(/closed: open it again/);
    const restored = await WorkerLog.restore(store, 'steady');
    expect(restored.tail.at(-1)?.lsn).toBe(log.appendedLsn);
    expect(restored.upTo + restored.tail.length).toBe(log.appendedLsn);
  });

  it('a gap in the segments is reported as a corrupt log, naming the missing records', async () => {
    const store: KeyValueStore = new MemoryStore();
    const { log } = await WorkerLog.open(store, 'gap');
    log.enqueue(patch(1));
    await log.flush();
    log.enqueue(patch(2));
    await log.flush();
    log.enqueue(patch(3));
    await log.flush();
    await store.delete(workerKeys('gap').segment(2));
    await expect(WorkerLog.open(store, 'gap')).rejects.toThrow(DurableLogCorruptError);
    await expect(WorkerLog.restore(store, 'gap')).rejects.toThrow(/records 2 to 2 are missing/);
  });

  it('worker ids with key and glob metacharacters stay apart', async () => {
    const store = new MemoryStore();
    const ids = ['a', 'a}', 'a:log', '*', 'a b', '{x}'];
    for (const id of ids) await (await WorkerLog.open(store, id)).log.append({ type: 'state.patch', op: 'set', routineId: 'id', value: id });
    for (const id of ids) {
      const { tail } = await WorkerLog.restore(store, id);
      expect(tail.map((r) => (r.record as { value: string }).value)).toEqual([id]);
    }
    expect(workerKeys('a}').prefix).toBe('routilux:{a%7D}:');
  });
});
