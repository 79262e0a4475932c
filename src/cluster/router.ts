import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Job, JobsOptions, Queue, Worker } from 'bullmq';
import { FencedOutError, MissingDependencyError, RoutiluxError, RuntimeShutDownError, StoreConnectionError, WorkerNotRunningError } from '../errors.js';
import type { Serializer, SerializerName } from '../stores/serializers.js';
import { checkClusterWorkerId, drainLockKey, inboxName } from './keys.js';
import type { LeaseManager } from './lease.js';
import { bullJobId, errorOnWire, MessageCodec, type InboxMessage, type WireData } from './messages.js';
import { connectOrFail, openClient } from './redis-client.js';
import { RemoteJobHandle } from './remote-handle.js';
import type { ClusterHost, RemoteJobRequest, RemoteJobResult } from './types.js';

/** Options of a Router. */
export interface RouterOptions {
  readonly url: string;
  readonly nodeId: string;
  /** This node's leases (started): who hosts what. */
  readonly leases: LeaseManager;
  /** Receives the jobs for the workers this node hosts. */
  readonly host: ClusterHost;
  /** BullMQ key prefix. Default 'routilux-bull'. */
  readonly prefix?: string;
  /** Inbox messages handled at once (each is short: a job is only accepted, not run, while its message is held). Default 64. */
  readonly concurrency?: number;
  /** Serializer of the messages (the store's). Default 'json'. */
  readonly serializer?: SerializerName | Serializer;
  /** How long (ms) a job for a worker nobody hosts waits before it is looked at again. Default leaseTtl / 4. */
  readonly holdDelay?: number;
  /** How long (ms) the host of a worker is remembered by a poster. A stale host forwards. Default 250. */
  readonly routeCacheTtl?: number;
  /** How long (ms) `start()` may wait for Redis. Default 10000. */
  readonly connectTimeout?: number;
  /**
   * How long (ms) a post may wait for its job to be queued before `accepted()` (and `done()`) reject with
   * StoreConnectionError. It may still be queued later: post again with the same idempotencyKey. Default 10000.
   */
  readonly postTimeout?: number;
}

/** Who holds a worker's lease. */
type Holder = { readonly nodeId: string; readonly token: number };

const holderKey = (holder: Holder): string => `${holder.nodeId}|${holder.token}`;

/** Longest delay (ms) between two re-sends of a post whose host did not change. */
const MAX_CHASE_INTERVAL = 300_000;

/** A post waiting for its result: the lease holder it was last sent under, and when to send it again regardless. */
interface Chase {
  readonly request: RemoteJobRequest;
  holder: string;
  interval: number;
  nextAt: number;
}

/** Results gathered for one poster during one event-loop turn. */
interface OutgoingResults {
  readonly results: { readonly requestId: string; readonly result: RemoteJobResult }[];
  sent: Promise<void>;
}

/** What `post` needs: the request without what the router fills in. */
export type RoutedPost = Omit<RemoteJobRequest, 'requestId' | 'replyTo' | 'postedAt' | 'jobId'> & { readonly jobId?: string };

type BullMQ = typeof import('bullmq');

/** Errors after which an inbox message is tried again (or forwarded): the job is not lost and not failed. */
const isTransient = (error: unknown): boolean =>
  error instanceof StoreConnectionError ||
  error instanceof FencedOutError ||
  error instanceof RuntimeShutDownError ||
  (error instanceof WorkerNotRunningError && (error.status === 'starting' || error.status === 'standby' || error.status === 'handingOver')) ||
  // The host lost the worker while accepting: the job was not reported accepted, the next host takes it.
  (error instanceof RoutiluxError && (error.code === 'LEASE_LOST' || error.code === 'WORKER_HANDED_OVER')) ||
  !(error instanceof RoutiluxError);

