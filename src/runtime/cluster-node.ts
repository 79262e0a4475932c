import { fencedWriter, type FencedOp } from '../cluster/fenced-store.js';
import { errorOnWire } from '../cluster/messages.js';
import { LeaseManager, type LeaseLossReason } from '../cluster/lease.js';
import { resolveClusterOptions, type ResolvedClusterOptions } from '../cluster/options.js';
import { connectOrFail, openClient } from '../cluster/redis-client.js';
import { Router } from '../cluster/router.js';
import type { ClusterHost, RemoteJobResult } from '../cluster/types.js';
import type { RoutedPost } from '../cluster/router.js';
import type { LogWriter } from '../durable/worker-log.js';
import { ClusterConfigurationError, MissingDependencyError, RemoteJobError, RoutiluxError, StoreConnectionError, WorkerLeaseLostError } from '../errors.js';
import { jobLifecycle, type JobContext, type UnconsumedData } from '../job/job-context.js';
import { storeLocation, type StoreLocation } from '../stores/store-view.js';
import type { KeyValueStore } from '../stores/types.js';
import type { BatchOperation } from '../stores/types.js';
import type { Redis } from 'ioredis';
import type { Worker } from './worker.js';

/** What a cluster node is built from. */
export interface ClusterNodeOptions {
  readonly cluster: ResolvedClusterOptions;
  /** Where the runtime's RedisStore keeps its keys and how it encodes values (fenced writes must match). */
  readonly location: StoreLocation;
  /** Receives the jobs routed to workers this node hosts. */
  readonly host: ClusterHost;
  readonly serializer: 'json' | 'structured';
  /** Told about failures nobody awaits (e.g. starting retried in the background). */
  readonly onError: (error: unknown) => void;
}

/**
 * Checks a Runtime's `cluster` option (with its `store`) before anything is opened: ClusterConfigurationError or
 * InvalidArgumentError saying what to change. Undefined without the option.
 */
export function checkClusterOption(options: { readonly cluster?: unknown; readonly store?: unknown }): ResolvedClusterOptions | undefined {
  if (options.cluster === undefined) return undefined;
  const cluster = resolveClusterOptions(options.cluster, options.store);
  const location = storeLocation(options.store);
  if (location?.readonly) {
    throw new ClusterConfigurationError('the store is read-only', 'A host writes its workers\' durable log to the store: pass the RedisStore itself, not store.readonly().');
  }
  if (location && /[{}]/.test(location.prefix)) {
    throw new ClusterConfigurationError(
      `the store's key prefix "${location.prefix}" has "{" or "}"`,
      'Each worker\'s keys carry its id as their Redis Cluster hash tag: use a keyPrefix (and scopes) without braces.',
    );
  }
  return cluster;
}

/** Starts this process's node of the cluster (joining in the background), for a runtime whose options were checked. */
export function startClusterNode(
  cluster: ResolvedClusterOptions | undefined,
  store: KeyValueStore | undefined,
  serializer: 'json' | 'structured',
  host: ClusterHost,
  onError: (error: unknown) => void,
): ClusterNode | undefined {
  if (cluster === undefined) return undefined;
  const location = storeLocation(store);
  if (!location) throw new ClusterConfigurationError('the store is not a RedisStore', 'Pass store: new RedisStore({ url }) on the Redis the nodes share.');
  return new ClusterNode({ cluster, location, host, serializer, onError });
}

/** A routed post as the poster follows it. */
export interface RoutedJob {
  readonly accepted: Promise<void>;
  readonly done: Promise<RemoteJobResult>;
}

/**
 * This process as one node of a cluster (DESIGN §6.2): its leases (which workers it hosts, with which fencing
 * token), its BullMQ router, and the bridge to its workers: a lease acquired hosts the worker here, a lease lost
 * (or a write fenced out) hands it over. Two Redis connections for leases, one for fenced log writes and two for
 * BullMQ, whatever the number of workers.
 */
export class ClusterNode {
  readonly nodeId: string;
  readonly leases: LeaseManager;
  readonly router: Router;
  readonly #options: ClusterNodeOptions;
  readonly #workers = new Map<string, Worker>();
  readonly #tokens = new Map<string, number>();
  /** Resolves once both the leases and the router run; retried in the background while Redis is unreachable. */
  #started: Promise<void>;
  #retry: ReturnType<typeof setTimeout> | undefined;
  /** The connection of fenced log writes: its own, so a slow commit or a WAIT never holds up lease renewals. */
  #logClient: Redis | undefined;
  #leasesStarted = false;
  #closed = false;

