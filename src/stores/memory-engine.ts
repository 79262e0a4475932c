import { incremented } from './atomic.js';
import { ABSENT, type EngineWrite, type StoreEngine } from './engine.js';
import type { Glob } from './glob.js';
import type { Codec } from './serializers.js';
import type { EvictionReason } from './types.js';

/** The validated options a MemoryEngine runs with. */
export interface MemoryEngineConfig {
  readonly maxEntries: number;
  readonly ttl: number | undefined;
  readonly sweepInterval: number;
  readonly now: () => number;
  readonly codec: Codec;
  readonly onEvict: ((key: string, value: unknown, reason: EvictionReason) => unknown) | undefined;
  /** Length of the store's keyPrefix: onEvict gets keys without it. */
  readonly keyOffset: number;
}

const NEVER = Infinity;

/**
 * An LRU map in the style of lru-cache: a Map from key to slot index, and per-slot arrays for key, data, expiry
 * and a doubly linked recency list (head = least recently used). Slots are reused through a free list; arrays
 * grow by doubling up to maxEntries. Expired entries go when read, when the sweeper passes, or when they reach
 * the LRU end. Eviction callbacks are queued while an operation changes the store and called once it is
 * consistent again, so a callback may use the store.
 */
export class MemoryEngine implements StoreEngine {
  readonly description = 'MemoryStore';
  readonly codec: Codec;
  closed = false;

  readonly #max: number;
  readonly #ttl: number | undefined;
  readonly #now: () => number;
  readonly #onEvict: MemoryEngineConfig['onEvict'];
  readonly #keyOffset: number;
  readonly #sweepInterval: number;

  readonly #map = new Map<string, number>();
  #keys: (string | undefined)[] = [];
  #data: unknown[] = [];
  #next: Uint32Array;
  #prev: Uint32Array;
  #expires: Float64Array;
  #head = 0;
  #tail = 0;
  #size = 0;
  #used = 0; // slots ever handed out (high-water mark)
  readonly #free: number[] = [];
  #withTtl = 0; // entries that have an expiry: the sweeper runs only while there are some
  /** No entry expires before this (a lower bound): a full store looks for expired entries only once it passes. */
  #nextExpiry = NEVER;
  #sweeper: ReturnType<typeof setInterval> | undefined;
  #pending: [string, unknown, EvictionReason][] = [];

