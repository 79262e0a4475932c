import { InvalidArgumentError } from '../errors.js';

/** The longest delay Node's timers honour (2^31 − 1 ms, about 24.8 days): a longer one would fire at once. */
export const MAX_TIMER_DELAY = 2_147_483_647;

/**
 * Checks a delay option (timeouts, retry delays, policy intervals) before anything is set up with it.
 * A leaf module, so routines, policies and flows can check delays without reaching into the runtime.
 */
export function assertDelay(name: string, ms: unknown, zeroAllowed: boolean): asserts ms is number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || (!zeroAllowed && ms === 0) || ms > MAX_TIMER_DELAY) {
    throw new InvalidArgumentError(name, ms, `a number of milliseconds ${zeroAllowed ? '>= 0' : '> 0'} and at most ${MAX_TIMER_DELAY} (about 24.8 days)`);
  }
}
