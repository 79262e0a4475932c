import type { RunnableActivation } from './job-host.js';

/** How many activations run before the executor lets the event loop breathe (I/O, timers) and carries on. */
const BATCH = 2000;
/**
 * How long (ms) a batch may run before it yields all the same: a burst of slow activations must not keep timers
 * (lease renewals, timeouts) and I/O waiting for long.
 */
const SLICE_MS = 10;

/**
 * Runs activations, first in first out, outside any actor transition, with at most `concurrency` async logic
 * calls in flight (sync logic finishes before the next starts, so it never holds a slot).
 *
 * `auto` drains on a microtask as soon as work arrives; `manual` (the test runtime) runs only when asked, one
 * activation at a time or until nothing is runnable, so a test decides exactly what happens when.
 */
export class Executor {
  readonly #queue: RunnableActivation[] = [];
  #head = 0;
  /** Async activations holding a concurrency slot: until they settle, or their job ends (its result is then ignored). */
  #inFlight = new Set<RunnableActivation>();
  /** A drain is queued (microtask or, after a long batch, setImmediate) or running: no need to queue another. */
  #busy = false;

  constructor(
    readonly concurrency: number,
    readonly mode: 'auto' | 'manual',
  ) {}

  schedule(activation: RunnableActivation): void {
    this.#queue.push(activation);
    if (this.mode === 'auto') this.#kick();
  }

  get queued(): number {
    return this.#queue.length - this.#head;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Starts the next queued activation if a slot is free; returns it (and its promise if async), or undefined. */
  startNext(): { activation: RunnableActivation; promise: Promise<void> | undefined } | undefined {
    const activation = this.#next();
    return activation && { activation, promise: this.#run(activation) };
  }

  #next(): RunnableActivation | undefined {
    if (this.#head >= this.#queue.length || this.#inFlight.size >= this.concurrency) return undefined;
    const activation = this.#queue[this.#head]!;
    this.#queue[this.#head++] = undefined!;
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    return activation;
  }

  #run(activation: RunnableActivation): Promise<void> | undefined {
    const promise = activation.execute();
    if (promise) {
      this.#inFlight.add(activation);
      void promise.then(() => this.release(activation));
    }
    return promise;
  }

  /** Frees the activation's slot: its logic settled, or its job ended (cancelled, timed out, failed) first. */
  release(activation: RunnableActivation): void {
    if (!this.#inFlight.delete(activation)) return;
    if (this.mode === 'auto') this.#kick();
  }

  #kick(): void {
    if (this.#busy) return;
    this.#busy = true;
    queueMicrotask(this.#drain);
  }

  readonly #drain = (): void => {
    let budget = BATCH;
    const until = performance.now() + SLICE_MS;
    try {
      for (let activation = this.#next(); activation; activation = this.#next()) {
        this.#run(activation);
        if (--budget === 0 || ((budget & 15) === 0 && performance.now() >= until)) {
          setImmediate(this.#drain);
          return;
        }
      }
      this.#busy = false;
    } catch (error) {
      // execute() catches logic errors itself; anything here is a bug, and it must not wedge the queue.
      this.#busy = false;
      if (this.queued) this.#kick();
      throw error;
    }
  };
}
