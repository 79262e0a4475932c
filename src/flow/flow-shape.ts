import type { ErrorHandler } from '../routine/error-handler.js';
import type { Routine } from '../routine/routine.js';

/** An edge of the graph: what `from` emits as `event` arrives in slot `slot` of `to`. */
export interface Connection {
  /** The emitting routine's id. */
  readonly from: string;
  readonly event: string;
  /** The receiving routine's id. */
  readonly to: string;
  readonly slot: string;
}

/**
 * A flow as its readers see it: what validation, definitions, diagrams and compilation read, and nothing they
 * could change. `Flow` implements it; these readers take this shape so they never import `Flow` back.
 */
export interface FlowShape {
  readonly name: string;
  readonly routines: ReadonlyMap<string, Routine>;
  readonly connections: readonly Connection[];
  readonly errorHandler: ErrorHandler | undefined;
  readonly jobTimeout: number | undefined;
}