  constructor(config: MemoryEngineConfig) {
    this.codec = config.codec;
    this.#max = config.maxEntries;
    this.#ttl = config.ttl;
    this.#now = config.now;
    this.#onEvict = config.onEvict;
    this.#keyOffset = config.keyOffset;
    this.#sweepInterval = config.sweepInterval;
    const capacity = Math.min(this.#max, 64);
    this.#next = new Uint32Array(capacity);
    this.#prev = new Uint32Array(capacity);
    this.#expires = new Float64Array(capacity);
  }

  get size(): number {
    return this.#size;
  }

  // ---- recency list ------------------------------------------------------------------------------------------

  #unlink(i: number): void {
    if (this.#size === 1) return;
    if (i === this.#head) this.#head = this.#next[i]!;
    else if (i === this.#tail) this.#tail = this.#prev[i]!;
    else {
      this.#next[this.#prev[i]!] = this.#next[i]!;
      this.#prev[this.#next[i]!] = this.#prev[i]!;
    }
  }

  #touch(i: number): void {
    if (i === this.#tail) return;
    this.#unlink(i);
    this.#prev[i] = this.#tail;
    this.#next[this.#tail] = i;
    this.#tail = i;
  }

  #slot(): number {
    if (this.#free.length > 0) return this.#free.pop()!;
    if (this.#used === this.#next.length) {
      const capacity = Math.min(this.#max, this.#used * 2);
      const grow = <A extends Uint32Array | Float64Array>(old: A, make: (n: number) => A): A => {
        const arr = make(capacity);
        arr.set(old);
        return arr;
      };
      this.#next = grow(this.#next, (n) => new Uint32Array(n));
      this.#prev = grow(this.#prev, (n) => new Uint32Array(n));
      this.#expires = grow(this.#expires, (n) => new Float64Array(n));
    }
    return this.#used++;
  }

  /** Removes slot i; queues the callback when there is one. */
  #remove(i: number, reason: EvictionReason): void {
    const key = this.#keys[i]!;
    if (this.#onEvict !== undefined) this.#pending.push([key, this.#data[i], reason]);
    this.#unlink(i);
    this.#size--;
    this.#map.delete(key);
    this.#keys[i] = undefined;
    this.#data[i] = undefined;
    if (this.#expires[i] !== NEVER) this.#withTtl--;
    this.#free.push(i);
  }

  #expired(i: number): boolean {
    const at = this.#expires[i]!;
    return at !== NEVER && at <= this.#now();
  }

  #expiry(ttl: number | undefined): number {
    const t = ttl === undefined ? this.#ttl : ttl;
    return t === undefined || t === NEVER ? NEVER : this.#now() + t;
  }

  /** Calls queued eviction callbacks, now that the store is consistent. */
  #flush(): void {
    if (this.#pending.length === 0) return;
    const events = this.#pending;
    this.#pending = [];
    for (const [key, data, reason] of events) {
      const label = key.slice(this.#keyOffset);
      try {
        const result = this.#onEvict!(label, this.codec.decode(data, key, this.#keyOffset), reason);
        if (result instanceof Promise) result.catch((error: unknown) => reportEvictError(error, label, reason));
      } catch (error) {
        reportEvictError(error, label, reason);
      }
    }
  }

  #startSweeper(): void {
    if (this.#sweeper !== undefined || this.#sweepInterval === 0 || this.closed) return;
    this.#sweeper = setInterval(() => {
      this.purgeExpired();
      if (this.#withTtl === 0) this.#stopSweeper();
    }, this.#sweepInterval);
    this.#sweeper.unref();
  }

  #stopSweeper(): void {
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }

  // ---- operations --------------------------------------------------------------------------------------------

  #get(key: string): unknown {
    const i = this.#map.get(key);
    if (i === undefined) return undefined;
    if (this.#expires[i] !== NEVER && this.#expired(i)) {
      this.#remove(i, 'expired');
      return undefined;
    }
    this.#touch(i);
    return this.#data[i];
  }

  #set(key: string, data: unknown, expires: number): void {
    let i = this.#map.get(key);
    if (i !== undefined) {
      if (this.#onEvict !== undefined) this.#pending.push([key, this.#data[i], this.#expired(i) ? 'expired' : 'overwritten']);
      this.#data[i] = data;
      const had = this.#expires[i] !== NEVER;
      const has = expires !== NEVER;
      if (had !== has) this.#withTtl += has ? 1 : -1;
      this.#expires[i] = expires;
      this.#touch(i);
    } else {
      if (this.#size >= this.#max) {
        // Expired entries give up their places before a live one is evicted.
        if (this.#withTtl > 0 && this.#now() >= this.#nextExpiry) this.#removeExpired();
        if (this.#size >= this.#max) this.#remove(this.#head, this.#expired(this.#head) ? 'expired' : 'evicted');
      }
      i = this.#slot();
      this.#map.set(key, i);
      this.#keys[i] = key;
      this.#data[i] = data;
      this.#expires[i] = expires;
      if (expires !== NEVER) this.#withTtl++;
      if (this.#size === 0) this.#head = i;
      else {
        this.#prev[i] = this.#tail;
        this.#next[this.#tail] = i;
      }
      this.#tail = i;
      this.#size++;
    }
    if (expires !== NEVER) {
      if (expires < this.#nextExpiry) this.#nextExpiry = expires;
      if (this.#sweeper === undefined) this.#startSweeper();
    }
  }

  /** The slot of `key` when it holds a live value; an expired one is removed. */
  #live(key: string): number | undefined {
    const i = this.#map.get(key);
    if (i === undefined) return undefined;
    if (this.#expires[i] !== NEVER && this.#expired(i)) {
      this.#remove(i, 'expired');
      return undefined;
    }
    return i;
  }

  #delete(key: string): boolean {
    const i = this.#map.get(key);
    if (i === undefined) return false;
    const live = !this.#expired(i);
    this.#remove(i, live ? 'deleted' : 'expired');
    return live;
  }

  get(key: string, keyOffset: number): unknown {
    const data = this.#get(key);
    this.#flush();
    return data === undefined ? undefined : this.codec.decode(data, key, keyOffset);
  }

  set(key: string, data: unknown, ttl: number | undefined): void {
    this.#set(key, data, this.#expiry(ttl));
    this.#flush();
  }

  delete(key: string): boolean {
    const removed = this.#delete(key);
    this.#flush();
    return removed;
  }

  exists(key: string): boolean {
    const i = this.#map.get(key);
    if (i === undefined) return false;
    if (!this.#expired(i)) return true;
    this.#remove(i, 'expired');
    this.#flush();
    return false;
  }

  getMany(keys: readonly string[], keyOffset: number): unknown[] {
    const data = keys.map((k) => this.#get(k));
    this.#flush();
    return data.map((d, i) => (d === undefined ? undefined : this.codec.decode(d, keys[i]!, keyOffset)));
  }

  setMany(entries: readonly (readonly [string, unknown])[], ttl: number | undefined): void {
    const expires = this.#expiry(ttl);
    for (const [key, data] of entries) this.#set(key, data, expires);
    this.#flush();
  }

  deleteMany(keys: readonly string[]): number {
    let removed = 0;
    for (const key of keys) if (this.#delete(key)) removed++;
    this.#flush();
    return removed;
  }

  /** Slots from least to most recently used. Read `next` before the slot is removed. */
  *#slots(): Generator<number> {
    for (let i = this.#head, n = this.#size; n > 0; n--) {
      const next = this.#next[i]!;
      yield i;
      i = next;
    }
  }

  keys(prefix: string, glob: Glob): string[] {
    const now = this.#now();
    const out: string[] = [];
    for (const [key, i] of this.#map) {
      if (!key.startsWith(prefix)) continue;
      const at = this.#expires[i]!;
      if (at !== NEVER && at <= now) continue;
      const rel = prefix.length === 0 ? key : key.slice(prefix.length);
      if (glob.test(rel)) out.push(rel);
    }
    return out;
  }

  async *scan(prefix: string, glob: Glob): AsyncIterableIterator<string> {
    // A snapshot: keys are in memory already, and it stays correct while the caller writes during the scan.
    yield* this.keys(prefix, glob);
  }

  clear(prefix: string): void {
    if (prefix.length === 0 && this.#onEvict === undefined) {
      this.#reset();
      return;
    }
    const now = this.#now();
    for (const i of this.#slots()) {
      if (!this.#keys[i]!.startsWith(prefix)) continue;
      const at = this.#expires[i]!;
      this.#remove(i, at !== NEVER && at <= now ? 'expired' : 'deleted');
    }
    this.#flush();
  }

  #reset(): void {
    this.#map.clear();
    this.#keys = [];
    this.#data = [];
    this.#free.length = 0;
    this.#size = 0;
    this.#used = 0;
    this.#withTtl = 0;
    this.#nextExpiry = NEVER;
    this.#stopSweeper();
  }

  /** Removes every expired entry (least recently used first) and learns when the next one expires. */
  #removeExpired(): number {
    const now = this.#now();
    let removed = 0;
    let next = NEVER;
    for (const i of this.#slots()) {
      const at = this.#expires[i]!;
      if (at === NEVER) continue;
      if (at <= now) {
        this.#remove(i, 'expired');
        removed++;
      } else if (at < next) next = at;
    }
    this.#nextExpiry = next;
    return removed;
  }

  /** Removes every expired entry now (the sweeper calls this every sweepInterval). Returns how many. */
  purgeExpired(): number {
    if (this.#withTtl === 0) return 0;
    const removed = this.#removeExpired();
    this.#flush();
    return removed;
  }

  // ---- atomic operations: every call runs to its end synchronously, so nothing can come in between -----------

  increment(key: string, by: number, ttl: number | undefined, keyOffset: number): number {
    try {
      const i = this.#live(key);
      const next = incremented(i === undefined ? undefined : this.codec.decode(this.#data[i], key, keyOffset), by, key.slice(keyOffset));
      const data = this.codec.encode(next, key, keyOffset);
      this.#set(key, data, i === undefined ? this.#expiry(ttl) : this.#expires[i]!);
      return next;
    } finally {
      this.#flush();
    }
  }

  setIfAbsent(key: string, data: unknown, ttl: number | undefined): boolean {
    const absent = this.#live(key) === undefined;
    if (absent) this.#set(key, data, this.#expiry(ttl));
    this.#flush();
    return absent;
  }

  compareAndSet(key: string, expected: unknown, data: unknown, ttl: number | undefined): boolean {
    const i = this.#live(key);
    const matches = expected === ABSENT ? i === undefined : i !== undefined && this.codec.same(this.#data[i], expected);
    if (matches) this.#set(key, data, i === undefined || ttl !== undefined ? this.#expiry(ttl) : this.#expires[i]!);
    this.#flush();
    return matches;
  }

  batch(writes: readonly EngineWrite[]): void {
    for (const write of writes) {
      if (write.remove) this.#delete(write.key);
      else this.#set(write.key, write.data, this.#expiry(write.ttl));
    }
    this.#flush();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.#stopSweeper();
    this.#pending = [];
    this.#reset();
  }
}

function reportEvictError(error: unknown, key: string, reason: EvictionReason): void {
  const message = error instanceof Error ? error.message : String(error);
  process.emitWarning(`onEvict threw for "${key}" (${reason}): ${message}. The store is unaffected; catch errors inside onEvict.`, {
    code: 'ROUTILUX_ON_EVICT_ERROR',
  });
}
