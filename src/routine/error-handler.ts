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

/** Options of new ErrorHandler(); every field is optional. */
export interface ErrorHandlerOptions {
  /** What a failing logic call leads to. Default `stop`. */
  readonly strategy?: ErrorStrategy;
  /** Under `retry`: runs allowed after the first, an integer >= 0. Default 3. */
  readonly maxRetries?: number;
  /** Under `retry`: ms before the first retry, on the runtime clock. Default 100. */
  readonly retryDelay?: number;
  /** Under `retry`: factor (>= 1) each further retry's delay is multiplied by. Default 2. */
  readonly retryBackoff?: number;
  /** Only errors for which this returns true are retried; others fail the job at once. Default: every error. */
  readonly isRetryable?: (error: unknown) => boolean;
}

const STRATEGIES: readonly ErrorStrategy[] = ['stop', 'continue', 'retry', 'skip'];
const OPTION_NAMES: readonly string[] = ['strategy', 'maxRetries', 'retryDelay', 'retryBackoff', 'isRetryable'];

/**
 * What happens when a routine's logic throws or rejects: set one per flow (flow.setErrorHandler) and override it
 * per routine (routine.setErrorHandler). Immutable; the options are checked once, here.
 *
 * ```ts
 * new ErrorHandler({ strategy: 'retry', maxRetries: 5, retryDelay: 200, isRetryable: (e) => e instanceof NetworkError })
 * ```
 */
export class ErrorHandler {
  /** See {@link ErrorStrategy}. */
  readonly strategy: ErrorStrategy;
  /** Runs allowed after the first under `retry`. */
  readonly maxRetries: number;
  /** ms before the first retry. */
  readonly retryDelay: number;
  /** Factor each further retry's delay is multiplied by. */
  readonly retryBackoff: number;
  /** Whether an error may be retried; the others fail the job at once. */
  readonly isRetryable: (error: unknown) => boolean;

  /**
   * @throws InvalidArgumentError for an unknown option or a value out of range (the message names it and what
   * it accepts).
   */
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

  /** The handler as flow definitions record it; `isRetryable` is code, so it is left out. */
  toJSON(): { strategy: ErrorStrategy; maxRetries: number; retryDelay: number; retryBackoff: number } {
    return { strategy: this.strategy, maxRetries: this.maxRetries, retryDelay: this.retryDelay, retryBackoff: this.retryBackoff };
  }
}

/** The handler used when neither the routine nor the flow sets one: `stop`, the job fails with the error. */
export const DEFAULT_ERROR_HANDLER = new ErrorHandler();
