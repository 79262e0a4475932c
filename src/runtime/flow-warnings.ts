import { FlowValidationError } from '../errors.js';
import type { Flow } from '../flow/flow.js';
import type { FlowWarningReporter } from './runtime-options.js';

/**
 * Problems that do not stop a flow (an event connected to nothing, a cycle), reported once per flow when a worker
 * of it starts, or refused under `strict`. A slot with no incoming connection is how posted data enters: never
 * reported.
 */
export class FlowWarnings {
  /** Flows whose problems were already reported (once per flow, not per worker). */
  readonly #warned = new WeakSet<Flow>();

  constructor(
    private readonly strict: boolean,
    private readonly report: FlowWarningReporter,
  ) {}

  /** Reports `flow`'s problems (the first time), or throws FlowValidationError under `strict`. */
  check(flow: Flow): void {
    if (!this.strict && this.#warned.has(flow)) return;
    const problems = flow.validate().filter((p) => p.code !== 'UNCONNECTED_SLOT');
    if (problems.length === 0) return;
    if (this.strict) throw new FlowValidationError(flow.name, problems);
    this.#warned.add(flow);
    try {
      this.report(flow.name, problems);
    } catch {
      // A broken reporter must not stop the worker from starting.
    }
  }
}