  constructor(options: ClusterNodeOptions) {
    const { cluster, location } = options;
    this.#options = options;
    this.nodeId = cluster.nodeId;
    this.leases = new LeaseManager({ url: cluster.url, nodeId: cluster.nodeId, leaseTtl: cluster.leaseTtl, keyPrefix: location.prefix, connectTimeout: cluster.connectTimeout });
    this.router = new Router({
      url: cluster.url,
      nodeId: cluster.nodeId,
      leases: this.leases,
      host: options.host,
      serializer: options.serializer,
      connectTimeout: cluster.connectTimeout,
    });
    this.leases.on('acquired', (workerId, token) => {
      this.#tokens.set(workerId, token);
      this.#workers.get(workerId)?.host();
    });
    this.leases.on('lost', (workerId, _token, reason) => this.#lost(workerId, reason));
    this.#started = this.#start();
    this.#started.catch(() => undefined);
  }

  async #start(): Promise<void> {
    try {
      if (!this.#logClient) {
        const { url, leaseTtl, waitTimeout, connectTimeout } = this.#options.cluster;
        const client = await openClient(url, 'control', Math.max(leaseTtl, waitTimeout + 1000), `routilux:log:${this.nodeId}`);
        await connectOrFail(client, connectTimeout, url);
        if (this.#closed) return client.disconnect(); // shut down while joining: leave nothing open
        this.#logClient = client;
      }
      if (!this.#leasesStarted) {
        await this.leases.start();
        this.#leasesStarted = true;
        if (this.#closed) return;
      }
      await this.router.start();
    } catch (error) {
      if (this.#closed) throw error;
      // Only a node that could not join at all has workers that cannot be hosted: once its leases run, a worker is
      // hosted whatever the router does (routed posts wait for it to start).
      if (!this.#leasesStarted) for (const worker of this.#workers.values()) worker.hostingFailed(error);
      if (!(error instanceof MissingDependencyError)) {
        // Not reachable yet: try again, and let later calls wait for that attempt.
        this.#retry = setTimeout(() => {
          this.#started = this.#start();
          this.#started.catch((e: unknown) => this.#options.onError(e));
        }, this.#options.cluster.leaseTtl);
        this.#retry.unref();
      }
      throw error;
    }
  }

  /** Offers this node as the host of `worker` (a cluster worker in standby): it is hosted here once the lease is ours. */
  offer(worker: Worker): void {
    this.#workers.set(worker.id, worker);
    this.leases.offer(worker.id);
  }

  /**
   * The log writer of one hosting term of `workerId`: every write carries the fencing token the lease came with,
   * and a Lua script refuses it once a newer one exists.
   */
  writerFor(workerId: string): LogWriter {
    const token = this.#tokens.get(workerId) ?? 0;
    const { prefix, codec } = this.#options.location;
    const client = this.#logClient!; // opened before the leases start, so before any lease is acquired
    const writer = fencedWriter(client, workerId, Math.max(token, 1), { keyPrefix: prefix, codec });
    const { waitReplicas, waitTimeout } = this.#options.cluster;
    const replicated = async (applied: Promise<boolean>): Promise<boolean> => {
      const ok = await applied;
      if (waitReplicas === 0) return ok;
      const confirmed = await client.wait(waitReplicas, waitTimeout);
      if (confirmed < waitReplicas) {
        throw new StoreConnectionError(
          `Only ${confirmed} of ${waitReplicas} replicas confirmed a durable write of worker "${workerId}" within ${waitTimeout} ms ` +
            '(cluster.waitReplicas), so it is not reported durable; it is written again until they do. Check the replicas (INFO replication).',
        );
      }
      return ok;
    };
    return {
      set: (key, value) => replicated(writer.apply({ ops: [{ op: 'set', key, value }] })),
      batch: (operations) => replicated(writer.apply({ ops: operations.map(toFencedOp) })),
    };
  }

  /** A write of `workerId`'s log was fenced out: another node hosts it now. Hand it over at once. */
  fencedOut(workerId: string): void {
    this.leases.forfeit(workerId);
  }

  /**
   * Restoring `worker` here failed. Its lease is released so another node can host it; after a StoreConnectionError
   * this node offers again once Redis answers (the worker waits in standby), after any other error it stops offering.
   */
  restoreFailed(worker: Worker, error: unknown): void {
    const retry = error instanceof RoutiluxError && error.code === 'STORE_CONNECTION';
    void this.leases.withdraw(worker.id).then(() => {
      if (!retry || this.#closed) {
        this.#workers.delete(worker.id);
        return;
      }
      const again = setTimeout(() => !this.#closed && this.#workers.get(worker.id) === worker && this.leases.offer(worker.id), this.#options.cluster.leaseTtl / 3);
      again.unref();
    });
  }

  /** Stops offering `workerId` and releases its lease at once (others take it over without waiting). */
  async withdraw(workerId: string): Promise<void> {
    this.#workers.delete(workerId);
    await this.leases.withdraw(workerId);
  }

  /** Sends a post to `post.workerId`'s host, wherever it is; waits for this node to have joined the cluster first. */
  route(post: RoutedPost): RoutedJob {
    const handle = this.#started.then(() => this.router.post(post));
    const accepted = handle.then((h) => h.accepted());
    const done = handle.then((h) => h.done());
    accepted.catch(() => undefined);
    done.catch(() => undefined);
    return { accepted, done };
  }

  /** Sends the result of a job posted on node `to` (a job this node resumed after taking its worker over). */
  reply(to: string, requestId: string, job: JobContext): void {
    this.router.sendResult(to, requestId, remoteResult(job, this.nodeId)).catch((error: unknown) => this.#options.onError(error));
  }

  /** Stops consuming routed jobs (what is queued stays in Redis for whichever node hosts the worker next). */
  async closeRouter(): Promise<void> {
    await this.router.close();
  }

  /** Releases every lease at once, marks this node gone and disconnects. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    this.#workers.clear();
    await this.router.close();
    await this.leases.close();
    if (this.#logClient?.status === 'ready') await this.#logClient.quit().catch(() => undefined);
    this.#logClient?.disconnect();
  }

  #lost(workerId: string, reason: LeaseLossReason): void {
    this.#tokens.delete(workerId);
    if (reason === 'released') return; // this node gave it up (stop, shutdown): that path ends the worker itself
    this.#workers.get(workerId)?.demote(new WorkerLeaseLostError(workerId, reason));
  }
}

function toFencedOp(operation: BatchOperation): FencedOp {
  if (operation.op === 'delete') return { op: 'delete', key: operation.key };
  const ttl = operation.ttl;
  return { op: 'set', key: operation.key, value: operation.value, ...(ttl !== undefined ? { ttl } : {}) };
}

/** A job's final data as it travels back to the node that posted it. */
export function remoteResult(job: JobContext, nodeId: string): RemoteJobResult {
  const error = job.error;
  return {
    jobId: job.jobId,
    workerId: job.workerId,
    flowId: job.flowId,
    status: job.status === 'pending' || job.status === 'running' ? 'cancelled' : job.status,
    metadata: job.metadata,
    data: job.data,
    ...(error !== undefined ? { error: errorOnWire(error) } : {}),
    ...(job.failedRoutineId !== undefined ? { failedRoutineId: job.failedRoutineId } : {}),
    ...(job.unconsumed !== undefined ? { unconsumed: job.unconsumed } : {}),
    traceLog: job.traceLog,
    output: job.output,
    createdAt: job.createdAt,
    ...(job.completedAt !== undefined ? { completedAt: job.completedAt } : {}),
    nodeId,
  };
}

/**
 * Makes `job` (a JobContext on the poster) follow a routed post: `accepted()` resolves once the job is queued for
 * its host, and when the result comes back the context takes its data, trace, output and end, and `done()` resolves
 * with it, whatever the outcome, as a local job's does. A failure carries a RemoteJobError naming the original.
 */
export function followRoutedJob(job: JobContext, routed: RoutedJob): void {
  jobLifecycle.durable(job, { accepted: () => routed.accepted, setData: () => true, trace: () => true });
  routed.done.then(
    (result) => {
      for (const [key, value] of Object.entries(result.data)) jobLifecycle.restoreData(job, key, value);
      for (const entry of result.traceLog) jobLifecycle.restoreTrace(job, entry);
      for (const line of result.output) job.appendOutput(line);
      const error = result.error ? new RemoteJobError(result.error.name, result.error.code, result.error.message, result.nodeId) : undefined;
      jobLifecycle.finished(job, result.status, error, result.failedRoutineId, result.unconsumed as UnconsumedData | undefined);
      jobLifecycle.released(job);
    },
    (error: unknown) => jobLifecycle.unconfirmed(job, error instanceof RoutiluxError ? error : new StoreConnectionError(String(error), { cause: error })),
  );
}
