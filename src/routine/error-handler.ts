import { InvalidArgumentError } from '../errors.js';
import { optionsBag } from '../util/args.js';
import { MAX_TIMER_DELAY, assertDelay } from '../util/delay.js';

/**
 * - `stop` (default): the job fails with the error.
 * - `retry`: the logic runs again after `retryDelay * retryBackoff^(attempt-1)` ms on the runtime clock, up to
 *   `maxRetries` more times; then the job fails with the last error.
 * - `continue`: the error is recorded in the trace, what the logic emitted before throwing is delivered, the job goes on.
 * - `skip`: the activation is dropped (its emits too), recorded in the trace, and the job goes on.
 */
export type ErrorStrategy = 'stop' | 'continue' | 'retry' | 'skip';

export interface ErrorHandlerOptions {
  readonly strategy?: ErrorStrategy;
  readonly maxRetries?: number;
  readonly retryDelay?: number;
  readonly retryBackoff?: number;
  /** Only errors for which this returns true are retried; others fail the job at once. */
  readonly isRetryable?: (error: unknown) => boolean;
}

const STRATEGIES: readonly ErrorStrategy[] = ['stop', 'continue', 'retry', 'skip'];
const OPTION_NAMES: readonly string[] = ['strategy', 'maxRetries', 'retryDelay', 'retryBackoff', 'isRetryable'];

export class ErrorHandler {
  readonly strategy: ErrorStrategy;
  readonly maxRetries: number;
  readonly retryDelay: number;
  readonly retryBackoff: number;
  readonly isRetryable: (error: unknown) => boolean;

  constructor(options?: ErrorHandlerOptions) {
    const bag = optionsBag('ErrorHandler options', options);
    for (const key of Object.keys(bag)) {
      if (!OPTION_NAMES.includes(key)) throw new InvalidArgumentError(`ErrorHandler option "${key}"`, bag[key as keyof ErrorHandlerOptions], `one of ${OPTION_NAMES.join(', ')}`);
    }
    const { strategy = 'stop', maxRetries = 3, retryDelay = 100, retryBackoff = 2, isRetryable = () => true } = bag;
    if (!STRATEGIES.includes(strategy)) throw new InvalidArgumentError('ErrorHandler strategy', strategy, `one of ${STRATEGIES.join(', ')}`);
    if (!Number.isInteger(maxRetries) || maxRetries < 0) throw new InvalidArgumentError('ErrorHandler maxRetries', maxRetries, 'an integer >= 0');
    assertDelay('ErrorHandler retryDelay', retryDelay, true);
    if (!Number.isFinite(retryBackoff) || retryBackoff < 1) throw new InvalidArgumentError('ErrorHandler retryBackoff', retryBackoff, 'a multiplier >= 1');
    if (typeof isRetryable !== 'function') throw new InvalidArgumentError('ErrorHandler isRetryable', isRetryable, 'a function (error) => boolean');
    this.strategy = strategy;
    this.maxRetries = maxRetries;
    this.retryDelay = retryDelay;
    this.retryBackoff = retryBackoff;
    this.isRetryable = isRetryable;
  }

  /** The delay before attempt `attempt + 1`, or undefined when attempt `attempt` was the last one allowed. */
  retryDelayAfter(attempt: number, error: unknown): number | undefined {
    if (this.strategy !== 'retry' || attempt > this.maxRetries || !this.isRetryable(error)) return undefined;
    return Math.min(MAX_TIMER_DELAY, this.retryDelay * this.retryBackoff ** (attempt - 1));
  }

  toJSON(): { strategy: ErrorStrategy; maxRetries: number; retryDelay: number; retryBackoff: number } {
    return { strategy: this.strategy, maxRetries: this.maxRetries, retryDelay: this.retryDelay, retryBackoff: this.retryBackoff };
  }
}

export const DEFAULT_ERROR_HANDLER = new ErrorHandler();
