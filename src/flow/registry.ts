import { FlowNotFoundError, InvalidArgumentError } from '../errors.js';
import { Flow } from './flow.js';

/** Process-wide name → flow map, so runtimes can run flows by name. */
export class FlowRegistry {
  static #instance: FlowRegistry | undefined;
  readonly #flows = new Map<string, Flow>();

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

  get(name: string): Flow | undefined {
    return this.#flows.get(name);
  }

  /** The flow registered as `name`, or FlowNotFoundError listing the names that are registered. */
  require(name: string): Flow {
    const flow = this.#flows.get(name);
    if (!flow) throw new FlowNotFoundError(name, [...this.#flows.keys()]);
    return flow;
  }

  has(name: string): boolean {
    return this.#flows.has(name);
  }

  unregister(name: string): boolean {
    return this.#flows.delete(name);
  }

  names(): string[] {
    return [...this.#flows.keys()];
  }

  clear(): void {
    this.#flows.clear();
  }
}
