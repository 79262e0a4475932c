import { InvalidArgumentError, WorkerNotFoundError, WorkerNotRunningError, WorkerStartingError } from '../errors.js';
import type { Flow } from '../flow/flow.js';
import { assertId } from '../util/args.js';
import type { Worker } from './worker.js';

/**
 * A runtime's live workers, by id and by flow (a post without workerId goes to its flow's first one), and the ids
 * of recently stopped ones (bounded), so a post to one says "stopped" rather than "unknown".
 */
export class WorkerRegistry {
  /** Live workers by id, in the order they started. */
  readonly byId = new Map<string, Worker>();
  readonly #byFlow = new Map<Flow, Worker[]>();
  readonly #stoppedIds = new Set<string>();

  /** Registers a started worker of `flow`. */
  add(flow: Flow, worker: Worker): void {
    this.byId.set(worker.id, worker);
    this.#byFlow.set(flow, [...(this.#byFlow.get(flow) ?? []), worker]);
  }

  /** The first live worker started for `flow`, whatever its status. */
  firstOf(flow: Flow): Worker | undefined {
    return this.#byFlow.get(flow)?.[0];
  }

  /** The worker a post goes to: the one named (which must run this flow), or the flow's first running one. */
  running(flow: Flow, workerId: string | undefined): Worker | undefined {
    if (workerId === undefined) {
      const workers = this.#byFlow.get(flow);
      const running = workers?.find((w) => w.acceptsJobs);
      // A worker still restoring must not get a fresh one started beside it.
      const starting = running ? undefined : workers?.find((w) => w.state.status === 'starting');
      if (starting) throw new WorkerStartingError(starting.id);
      return running;
    }
    const worker = this.require(workerId);
    if (worker.flow.flow !== flow) {
      throw new InvalidArgumentError(`post workerId "${workerId}"`, flow.name, `the flow that worker runs ("${worker.flow.name}")`);
    }
    if (worker.state.status === 'starting') throw new WorkerStartingError(workerId);
    if (!worker.acceptsJobs) throw new WorkerNotRunningError(workerId, worker.state.status, 'accept jobs');
    return worker;
  }

  /** The live worker `workerId`: WorkerNotRunningError if it stopped lately, else WorkerNotFoundError naming the live ones. */
  require(workerId: string): Worker {
    assertId('workerId', workerId);
    const worker = this.byId.get(workerId);
    if (worker) return worker;
    if (this.#stoppedIds.has(workerId)) throw new WorkerNotRunningError(workerId, 'stopped');
    throw new WorkerNotFoundError(workerId, [...this.byId.keys()]);
  }

  /** A stopped worker leaves (its WorkerState handle still reads its final state); a worker never added is ignored. */
  remove(worker: Worker): void {
    if (this.byId.get(worker.id) !== worker) return; // e.g. a cluster's standby view of a worker hosted elsewhere
    this.byId.delete(worker.id);
    this.#stoppedIds.add(worker.id);
    if (this.#stoppedIds.size > 1000) this.#stoppedIds.delete(this.#stoppedIds.values().next().value!);
    const list = this.#byFlow.get(worker.flow.flow)?.filter((w) => w !== worker);
    if (list?.length) this.#byFlow.set(worker.flow.flow, list);
    else this.#byFlow.delete(worker.flow.flow);
  }
}
