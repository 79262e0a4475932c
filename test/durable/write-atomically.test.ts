import { describe, expect, it } from 'vitest';
import { WorkerLog, hasAtomicBatch, workerKeys, writeAtomically, type WriteOperation } from '../../src/durable/index.js';
import { MemoryStore } from '../../src/stores/memory-store.js';
import { withHooks } from '../../src/stores/with-hooks.js';

/** A store with the `batch()` the stores' atomic operations add: applies every operation or none. */
class BatchingStore extends MemoryStore {
  readonly batches: WriteOperation[][] = [];
  async batch(operations: readonly WriteOperation[]): Promise<void> {
    this.batches.push([...operations]);
    for (const o of operations) {
      if (o.op === 'set') await this.set(o.key, o.value);
      else await this.delete(o.key);
    }
  }
}

describe('writeAtomically', () => {
  it('uses store.batch when the store has one (feature-detected), for compaction too', async () => {
    const store = new BatchingStore();
    expect(hasAtomicBatch(store)).toBe(true);
    expect(hasAtomicBatch(new MemoryStore())).toBe(false);
    expect(await writeAtomically(store, [{ op: 'set', key: 'a', value: 1 }, { op: 'delete', key: 'b' }])).toEqual({ atomic: true });
    const { log } = await WorkerLog.open(store, 'b');
    log.enqueue({ type: 'state.patch', op: 'delete', routineId: 'r' });
    await log.flush();
    log.enqueue({ type: 'state.patch', op: 'delete', routineId: 'r' });
    await log.compact('snap');
    const keys = workerKeys('b');
    expect(store.batches.at(-1)!.map((o) => `${o.op} ${o.key}`)).toEqual([`set ${keys.snapshot}`, `delete ${keys.segment(1)}`, `delete ${keys.segment(2)}`]);
    expect(await store.keys(keys.allPattern)).toEqual([keys.snapshot]);
  });

  it('without batch: the sets first (one setMany per TTL), then the deletes', async () => {
    const calls: string[] = [];
    const store = withHooks(new MemoryStore(), { before: (c) => void calls.push(`${c.operation} ${c.key ?? (c.keys ?? []).join(',')}`) });
    await store.set('old', 1);
    calls.length = 0;
    const result = await writeAtomically(store, [
      { op: 'delete', key: 'old' },
      { op: 'set', key: 'a', value: 1 },
      { op: 'set', key: 'b', value: 2 },
      { op: 'set', key: 't', value: 3, ttl: 60_000 },
    ]);
    expect(result).toEqual({ atomic: false });
    expect(calls).toEqual(['setMany a,b', 'set t', 'deleteMany old']);
    expect(await store.getMany(['old', 'a', 'b', 't'])).toEqual([undefined, 1, 2, 3]);
    expect(await writeAtomically(store, [])).toEqual({ atomic: true });
  });
});
