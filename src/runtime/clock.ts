import { InvalidArgumentError } from '../errors.js';

/**
 * Every timer routilux sets (retries, policy intervals, timeouts, history TTL) goes through the runtime's clock,
 * so a test can replace time itself. XState's actor system is given the same clock.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** The longest delay Node's timers honour (2^31 − 1 ms, about 24.8 days): a longer one would fire at once. */
export const MAX_TIMER_DELAY = 2_147_483_647;

export function assertDelay(name: string, ms: unknown, zeroAllowed: boolean): asserts ms is number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || (!zeroAllowed && ms === 0) || ms > MAX_TIMER_DELAY) {
    throw new InvalidArgumentError(name, ms, `a number of milliseconds ${zeroAllowed ? '>= 0' : '> 0'} and at most ${MAX_TIMER_DELAY} (about 24.8 days)`);
  }
}
