import { InvalidArgumentError } from '../errors.js';
import { optionsBag } from '../util/args.js';
import { entriesChecked, uncheckedEntries, type SelfCheckingContainer } from '../serialization/check.js';
import { find, hashKey, insert, leavesOf, remove, type Leaf, type TrieNode } from './hash-trie.js';

/*
 * An immutable string-keyed map for big collections in WorkerState (caches, indexes). A plain object copies every
 * key on each write (10,000 keys: milliseconds per write); this is a hash array mapped trie, so `set` copies
 * about log32(n) small nodes and a write into a 10,000-entry cache costs about what a write into a 10-entry one does.
 * With `maxEntries` it stays bounded, evicting the least recently written entries.
 */

/**
 * Write order for bounded maps: an append-only array shared between versions. A version appends in place only
 * when nobody appended past its end; otherwise it copies. States move forward, so copies are rare.
 */
interface WriteLog {
  readonly items: { key: string; seq: number }[];
  readonly start: number;
  readonly end: number;
}

interface Pending<V> {
  readonly key: string;
  readonly value: V;
  readonly next: Pending<V> | undefined;
}

/** Options of a StateMap. */
export interface StateMapOptions {
  /** Keep at most this many entries, evicting the least recently written. */
  readonly maxEntries?: number;
}

/** A StateMap as JSON: its entries in write order (oldest first) and its bound, if any. */
export interface StateMapJSON<V> {
  /** `[key, value]` entries, oldest write first; the `$stateMap` key is how a serialized StateMap is recognized. */
  readonly $stateMap: ReadonlyArray<readonly [string, V]>;
  readonly maxEntries?: number;
}

/**
 * An immutable string-keyed map for big collections inside a routine state: every `set`/`delete` returns a new
 * map and leaves this one as it was. Iterates in write order (the latest write of a key last). Create one with
 * `stateMap()` or `lruRecord(max)`.
 */
export class StateMap<V = unknown> implements Iterable<[string, V]> {
  readonly #root: TrieNode<V> | undefined;
  readonly #size: number;
  readonly #seq: number;
  readonly #log: WriteLog | undefined;
  readonly #maxEntries: number;
  /** Entries written since the serialization check last saw this map (cleared by the check). */
  #pending: Pending<V> | undefined;

  private constructor(root: TrieNode<V> | undefined, size: number, seq: number, log: WriteLog | undefined, maxEntries: number, pending: Pending<V> | undefined) {
    this.#root = root;
    this.#size = size;
    this.#seq = seq;
    this.#log = log;
    this.#maxEntries = maxEntries;
    this.#pending = pending;
  }

  /** An empty map; with `maxEntries`, bounded (evicting the least recently written entries). */
  static empty<V = unknown>(options?: StateMapOptions): StateMap<V> {
    const bag = optionsBag('stateMap options', options);
    if (bag.maxEntries === null) throw new InvalidArgumentError('maxEntries', null, 'a positive integer, or leave it out for no bound');
    const max = bag.maxEntries ?? Infinity;
    if (!(max === Infinity || (Number.isInteger(max) && max > 0))) {
      throw new InvalidArgumentError('maxEntries', max, 'a positive integer');
    }
    return new StateMap<V>(undefined, 0, 0, max === Infinity ? undefined : { items: [], start: 0, end: 0 }, max, undefined);
  }

  /** A map holding `entries`, written in the order given. */
  static fromEntries<V>(entries: Iterable<readonly [string, V]>, options?: StateMapOptions): StateMap<V> {
    let map = StateMap.empty<V>(options);
    for (const [k, v] of entries) map = map.set(k, v);
    return map;
  }

  /** The map a `toJSON()` result describes, with the same order and bound. */
  static fromJSON<V>(json: StateMapJSON<V>): StateMap<V> {
    return StateMap.fromEntries(json.$stateMap, json.maxEntries === undefined ? {} : { maxEntries: json.maxEntries });
  }

  /** Whether `value` looks like a StateMap's JSON (`{ $stateMap: [...] }`). */
  static isStateMapJSON(value: unknown): value is StateMapJSON<unknown> {
    return typeof value === 'object' && value !== null && Array.isArray((value as { $stateMap?: unknown }).$stateMap);
  }

  /** How many entries the map holds. */
  get size(): number {
    return this.#size;
  }

  /** The bound (Infinity when unbounded). */
  get maxEntries(): number {
    return this.#maxEntries;
  }

