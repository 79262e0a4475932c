import type { KeyValueStore } from '../stores/types.js';

/** One write of a group: set a key, or delete one. The shape of the stores' `batch()` operations. */
export type WriteOperation =
  | { readonly op: 'set'; readonly key: string; readonly value: unknown; readonly ttl?: number }
  | { readonly op: 'delete'; readonly key: string };

/** A store that may offer `batch()` (all-or-nothing; MULTI/Lua on Redis, a transaction on SQLite). */
type MaybeBatching = KeyValueStore & { batch?: (operations: readonly WriteOperation[]) => Promise<unknown> };

/** Whether the store applies a group of writes all-or-nothing (it has `batch()`). */
export function hasAtomicBatch(store: KeyValueStore): boolean {
  return typeof (store as MaybeBatching).batch === 'function';
}

/**
 * Applies `operations` in one go. With `store.batch` (feature-detected) they are all-or-nothing. Without it,
 * the sets go first in one `setMany` (a transaction on SQLite, synchronous on memory, a pipeline on Redis where
 * each SET is atomic on its own) and the deletes after in one `deleteMany`, so callers that write what
 * supersedes the deleted keys first (a snapshot before dropping the log it covers) stay consistent at every
 * step. Resolves `{ atomic }` saying which path ran.
 */
export async function writeAtomically(store: KeyValueStore, operations: readonly WriteOperation[]): Promise<{ atomic: boolean }> {
  if (operations.length === 0) return { atomic: true };
  if (hasAtomicBatch(store)) {
    await (store as MaybeBatching).batch!(operations);
    return { atomic: true };
  }
  const sets = operations.filter((o): o is Extract<WriteOperation, { op: 'set' }> => o.op === 'set');
  const deletes = operations.filter((o) => o.op === 'delete').map((o) => o.key);
  // setMany takes one TTL for all: group the sets by TTL (the durable log uses none).
  const byTtl = new Map<number | undefined, [string, unknown][]>();
  for (const s of sets) {
    let group = byTtl.get(s.ttl);
    if (!group) byTtl.set(s.ttl, (group = []));
    group.push([s.key, s.value]);
  }
  for (const [ttl, entries] of byTtl) {
    if (entries.length === 1) await store.set(entries[0]![0], entries[0]![1], ttl === undefined ? undefined : { ttl });
    else await store.setMany(entries, ttl === undefined ? undefined : { ttl });
  }
  if (deletes.length > 0) await store.deleteMany(deletes);
  // Guaranteed all-or-nothing only when there was a single operation (SQLite's setMany is a transaction too,
  // but a view over a store does not say which backend it is).
  return { atomic: operations.length === 1 };
}
