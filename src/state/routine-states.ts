import { find, hashKey, insert, leavesOf, remove, type Leaf, type TrieNode } from './hash-trie.js';

/**
 * Every routine's state in one worker: an immutable map from routine id to a frozen, checked value, kept in a
 * hash trie so an update copies about log32(n) small nodes whatever the number of routines (a plain record would be
 * copied and frozen whole on every update). Ids are keys of the trie, never properties of an object, so
 * `constructor`, `__proto__` or `toString` are plain ids and no lookup reaches `Object.prototype`.
 *
 * `toRecord()` materializes the frozen `routineStates` record users read, once per version (cached), in the order
 * routine states were first set, as a plain object would list them.
 */
export class RoutineStates {
  /** The state of a worker that has none yet. */
  static readonly EMPTY = new RoutineStates(undefined, 0, 0);

  readonly #root: TrieNode<unknown> | undefined;
  readonly #size: number;
  /** The last sequence number given to a new id: leaves keep the number of their first insertion. */
  readonly #seq: number;
  #record: Readonly<Record<string, unknown>> | undefined;

  private constructor(root: TrieNode<unknown> | undefined, size: number, seq: number) {
    this.#root = root;
    this.#size = size;
    this.#seq = seq;
  }

  /**
   * Rebuilds the states from a plain record (a snapshot's `routineStates`): own enumerable string keys only.
   * The values are taken as they are: check and freeze them first (see `restoreRoutineStates`).
   */
  static fromRecord(record: Readonly<Record<string, unknown>>): RoutineStates {
    let states = RoutineStates.EMPTY;
    for (const id of Object.keys(record)) states = states.set(id, record[id]);
    return states;
  }

  /** How many routine states are set. */
  get size(): number {
    return this.#size;
  }

  /** The state of `routineId`, or undefined if it was never set (or was deleted). */
  get(routineId: string): unknown {
    return find(this.#root, hashKey(routineId), routineId)?.value;
  }

  /** Whether `routineId` has a state. */
  has(routineId: string): boolean {
    return find(this.#root, hashKey(routineId), routineId) !== undefined;
  }

  /** Returns new states with `routineId` set to `value` (keeping its place if it was set); this one is unchanged. */
  set(routineId: string, value: unknown): RoutineStates {
    const hash = hashKey(routineId);
    const existing = find(this.#root, hash, routineId);
    if (existing?.value === value) return this;
    const seq = existing ? existing.seq : this.#seq + 1;
    const leaf: Leaf<unknown> = { kind: 0, hash, key: routineId, value, seq };
    const root = insert(this.#root, leaf, 0, {});
    return new RoutineStates(root, existing ? this.#size : this.#size + 1, existing ? this.#seq : seq);
  }

  /** Returns new states without `routineId`, or these states if it has no state. */
  delete(routineId: string): RoutineStates {
    const hash = hashKey(routineId);
    if (!find(this.#root, hash, routineId)) return this;
    return new RoutineStates(remove(this.#root, hash, routineId, 0), this.#size - 1, this.#seq);
  }

  /** `[routineId, state]` pairs, in the order the states were first set. */
  *entries(): IterableIterator<[string, unknown]> {
    for (const leaf of this.#ordered()) yield [leaf.key, leaf.value];
  }

  /**
   * The states as a frozen record with no prototype (so `record.toString` is undefined unless a routine is named
   * so), built on the first call for this version and cached.
   */
  toRecord(): Readonly<Record<string, unknown>> {
    if (this.#record) return this.#record;
    const record: Record<string, unknown> = Object.create(null);
    // A prototype-less object has no `__proto__` setter: every id, `__proto__` included, is an own data property.
    for (const leaf of this.#ordered()) record[leaf.key] = leaf.value;
    return (this.#record = Object.freeze(record));
  }

  /** The record (see toRecord): what JSON, inspectors and snapshots show. */
  toJSON(): Readonly<Record<string, unknown>> {
    return this.toRecord();
  }

  #ordered(): Leaf<unknown>[] {
    return [...leavesOf(this.#root)].sort((a, b) => a.seq - b.seq);
  }
}
