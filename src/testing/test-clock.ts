import { InvalidArgumentError } from '../errors.js';
import type { Clock } from '../runtime/clock.js';

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

/**
 * Simulated time. Timers fire one at a time in deadline order (ties in the order they were set), and "now" is
 * each timer's own deadline while it fires, so a timer set from inside another one (a retry's backoff, a policy's
 * next wake-up) is measured from the right moment. (XState's SimulatedClock moves "now" to the end of an
 * `increment` before firing, so such timers start late.)
 */
export class TestClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #timers = new Map<number, Timer>();

  /** @throws InvalidArgumentError when `startTime` (ms since the epoch, default 0) is negative or not finite. */
  constructor(startTime = 0) {
    if (typeof startTime !== 'number' || !Number.isFinite(startTime) || startTime < 0) {
      throw new InvalidArgumentError('startTime', startTime, 'a finite number of ms since the epoch (>= 0)');
    }
    this.#now = startTime;
  }

  /** The simulated time in ms; moves only through advance() and fireNext(). */
  now(): number {
    return this.#now;
  }

  /** Schedules `fn` at now + `ms` (a negative or NaN delay counts as 0); returns the handle for clearTimeout. */
  setTimeout(fn: () => void, ms: number): number {
    const seq = ++this.#seq;
    this.#timers.set(seq, { at: this.#now + Math.max(0, ms || 0), seq, fn });
    return seq;
  }

  /** Cancels a pending timer; an unknown or spent handle is ignored. */
  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.#timers.size;
  }

  /** When the next timer fires, if any. */
  get nextAt(): number | undefined {
    return this.#next()?.at;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, each at its own deadline. */
  advance(ms: number): void {
    if (typeof ms !== 'number' || !(ms >= 0) || ms === Infinity) throw new InvalidArgumentError('clock.advance(ms)', ms, 'a number of milliseconds >= 0');
    const target = this.#now + ms;
    for (let next = this.#next(); next && next.at <= target; next = this.#next()) this.#fire(next);
    this.#now = target;
  }

  /** Moves time to the next timer's deadline and fires it (and only it). Returns false if none is pending. */
  fireNext(): boolean {
    const next = this.#next();
    if (!next) return false;
    this.#fire(next);
    return true;
  }

  #fire(timer: Timer): void {
    this.#timers.delete(timer.seq);
    this.#now = Math.max(this.#now, timer.at);
    timer.fn();
  }

  #next(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.#timers.values()) if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    return best;
  }
}