/**
 * Routes posts to the node hosting their worker through BullMQ: one inbox queue per node (`{routilux-node-<id>}`),
 * consumed by one BullMQ Worker. A poster reads the worker's lease and adds the job to its host's inbox (the BullMQ
 * job id derives from the worker and the post's requestId: a message added again after a crash is a no-op while the first is
 * queued); a node that receives a job for a worker it does not host forwards it to the current host, or holds it
 * (delayed) until there is one; results travel back to the poster's inbox. When a node's heartbeat lapses, one live
 * node drains its inbox the same way (its stalled messages included), so nothing accepted is lost.
 *
 * Connections per node: one BullMQ command connection shared by every Queue and the Worker, and the Worker's one
 * blocking connection (plus one more while draining a dead node's inbox), whatever the number of workers.
 */
export class Router {
  readonly nodeId: string;
  readonly #options: RouterOptions;
  readonly #leases: LeaseManager;
  readonly #host: ClusterHost;
  readonly #codec: MessageCodec;
  readonly #prefix: string;
  readonly #holdDelay: number;
  readonly #cacheTtl: number;
  readonly #pending = new Map<string, RemoteJobHandle>();
  /** Results waiting for the end of this event-loop turn, by the node they go to. */
  readonly #outbox = new Map<string, OutgoingResults>();
  readonly #queues = new Map<string, Queue>();
  readonly #routes = new Map<string, { host: Promise<Holder | undefined>; until: number }>();
  /** Posts whose result has not come back, chased when their worker's host changes or their result is late. */
  readonly #inFlight = new Map<string, Chase>();
  #chaseTimer: ReturnType<typeof setInterval> | undefined;
  #bull: BullMQ | undefined;
  #connection: Redis | undefined;
  #inbox: Worker | undefined;
  #drain: { nodeId: string; worker: Worker; emptySince: number | undefined; startedAt: number } | undefined;
  #drainTimer: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor(options: RouterOptions) {
    this.nodeId = options.nodeId;
    this.#options = options;
    this.#leases = options.leases;
    this.#host = options.host;
    this.#codec = new MessageCodec(options.serializer);
    this.#prefix = options.prefix ?? 'routilux-bull';
    this.#holdDelay = options.holdDelay ?? Math.max(20, Math.floor(options.leases.leaseTtl / 4));
    this.#cacheTtl = options.routeCacheTtl ?? 250;
  }

  /** Opens the BullMQ connection, starts consuming this node's inbox and watching for dead nodes. */
  async start(): Promise<void> {
    try {
      this.#bull = await import('bullmq');
    } catch (error) {
      throw new MissingDependencyError('bullmq', 'the cluster option', { cause: error });
    }
    const connection = await openClient(this.#options.url, 'queue', 0, `routilux:bull:${this.nodeId}`);
    await connectOrFail(connection, this.#options.connectTimeout ?? 10_000, this.#options.url);
    if (this.#closed) return connection.disconnect(); // closed while connecting: leave nothing open
    this.#connection = connection;
    this.#inbox = this.#consume(this.nodeId);
    try {
      await this.#inbox.waitUntilReady();
    } catch (error) {
      // Redis went away while starting: undo, so a later start() begins afresh.
      await this.#inbox.close(true).catch(() => undefined);
      this.#inbox = undefined;
      this.#connection = undefined;
      connection.disconnect();
      throw error instanceof RoutiluxError
        ? error
        : new StoreConnectionError(`The cluster's router could not start: ${error instanceof Error ? error.message : String(error)}. It starts again once Redis answers.`, {
            cause: error,
          });
    }
    if (this.#closed) {
      await this.#inbox.close().catch(() => undefined);
      return connection.disconnect();
    }
    this.#drainTimer = setInterval(() => void this.#watchDeadNodes().catch(() => undefined), Math.max(50, this.#leases.leaseTtl / 2));
    this.#drainTimer.unref();
    this.#chaseTimer = setInterval(() => void this.#chase().catch(() => undefined), this.#leases.leaseTtl);
    this.#chaseTimer.unref();
  }

  /**
   * Sends a job to its worker's host and returns a handle at once. `accepted()` resolves when the job is in the host's
   * inbox in Redis (Queue.add resolved); `done()` when its result came back.
   */
  post(post: RoutedPost): RemoteJobHandle {
    checkClusterWorkerId(post.workerId);
    const request: RemoteJobRequest = { ...post, jobId: post.jobId ?? randomUUID(), requestId: randomUUID(), replyTo: this.nodeId, postedAt: Date.now() };
    const handle = new RemoteJobHandle(request.requestId, request.jobId, request.workerId, request.flowName);
    this.#pending.set(request.requestId, handle);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = this.#options.postTimeout ?? 10_000;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not confirm it within ${timeout} ms (postTimeout)`)), timeout);
    });
    Promise.race([this.#send(request), late])
      .finally(() => clearTimeout(timer))
      .then(
        (holder) => {
          if (this.#pending.has(request.requestId)) {
            const interval = this.#leases.leaseTtl * 10;
            this.#inFlight.set(request.requestId, { request, holder: holder ? holderKey(holder) : '', interval, nextAt: Date.now() + interval });
          }
          handle.settleAccepted();
        },
        (error: unknown) => {
          this.#pending.delete(request.requestId);
          handle.settleAccepted(error instanceof RoutiluxError ? error : notQueued(request, error));
        },
      );
    return handle;
  }

  /** Number of handles waiting for their result. */
  get pendingResults(): number {
    return this.#pending.size;
  }

  /**
   * Sends a job's final data to the node that posted it (the runtime calls it for resumed jobs that carry replyTo).
   * Results for one poster that end in the same event-loop turn travel as one queue entry: under load a result
   * costs a fraction of a Redis round trip.
   */
  sendResult(replyTo: string, requestId: string, result: RemoteJobResult): Promise<void> {
    if (replyTo === this.nodeId) {
      this.#deliver(requestId, result);
      return Promise.resolve();
    }
    let batch = this.#outbox.get(replyTo);
    if (!batch) {
      const created: OutgoingResults = { results: [], sent: undefined! };
      created.sent = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#sendResults(replyTo, created));
      this.#outbox.set(replyTo, created);
      batch = created;
    }
    batch.results.push({ requestId, result: { ...result, nodeId: result.nodeId ?? this.nodeId } });
    return batch.sent;
  }

  async #sendResults(replyTo: string, batch: OutgoingResults): Promise<void> {
    this.#outbox.delete(replyTo);
    const message: InboxMessage = { kind: 'results', results: batch.results };
    await this.#queue(replyTo).add('results', this.#codec.encode(message), {
      jobId: `r.${batch.results[0]!.requestId}`,
      removeOnComplete: true,
      removeOnFail: true,
      attempts: 5,
      backoff: { type: 'fixed', delay: 100 },
    });
  }

  /** Stops consuming (waiting for messages being handled), and closes the connections. Leases are the LeaseManager's. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#drainTimer);
    clearInterval(this.#chaseTimer);
    this.#inFlight.clear();
    await Promise.all([...this.#outbox.values()].map((batch) => batch.sent.catch(() => undefined))); // results already ended
    await this.#drain?.worker.close().catch(() => undefined);
    await this.#inbox?.close().catch(() => undefined);
    await Promise.all([...this.#queues.values()].map((q) => q.close().catch(() => undefined)));
    if (this.#connection?.status === 'ready') await this.#connection.quit().catch(() => undefined);
    this.#connection?.disconnect();
    for (const handle of this.#pending.values()) {
      handle.settleAccepted(new StoreConnectionError(`Node "${this.nodeId}" closed before the result of job "${handle.jobId}" came back; the job itself goes on on its host.`));
    }
    this.#pending.clear();
  }

  #queue(nodeId: string): Queue {
    let queue = this.#queues.get(nodeId);
    if (!queue) {
      // Sharing the ioredis instance: a Queue opens no connection of its own.
      queue = new this.#bull!.Queue(inboxName(nodeId), { connection: this.#connection!, prefix: this.#prefix });
      queue.on('error', () => undefined);
      this.#queues.set(nodeId, queue);
    }
    return queue;
  }

  #jobOptions(request: RemoteJobRequest): JobsOptions {
    // Never failed for good: retried (or forwarded) until some host accepts it.
    return { jobId: bullJobId(request), removeOnComplete: true, removeOnFail: 10_000, attempts: 1_000_000, backoff: { type: 'fixed', delay: this.#holdDelay } };
  }

  /** Adds the request to its host's inbox (this node's when nobody hosts the worker yet: it is held there). */
  async #send(request: RemoteJobRequest, wire?: WireData): Promise<Holder | undefined> {
    const holder = await this.#hostOf(request.workerId);
    await this.#queue(holder?.nodeId ?? this.nodeId).add('job', wire ?? this.#codec.encode({ kind: 'job', request }), this.#jobOptions(request));
    return holder;
  }

  /**
   * Sends again the posts whose result is overdue: at once when their worker's host changed since they were sent
   * (a host that died or lost the worker after the job ended may never have sent the result; the new one answers a
   * job it knows by its id), else with a doubling delay, in case a result was lost on its way.
   */
  async #chase(): Promise<void> {
    if (this.#inFlight.size === 0 || this.#closed) return;
    const byWorker = new Map<string, Chase[]>();
    for (const chase of this.#inFlight.values()) {
      const list = byWorker.get(chase.request.workerId);
      if (list) list.push(chase);
      else byWorker.set(chase.request.workerId, [chase]);
    }
    for (const [workerId, chases] of byWorker) {
      const holder = await this.#leases.holderOf(workerId, this.#connection).catch(() => undefined);
      const now = Date.now();
      for (const chase of chases) {
        const moved = holder !== undefined && holderKey(holder) !== chase.holder;
        if (!moved && now < chase.nextAt) continue;
        chase.holder = holder ? holderKey(holder) : chase.holder;
        if (!moved) chase.interval = Math.min(chase.interval * 2, MAX_CHASE_INTERVAL);
        chase.nextAt = now + chase.interval;
        void this.#send(chase.request).catch(() => undefined);
      }
    }
  }

  /** The worker's host by its lease, remembered for routeCacheTtl (the lookup itself too, so a burst of posts makes one). */
  #hostOf(workerId: string): Promise<Holder | undefined> {
    const cached = this.#routes.get(workerId);
    const now = Date.now();
    if (cached && cached.until > now) return cached.host;
    const host = this.#leases.holderOf(workerId, this.#connection);
    const entry = { host, until: now + this.#cacheTtl };
    this.#routes.set(workerId, entry);
    host.catch(() => this.#routes.get(workerId) === entry && this.#routes.delete(workerId));
    if (this.#routes.size > 10_000) this.#routes.delete(this.#routes.keys().next().value!); // bounded
    return host;
  }

  #consume(nodeId: string): Worker {
    const ttl = this.#leases.leaseTtl;
    const draining = nodeId !== this.nodeId;
    const worker = new this.#bull!.Worker(inboxName(nodeId), (job, token) => this.#handle(job, token, draining), {
      connection: this.#connection!,
      prefix: this.#prefix,
      concurrency: this.#options.concurrency ?? 64,
      // A message's lock lapses as fast as a lease does, so the messages of a dead node come back about as soon as its workers do.
      lockDuration: Math.max(ttl, 1000),
      stalledInterval: Math.max(Math.floor(ttl / 2), 500),
      maxStalledCount: Number.MAX_SAFE_INTEGER, // a message that stalled is retried, never failed
      drainDelay: 5,
    });
    worker.on('error', () => undefined); // connection hiccups: BullMQ retries by itself
    return worker;
  }

  async #handle(job: Job, token: string | undefined, draining: boolean): Promise<void> {
    const message = this.#codec.decode(job.data as WireData);
    if (message.kind === 'results') {
      if (!draining) {
        for (const { requestId, result } of message.results) this.#deliver(requestId, result);
        return;
      }
      // A node whose heartbeat lapsed may only be slow: keep its results a while, for when it comes back.
      if (Date.now() - (this.#drain?.startedAt ?? 0) > this.#leases.leaseTtl * 10) return;
      return this.#hold(job, token);
    }
    const request = message.request;
    if (this.#leases.isHeld(request.workerId)) return this.#accept(request);
    const holder = await this.#leases.holderOf(request.workerId, this.#connection);
    if (holder && holder.nodeId !== this.nodeId) {
      await this.#queue(holder.nodeId).add('job', job.data as WireData, this.#jobOptions(request));
      return;
    }
    // Nobody hosts the worker (or this node is taking it back): hold the message here and look again later.
    return this.#hold(job, token);
  }

  async #hold(job: Job, token: string | undefined): Promise<never> {
    await job.moveToDelayed(Date.now() + this.#holdDelay, token);
    throw new this.#bull!.DelayedError();
  }

  async #accept(request: RemoteJobRequest): Promise<void> {
    let acceptance;
    try {
      acceptance = this.#host.acceptRemote(request);
      acceptance.done.catch(() => undefined); // looked at below, only once accepted
      await acceptance.accepted;
    } catch (error) {
      if (isTransient(error)) throw error; // BullMQ tries again after holdDelay; the next try may forward it
      await this.#reply(request, failedResult(request, error, this.nodeId));
      return;
    }
    acceptance.done.then(
      (result) => this.#reply(request, result),
      () => undefined, // the host failed to end it (lost the lease): the new host resumes it and replies
    );
  }

  async #reply(request: RemoteJobRequest, result: RemoteJobResult): Promise<void> {
    if (request.replyTo === undefined) return;
    await this.sendResult(request.replyTo, request.requestId, result).catch(() => undefined);
  }

  #deliver(requestId: string, result: RemoteJobResult): void {
    const handle = this.#pending.get(requestId);
    if (!handle) return; // posted by an earlier run of this node, or delivered twice
    this.#pending.delete(requestId);
    this.#inFlight.delete(requestId);
    handle.settleDone(result);
  }

  /** Drains the inbox of one dead node at a time, until it stays empty, then forgets the node. */
  async #watchDeadNodes(): Promise<void> {
    if (this.#closed) return;
    const lapsed = (await this.#leases.lapsedNodes()).filter((n) => n !== this.nodeId);
    const drain = this.#drain;
    if (drain) {
      const lock = drainLockKey(this.#leases.keyPrefix, drain.nodeId);
      if (!lapsed.includes(drain.nodeId)) {
        // It came back: it consumes its own inbox again.
        this.#drain = undefined;
        await drain.worker.close().catch(() => undefined);
        await this.#leases.client.del(lock);
        return;
      }
      await this.#leases.client.set(lock, this.nodeId, 'PX', this.#leases.leaseTtl * 2);
      const counts = await this.#queue(drain.nodeId).getJobCounts('wait', 'active', 'delayed', 'prioritized', 'waiting-children');
      const left = Object.values(counts).reduce((a, b) => a + b, 0);
      const now = Date.now();
      if (left > 0) drain.emptySince = undefined;
      else drain.emptySince ??= now;
      // A poster that read a stale lease may still add to the dead inbox for a moment: stay a while after it emptied.
      if (drain.emptySince !== undefined && now - drain.emptySince >= this.#leases.leaseTtl * 3) {
        this.#drain = undefined;
        await drain.worker.close().catch(() => undefined);
        await this.#leases.forgetNode(drain.nodeId);
        await this.#leases.client.del(lock);
      }
      return;
    }
    for (const nodeId of lapsed) {
      const lock = drainLockKey(this.#leases.keyPrefix, nodeId);
      if ((await this.#leases.client.set(lock, this.nodeId, 'PX', this.#leases.leaseTtl * 2, 'NX')) !== 'OK') continue;
      this.#drain = { nodeId, worker: this.#consume(nodeId), emptySince: undefined, startedAt: Date.now() };
      return;
    }
  }
}

function notQueued(request: RemoteJobRequest, error: unknown): StoreConnectionError {
  return new StoreConnectionError(
    `Job "${request.jobId}" for worker "${request.workerId}" could not be queued for its host: ${error instanceof Error ? error.message : String(error)}. ` +
      'It may or may not have been queued: post it again with the same idempotencyKey (or jobId) once Redis is reachable.',
    { cause: error },
  );
}

function failedResult(request: RemoteJobRequest, error: unknown, nodeId: string): RemoteJobResult {
  return {
    jobId: request.jobId,
    workerId: request.workerId,
    flowId: request.flowName,
    status: 'failed',
    data: {},
    error: errorOnWire(error),
    traceLog: [],
    output: [],
    createdAt: request.postedAt,
    completedAt: Date.now(),
    nodeId,
  };
}
