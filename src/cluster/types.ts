/**
 * The contracts between the cluster router and the runtime that hosts workers. Types only, so the router never
 * imports the runtime: the runtime implements ClusterHost.
 */

/** A post that travels to the worker's host. */
export interface RemoteJobRequest {
  /** Unique per post; the result comes back under it. */
  readonly requestId: string;
  /** The job's id, chosen by the poster (the host must accept a request idempotently by workerId + jobId). */
  readonly jobId: string;
  readonly workerId: string;
  readonly flowName: string;
  readonly routineId: string;
  readonly slotName: string;
  readonly data: unknown;
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly idempotencyKey?: string;
  /** ms, as `post`'s `timeout` option. */
  readonly timeout?: number;
  /** The node whose inbox gets the result (the poster); store it with the job so a new host can answer too. */
  readonly replyTo?: string;
  /** ms since the epoch, on the poster's clock. */
  readonly postedAt: number;
}

/** A job's final data, as JobContext.toJSON() gives it, sent back to the poster. */
export interface RemoteJobResult {
  readonly jobId: string;
  readonly workerId: string;
  readonly flowId: string;
  readonly status: 'completed' | 'failed' | 'cancelled' | 'timedOut';
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly data: Readonly<Record<string, unknown>>;
  /** `{ name, code?, message }` when the job did not complete. */
  readonly error?: { readonly name: string; readonly code?: string; readonly message: string } | undefined;
  readonly failedRoutineId?: string;
  readonly unconsumed?: Readonly<Record<string, readonly unknown[]>>;
  readonly traceLog: readonly unknown[];
  readonly output: readonly string[];
  readonly createdAt: number;
  readonly completedAt?: number;
  /** The node the job ended on. */
  readonly nodeId?: string;
}

/** What the host gives back for a request: two steps, so the inbox is not held while the job runs. */
export interface RemoteAcceptance {
  /**
   * Resolves once the host has durably recorded the job (its `accepted()`): the inbox message is then dropped.
   * Rejects with StoreConnectionError / FencedOutError / WorkerNotRunningError (`starting`) to have the message
   * retried (or forwarded to the new host); with any other error, the job is reported failed to the poster.
   */
  readonly accepted: Promise<unknown>;
  /** Resolves with the job's final data (its `done()`), whatever its outcome. */
  readonly done: Promise<RemoteJobResult>;
}

/** What the runtime implements so the router can hand it jobs for the workers this node hosts. */
export interface ClusterHost {
  /**
   * Starts (or finds, by workerId + jobId or idempotencyKey) the job on a worker this node hosts. Called only while
   * this node holds the worker's lease; it must be idempotent, as a message may be delivered again after a crash.
   */
  acceptRemote(request: RemoteJobRequest): RemoteAcceptance;
}