  /** The value of `key`, or undefined. */
  get(key: string): V | undefined {
    return find(this.#root, hashKey(key), key)?.value;
  }

  /** Whether the map holds `key`. */
  has(key: string): boolean {
    return find(this.#root, hashKey(key), key) !== undefined;
  }

  /** Returns a new map with `key` set; this one is unchanged. */
  set(key: string, value: V): StateMap<V> {
    if (typeof key !== 'string') throw new InvalidArgumentError('StateMap key', key, 'a string');
    const seq = this.#seq + 1;
    const replaced: { leaf?: Leaf<V> } = {};
    let root: TrieNode<V> | undefined = insert(this.#root, { kind: 0, hash: hashKey(key), key, value, seq }, 0, replaced);
    let size = replaced.leaf ? this.#size : this.#size + 1;
    let log = this.#log;
    if (log) {
      log = append(log, { key, seq });
      while (size > this.#maxEntries) {
        const oldest = log.items[log.start]!;
        log = { items: log.items, start: log.start + 1, end: log.end };
        const leaf: Leaf<V> | undefined = find(root, hashKey(oldest.key), oldest.key);
        // Entries rewritten later appear again further on; only the latest write of a key evicts it.
        if (leaf && leaf.seq === oldest.seq) {
          root = remove(root, leaf.hash, leaf.key, 0);
          size--;
        }
      }
      // Drop stale writes and the evicted prefix once they outweigh the live entries (amortised O(1) a write).
      if (log.end - log.start > 2 * size + 32 || log.start > size + 32) log = compact(log, root);
    }
    return new StateMap(root, size, seq, log, this.#maxEntries, { key, value, next: this.#pending });
  }

  /** Returns a new map without `key` (or this map if it has no such key). */
  delete(key: string): StateMap<V> {
    const hash = hashKey(key);
    if (!find(this.#root, hash, key)) return this;
    return new StateMap(remove(this.#root, hash, key, 0), this.#size - 1, this.#seq, this.#log, this.#maxEntries, this.#pending);
  }

  /** `[key, value]` pairs in write order. */
  *entries(): IterableIterator<[string, V]> {
    for (const leaf of this.#ordered()) yield [leaf.key, leaf.value];
  }

  /** Keys in write order. */
  *keys(): IterableIterator<string> {
    for (const leaf of this.#ordered()) yield leaf.key;
  }

  /** Values in write order. */
  *values(): IterableIterator<V> {
    for (const leaf of this.#ordered()) yield leaf.value;
  }

  /** Same as entries(). */
  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries();
  }

  /** Oldest write first, so a bounded map restored from JSON evicts in the same order. */
  toJSON(): StateMapJSON<V> {
    const entries = [...this.entries()];
    return this.#maxEntries === Infinity ? { $stateMap: entries } : { $stateMap: entries, maxEntries: this.#maxEntries };
  }

  /** @internal For the serialization check: entries written since it last saw this map. */
  *[uncheckedEntries](): Generator<readonly [string, unknown]> {
    for (let p = this.#pending; p; p = p.next) {
      // Only what the map still holds matters: overwritten, deleted and evicted values are gone.
      if (find(this.#root, hashKey(p.key), p.key)?.value === p.value) yield [`.get(${JSON.stringify(p.key)})`, p.value];
    }
  }

  /** @internal The write holding this map passed: stop reporting its entries (until the next `set`). */
  [entriesChecked](): void {
    this.#pending = undefined;
  }

  #ordered(): Leaf<V>[] {
    const leaves = [...leavesOf(this.#root)];
    return leaves.sort((a, b) => a.seq - b.seq);
  }
}

// The serialization check's hooks are internal (stripped from the published types), so the class does not name
// the interface; the compiler still checks that it keeps it.
StateMap.prototype satisfies SelfCheckingContainer;

function append(log: WriteLog, item: { key: string; seq: number }): WriteLog {
  if (log.end === log.items.length) {
    log.items.push(item);
    return { items: log.items, start: log.start, end: log.end + 1 };
  }
  const items = log.items.slice(log.start, log.end);
  items.push(item);
  return { items, start: 0, end: items.length };
}

function compact<V>(log: WriteLog, root: TrieNode<V> | undefined): WriteLog {
  const items = log.items.slice(log.start, log.end).filter((i) => find(root, hashKey(i.key), i.key)?.seq === i.seq);
  return { items, start: 0, end: items.length };
}

/** An empty StateMap; with `maxEntries`, a bounded one that evicts the least recently written entries. */
export function stateMap<V = unknown>(options?: StateMapOptions): StateMap<V> {
  return StateMap.empty<V>(options);
}

/** A StateMap bounded to `maxEntries`, evicting the least recently written entries: a cache that cannot grow. */
export function lruRecord<V = unknown>(maxEntries: number): StateMap<V> {
  // Unlike stateMap(), a bound is the point here: leaving it out (or Infinity) is a mistake, not "unbounded".
  if (typeof maxEntries !== 'number' || !Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new InvalidArgumentError('lruRecord(maxEntries)', maxEntries, 'a positive integer: how many entries the cache keeps');
  }
  return StateMap.empty<V>({ maxEntries });
}
