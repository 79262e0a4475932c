import { RingBuffer } from './ring-buffer.js';

/**
 * An append-only log that keeps its newest `maxEntries` entries (a job's trace and its output): appending to a
 * full log drops the oldest entry in constant time and counts it. Reads return a frozen array, made once per
 * change, so reading a log often costs nothing more.
 */
export class BoundedLog<T> {
  readonly #entries: RingBuffer<T>;
  #dropped = 0;
  #view: readonly T[] | undefined;

  constructor(maxEntries: number) {
    this.#entries = new RingBuffer(maxEntries);
  }

  append(entry: T): void {
    if (this.#entries.size === this.#entries.capacity) this.#dropped++;
    this.#entries.push(entry);
    this.#view = undefined;
  }

  /** The entries kept, oldest first. */
  get entries(): readonly T[] {
    return (this.#view ??= Object.freeze(this.#entries.toArray()));
  }

  /** How many of the oldest entries were dropped to keep the log within its bound. */
  get dropped(): number {
    return this.#dropped;
  }
}
