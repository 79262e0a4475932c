/**
 * Every timer routilux sets (retries, policy intervals, timeouts, history TTL) goes through the runtime's clock,
 * so a test can replace time itself. XState's actor system is given the same clock.
 */
export interface Clock {
  /** The current time in ms since the epoch. */
  now(): number;
  /** Calls `fn` once after `ms` ms; returns a handle for clearTimeout, opaque to routilux. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a timer set by this clock's setTimeout; a handle that already fired or was cleared is ignored. */
  clearTimeout(handle: unknown): void;
}

/** The real clock: Date.now() and Node's timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
