import { FlowNotFoundError, InvalidArgumentError } from '../errors.js';
import { Flow } from './flow.js';
import { assertId } from '../util/args.js';

/** Process-wide name → flow map, so runtimes can run flows by name. */
export class FlowRegistry {
  static #instance: FlowRegistry | undefined;
  readonly #flows = new Map<string, Flow>();

  /** The process-wide registry, created on first use. */
  static getInstance(): FlowRegistry {
    return (FlowRegistry.#instance ??= new FlowRegistry());
  }

  /** Registers `flow` under `name`, replacing any flow registered under that name before. */
  registerByName(name: string, flow: Flow): this {
    if (typeof name !== 'string' || name === '') throw new InvalidArgumentError('registerByName(name)', name, 'a non-empty string');
    if (!(flow instanceof Flow)) throw new InvalidArgumentError(`registerByName("${name}", flow)`, flow, 'a Flow');
    this.#flows.set(name, flow);
    return this;
  }

  /** Registers `flow` under its own name. */
  register(flow: Flow): this {
    return this.registerByName(flow.name, flow);
  }

  /** The flow registered as `name`, or undefined. */
  get(name: string): Flow | undefined {
    assertId('FlowRegistry get(name)', name);
    return this.#flows.get(name);
  }

  /** The flow registered as `name`, or FlowNotFoundError listing the names that are registered. */
  require(name: string): Flow {
    assertId('flow name', name);
    const flow = this.#flows.get(name);
    if (!flow) throw new FlowNotFoundError(name, [...this.#flows.keys()]);
    return flow;
  }

  /** Whether a flow is registered as `name`. */
  has(name: string): boolean {
    assertId('FlowRegistry has(name)', name);
    return this.#flows.has(name);
  }

  /** Removes the flow registered as `name`; returns whether there was one. */
  unregister(name: string): boolean {
    assertId('FlowRegistry unregister(name)', name);
    return this.#flows.delete(name);
  }

  /** The registered names, in registration order. */
  names(): string[] {
    return [...this.#flows.keys()];
  }

  /** Unregisters every flow (tests use it to start from an empty registry). */
  clear(): void {
    this.#flows.clear();
  }
}
