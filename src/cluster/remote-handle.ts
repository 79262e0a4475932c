import { RemoteJobError } from '../errors.js';
import type { RemoteJobResult } from './types.js';

type Status = 'pending' | RemoteJobResult['status'];

/**
 * What `post` returns on a node that does not host the worker: the job runs on its host, and this handle follows it.
 * `accepted()` resolves once the job is in the host's BullMQ inbox (one Lua script in Redis: it survives any node
 * process dying; it is then handed to whichever node hosts the worker, until one accepts it); `done()` resolves with
 * the job's final data when it ended on its host, whatever its outcome, as a local job's `done()` does.
 */
export class RemoteJobHandle {
  readonly jobId: string;
  readonly workerId: string;
  readonly flowId: string;
  readonly requestId: string;
  #status: Status = 'pending';
  #result: RemoteJobResult | undefined;
  readonly #accepted: Promise<void>;
  readonly #done: Promise<RemoteJobResult>;
  #resolveAccepted!: () => void;
  #rejectAccepted!: (error: unknown) => void;
  #resolveDone!: (result: RemoteJobResult) => void;
  #rejectDone!: (error: unknown) => void;

  constructor(requestId: string, jobId: string, workerId: string, flowId: string) {
    this.requestId = requestId;
    this.jobId = jobId;
    this.workerId = workerId;
    this.flowId = flowId;
    this.#accepted = new Promise((resolve, reject) => ((this.#resolveAccepted = resolve), (this.#rejectAccepted = reject)));
    this.#done = new Promise((resolve, reject) => ((this.#resolveDone = resolve), (this.#rejectDone = reject)));
    this.#accepted.catch(() => undefined); // a caller may look at done() only
    this.#done.catch(() => undefined);
  }

  /** `pending` until the result arrives, then the job's final status. */
  get status(): Status {
    return this.#status;
  }

  /** The final data once done. */
  get result(): RemoteJobResult | undefined {
    return this.#result;
  }

  /** The job's error as an Error (RemoteJobError naming the original), when it did not complete. */
  get error(): RemoteJobError | undefined {
    const e = this.#result?.error;
    return e ? new RemoteJobError(e.name, e.code, e.message, this.#result?.nodeId) : undefined;
  }

  /** Resolves once the job is durably queued for its host; rejects (StoreConnectionError) if it could not be. */
  accepted(): Promise<void> {
    return this.#accepted;
  }

  /** Resolves with the final data once the job ended on its host; rejects only if it was never accepted. */
  done(): Promise<RemoteJobResult> {
    return this.#done;
  }

  /** @internal */
  settleAccepted(error?: unknown): void {
    if (error === undefined) this.#resolveAccepted();
    else {
      this.#rejectAccepted(error);
      this.#rejectDone(error);
    }
  }

  /** @internal */
  settleDone(result: RemoteJobResult): void {
    if (this.#result) return; // a result may be delivered twice after a crash
    this.#result = result;
    this.#status = result.status;
    this.#resolveAccepted();
    this.#resolveDone(result);
  }
}
