import type { RemoteAcceptance, RemoteJobRequest } from '../cluster/types.js';
import { RuntimeShutDownError, WorkerNotRunningError, WorkerStartingError } from '../errors.js';
import { compileFlow, type CompiledFlow } from '../flow/compiled-flow.js';
import type { Flow } from '../flow/flow.js';
import type { JobContext, JobContextInit } from '../job/job-context.js';
import type { WorkerState } from '../state/worker-state.js';
import { followRoutedJob, remoteResult, type ClusterNode } from './cluster-node.js';
import { checkPost, EMPTY_METADATA, keyedJobId, type CheckedPost, type PostChecks } from './post-check.js';
import type { PostOptions } from './runtime-options.js';
import type { Worker } from './worker.js';

/** What ClusterRouting needs from its runtime. */
export interface RoutingHost {
  readonly workers: ReadonlyMap<string, Worker>;
  /** The first worker this node exec'ed for `flow` (where a post without workerId goes). */
  firstWorker(flow: Flow): Worker | undefined;
  readonly checks: PostChecks;
  startJob(worker: Worker, post: CheckedPost, idempotencyKey: string | undefined, reply: { to: string; requestId: string } | undefined): JobContext;
  getJob(jobId: string): JobContext | undefined;
  idempotentJob(worker: Worker, key: string): JobContext | undefined;
  newJob(init: Omit<JobContextInit, 'now' | 'limits'>): JobContext;
  /** A worker in standby, not registered in the runtime (a view of a worker hosted elsewhere). */
  standbyView(workerId: string, compiled: CompiledFlow): Worker;
  isShutDown(): boolean;
}

/**
 * A cluster runtime's posts between nodes: which posts travel (the worker is not running here), the JobContext that
 * follows a routed post, and the jobs routed here for the workers this node hosts (ClusterHost.acceptRemote).
 */
export class ClusterRouting {
  /** Standby WorkerStates of workers this node posts to but never exec'ed. */
  readonly #views = new Map<string, Worker>();
  /** Routed posts still waiting for their result, by worker and idempotency key (one job for both). */
  readonly #byKey = new Map<string, JobContext>();
  /** Flows compiled for routed posts (checked here, run on the host). */
  readonly #compiled = new WeakMap<Flow, CompiledFlow>();

  constructor(
    readonly node: ClusterNode,
    private readonly host: RoutingHost,
  ) {}

  /**
   * The worker a post must travel to, or undefined to post here (this node runs it, or the local checks should
   * answer). Without workerId: the first worker this node exec'ed for the flow.
   */
  routedWorker(flow: Flow, workerId: string | undefined): string | undefined {
    const worker = workerId === undefined ? this.host.firstWorker(flow) : this.host.workers.get(workerId);
    if (!worker) return workerId;
    if (worker.flow.flow !== flow || worker.acceptsJobs) return undefined;
    const status = worker.state.status;
    return status === 'standby' || status === 'starting' || status === 'handingOver' ? worker.id : undefined;
  }

  /** Sends a post to its worker's host; the JobContext returned follows it there. */
  postRemote(flow: Flow, workerId: string, routineId: string, slotName: string, data: unknown, options: PostOptions): [WorkerState, JobContext] {
    const local = this.host.workers.get(workerId);
    let compiled = local?.flow ?? this.#compiled.get(flow);
    if (!compiled) this.#compiled.set(flow, (compiled = compileFlow(flow)));
    const view = local?.state ?? this.#view(workerId, flow, compiled);
    const key = options.idempotencyKey === undefined ? undefined : `${workerId}\u0000${options.idempotencyKey}`;
    const pending = key === undefined ? undefined : this.#byKey.get(key);
    if (pending) return [view, pending];
    const post = checkPost(compiled, routineId, slotName, data, options, this.host.checks, keyedJobId(workerId, options));
    const job = this.host.newJob({ jobId: post.jobId, workerId, flowId: compiled.name, metadata: post.metadata });
    const routed = this.node.route({
      workerId,
      jobId: post.jobId,
      flowName: compiled.name,
      routineId,
      slotName,
      data,
      ...(post.metadata !== EMPTY_METADATA ? { metadata: post.metadata } : {}),
      ...(options.idempotencyKey !== undefined ? { idempotencyKey: options.idempotencyKey } : {}),
      ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
    });
    followRoutedJob(job, routed);
    if (key !== undefined) {
      this.#byKey.set(key, job);
      const forget = () => this.#byKey.get(key) === job && this.#byKey.delete(key);
      routed.done.then(forget, forget);
    }
    return [view, job];
  }

  /** A job routed here for a worker this node hosts; idempotent by job id and by idempotency key. */
  acceptRemote(request: RemoteJobRequest): RemoteAcceptance {
    if (this.host.isShutDown()) throw new RuntimeShutDownError(`accept job "${request.jobId}"`);
    const worker = this.host.workers.get(request.workerId);
    if (worker?.state.status === 'starting') throw new WorkerStartingError(worker.id);
    // Not (or no longer) running here: the router tries again, or forwards it to the worker's host.
    if (!worker?.acceptsJobs) throw new WorkerNotRunningError(request.workerId, 'standby', 'accept a routed job');
    const byId = worker.live.get(request.jobId)?.job ?? this.host.getJob(request.jobId);
    const known =
      (byId?.workerId === worker.id ? byId : undefined) ??
      (request.idempotencyKey !== undefined ? this.host.idempotentJob(worker, request.idempotencyKey) : undefined);
    const options: PostOptions = {
      jobId: request.jobId,
      ...(request.metadata !== undefined ? { metadata: request.metadata } : {}),
      ...(request.timeout !== undefined ? { timeout: request.timeout } : {}),
    };
    const reply = request.replyTo !== undefined ? { to: request.replyTo, requestId: request.requestId } : undefined;
    const job =
      known ?? this.host.startJob(worker, checkPost(worker.flow, request.routineId, request.slotName, request.data, options, this.host.checks), request.idempotencyKey, reply);
    const nodeId = this.node.nodeId;
    return { accepted: job.accepted(), done: job.done().then((j) => remoteResult(j, nodeId)) };
  }

  /** Removes the standby view of `workerId` (it is exec'ed on this node now), for the caller to stop. */
  takeView(workerId: string): Worker | undefined {
    const view = this.#views.get(workerId);
    this.#views.delete(workerId);
    return view;
  }

  /** Removes every standby view (the runtime shuts down), for the caller to stop. */
  takeViews(): Worker[] {
    const views = [...this.#views.values()];
    this.#views.clear();
    return views;
  }

  #view(workerId: string, flow: Flow, compiled: CompiledFlow): WorkerState {
    let view = this.#views.get(workerId);
    if (!view || view.flow.flow !== flow) {
      view?.requestStop('another flow posted to it');
      view = this.host.standbyView(workerId, compiled);
      view.start();
      this.#views.set(workerId, view);
    }
    return view.state;
  }
}
