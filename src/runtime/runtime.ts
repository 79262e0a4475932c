import { createActor, type Actor } from 'xstate';
import { runtimeMachine, type RuntimeMachine } from '../../machines/runtime.machine.js';
import {
  DuplicateIdError,
  InvalidArgumentError,
  RuntimeShutDownError,
  WorkerNotRunningError,
  DurableWorkerRequiredError,
  WorkerLeaseLostError,
} from '../errors.js';
import { checkDurableOptions, idempotentJob, releaseWhenDurable, resumeJobs, storedFinishedJob, type DurableSettings } from './durable-runtime.js';
import { checkClusterOption, startClusterNode, type ClusterNode } from './cluster-node.js';
import { ClusterRouting } from './cluster-routing.js';
import { checkPost, keyedJobId, type CheckedPost, type PostChecks } from './post-check.js';
import { acceptDurably } from './durable-post.js';
import { WorkerDurability } from './worker-durability.js';
import { compileFlow, type CompiledFlow } from '../flow/compiled-flow.js';
import { Flow } from '../flow/flow.js';
import { FlowRegistry } from '../flow/registry.js';
import { JobContext, DEFAULT_JOB_LIMITS, jobLifecycle, type JobLimits } from '../job/job-context.js';
import { JobHistory } from '../job/history.js';
import { JobRun } from '../job/job-run.js';
import type { SerializationMode } from '../serialization/check.js';
import type { WorkerState } from '../state/worker-state.js';
import { assertDelay, systemClock, type Clock } from './clock.js';
import { Executor } from '../job/executor.js';
import { HookRunner, consoleReporter, type RuntimeHooks } from './hooks.js';
import { randomIds, type IdGenerator } from './ids.js';
import { Worker, type WorkerServices } from './worker.js';
import { WorkerRegistry } from './worker-registry.js';
import { FlowWarnings } from './flow-warnings.js';
import { assertId, assertOptionalFunction, assertOptionalId, assertOptionalOneOf, optionsBag } from '../util/args.js';
import { createTracingHooks } from '../tracing/tracing-hooks.js';
import { JOB_STATUSES, checkHooks, checkRuntimeOptions, consoleWarningReporter, type ExecOptions, type ListJobsFilter, type PostOptions, type RuntimeOptions } from './runtime-options.js';

export type { ExecOptions, FlowWarningReporter, ListJobsFilter, PostOptions, RuntimeOptions } from './runtime-options.js';


/**
 * Runs flows. Owns one XState actor system: a root actor, a worker actor per exec, a job actor per post.
 * `await using runtime = new Runtime()` shuts it down at the end of the scope.
 */
export class Runtime implements AsyncDisposable {
  readonly clock: Clock;
  readonly #root: Actor<RuntimeMachine>;
  readonly #executor: Executor;
  readonly #hooks: HookRunner;
  readonly #ids: IdGenerator;
  readonly #serializer: SerializationMode;
  readonly #history: JobHistory;
  readonly #limits: JobLimits;
  readonly #registry = new WorkerRegistry();
  /** Live workers by id (the registry's map). */
  readonly #workers = this.#registry.byId;
  #liveJobs = 0;
  #idleWaiters: (() => void)[] = [];
  #shutDown = false;
  /** Set when the runtime has a store: every worker is durable. */
  readonly #durable: DurableSettings | undefined;
  /** Set with the `cluster` option: this process is one node of several on one Redis. */
  readonly #cluster: ClusterNode | undefined;
  /** Cluster: posts routed to other nodes, and jobs routed here. */
  readonly #routing: ClusterRouting | undefined;
  #services: WorkerServices | undefined;
  /** What checkPost needs from this runtime. */
  readonly #postChecks: PostChecks = {
    newJobId: () => this.#ids('job'),
    jobExists: (jobId) => this.getJob(jobId) !== undefined,
    serializer: () => this.#serializer,
  };

  /** The runtime clock's now, one function for every job and the history (not a closure per job). */
  readonly #now = (): number => this.clock.now();
  readonly #warnings: FlowWarnings;

  constructor(options?: RuntimeOptions) {
    options = checkRuntimeOptions(options);
    const cluster = checkClusterOption(options);
    this.#durable = checkDurableOptions(options);
    this.#warnings = new FlowWarnings(options.strict ?? false, options.onWarning ?? consoleWarningReporter);
    const concurrency = options.concurrency ?? Infinity;
    if (!(concurrency === Infinity || (Number.isInteger(concurrency) && concurrency > 0))) {
      throw new InvalidArgumentError('concurrency', concurrency, 'a positive integer (or Infinity)');
    }
    const serializer = options.serializer ?? 'json';
    if (serializer !== 'json' && serializer !== 'structured') throw new InvalidArgumentError('serializer', serializer, '"json" or "structured"');
    this.clock = options.clock ?? systemClock;
    this.#ids = options.idGenerator ?? randomIds;
    this.#serializer = serializer;
    this.#limits = { ...DEFAULT_JOB_LIMITS, ...optionsBag('Runtime jobLimits', options.jobLimits) };
    for (const [name, value] of Object.entries(this.#limits)) {
      if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(`jobLimits.${name}`, value, 'a positive integer');
    }
    this.#history = new JobHistory(optionsBag('Runtime jobHistory', options.jobHistory), this.#now);
    this.#hooks = new HookRunner(checkHooks(options.hooks), options.onError ?? consoleReporter);
    if (options.tracing) this.#hooks.add(createTracingHooks());
    this.#executor = new Executor(concurrency, options.scheduling ?? 'auto');
    const root = runtimeMachine.provide({
      actions: {
        'worker.crashed': ({ event }) => {
          if ('error' in event) this.#workers.get(event.type.slice('xstate.error.actor.'.length))?.crashed(event.error);
        },
      },
    });
    this.#root = createActor(root, { id: 'runtime', clock: this.clock, ...(options.inspect ? { inspect: options.inspect } : {}) });
    this.#root.start();
    this.#cluster = startClusterNode(cluster, this.#durable?.resolved.store, serializer, { acceptRemote: (request) => this.#routing!.acceptRemote(request) }, (error) =>
      this.#hooks.reportError(error, 'cluster'),
    );
    this.#routing = this.#cluster && this.#clusterRouting(this.#cluster);
  }

  /** Starts a worker for the flow (by registered name, or the Flow itself) and returns its live WorkerState. */
  exec(flow: string | Flow, options?: ExecOptions): WorkerState {
    if (this.#shutDown) throw new RuntimeShutDownError(`exec("${flowName(flow)}")`);
    const resolved = resolveFlow(flow);
    const { workerId: requested, migrate } = optionsBag('exec options', options);
    assertOptionalId('exec workerId', requested);
    assertOptionalFunction('exec migrate', migrate, 'a function (saved) => saved, turning the stored worker into one this flow can run');
    if (migrate !== undefined && !this.#durable) throw new InvalidArgumentError('exec migrate', migrate, 'left out: only a runtime with a store restores workers');
    const workerId = requested ?? this.#ids('worker');
    assertId('exec workerId (from the idGenerator)', workerId);
    if (this.#workers.has(workerId)) throw new DuplicateIdError('worker', workerId, 'This runtime');
    return this.#startWorker(resolved, compileFlow(resolved), workerId, migrate).state;
  }

  /**
   * Starts a job: `data` goes into `routineId`'s slot `slotName` and the job runs until nothing is left to do.
   * Starts a worker for the flow if none runs. Returns the worker's state and the job's context at once.
   * Everything is checked before anything starts: a bad name or option leaves no worker or job behind.
   */
  post(flow: string | Flow, routineId: string, slotName: string, data: unknown, postOptions?: PostOptions): [WorkerState, JobContext] {
    if (this.#shutDown) throw new RuntimeShutDownError(`post to "${flowName(flow)}"`);
    const resolved = resolveFlow(flow);
    const options = optionsBag('post options', postOptions);
    assertId('post routineId', routineId);
    assertId('post slotName', slotName);
    assertOptionalId('post workerId', options.workerId);
    assertOptionalId('post jobId', options.jobId);
    if (options.idempotencyKey !== undefined && (typeof options.idempotencyKey !== 'string' || options.idempotencyKey === '')) {
      throw new InvalidArgumentError('post idempotencyKey', options.idempotencyKey, 'a non-empty string (e.g. the order id)');
    }
    if (options.timeout === null) throw new InvalidArgumentError('post timeout', null, 'a number of milliseconds, or leave it out for the flow\'s jobTimeout');
    const routed = this.#routing?.routedWorker(resolved, options.workerId);
    if (routed !== undefined) return this.#routing!.postRemote(resolved, routed, routineId, slotName, data, options);
    const existing = this.#registry.running(resolved, options.workerId);
    if (!existing && this.#durable) throw new DurableWorkerRequiredError(resolved.name);
    if (existing && options.idempotencyKey !== undefined) {
      const known = idempotentJob(existing, options.idempotencyKey, (id) => this.getJob(id), this.#now, this.#limits);
      if (known) return [existing.state, known];
    }
    // A flow is compiled (and validated) when a worker starts: a worker keeps running the shape it started with.
    const compiled = existing?.flow ?? compileFlow(resolved);
    const checked = checkPost(compiled, routineId, slotName, data, options, this.#postChecks, this.#cluster && existing && keyedJobId(existing.id, options));
    const worker = existing ?? this.#startWorker(resolved, compiled, this.#ids('worker'));
    return [worker.state, this.#startJob(worker, checked, options.idempotencyKey)];
  }

  /** Starts a checked job on `worker` (journaled first on a durable one; `reply`: it was routed here from another node). */
  #startJob(worker: Worker, post: CheckedPost, idempotencyKey: string | undefined, reply?: { to: string; requestId: string }): JobContext {
    const job = new JobContext({ jobId: post.jobId, workerId: worker.id, flowId: post.compiled.name, metadata: post.metadata, now: this.#now, limits: this.#limits });
    const run = new JobRun(worker, job, post.compiled, { routine: post.routine, slot: post.slot, target: post.target, item: post.data }, post.timeout);
    if (worker.durability) acceptDurably(worker.durability, job, post.routineId, post.slotName, post.data, post.timeout, idempotencyKey, reply);
    else if (idempotencyKey !== undefined) worker.rememberKey(idempotencyKey, post.jobId);
    this.#liveJobs++;
    worker.post(run);
    this.#hooks.jobStarted(job);
    return job;
  }

  /**
   * Adds hooks after construction, run after the runtime's own `hooks` (a monitor or a test watching jobs and
   * workers come and go). Returns a function that removes them.
   */
  observe(hooks: RuntimeHooks): () => void {
    if (hooks === undefined) throw new InvalidArgumentError('observe(hooks)', hooks, 'an object of hook functions (onJobStart, onJobEnd, ...)');
    return this.#hooks.add(checkHooks(hooks));
  }

  /** A live job, or a finished one still in the history. */
  getJob(jobId: string): JobContext | undefined {
    assertId('getJob(jobId)', jobId);
    for (const worker of this.#workers.values()) {
      const run = worker.live.get(jobId);
      if (run) return run.job;
    }
    return this.#history.get(jobId) ?? (this.#durable ? storedFinishedJob(this.#workers.values(), jobId, this.#now, this.#limits) : undefined);
  }

  /**
   * Finished jobs still in the history (in the order they finished), then live ones, narrowed by `jobFilter`.
   * @throws InvalidArgumentError for an unknown filter field or status.
   */
  listJobs(jobFilter?: ListJobsFilter): JobContext[] {
    const filter = optionsBag('listJobs filter', jobFilter);
    assertOptionalId('listJobs workerId', filter.workerId);
    assertOptionalOneOf('listJobs status', filter.status, JOB_STATUSES);
    const live = [...this.#workers.values()].flatMap((w) => [...w.live.values()].map((r) => r.job));
    return [...this.#history.values(), ...live].filter(
      (job) => (filter.workerId === undefined || job.workerId === filter.workerId) && (filter.status === undefined || job.status === filter.status),
    );
  }

  /** The live state of worker `workerId`, or undefined if no such worker runs (stopped workers are forgotten). */
  getWorker(workerId: string): WorkerState | undefined {
    assertId('getWorker(workerId)', workerId);
    return this.#workers.get(workerId)?.state;
  }

  /** The state of every worker of this runtime that has not stopped, in the order they started. */
  listWorkers(): WorkerState[] {
    return [...this.#workers.values()].map((w) => w.state);
  }

  /** Resolves true once no job is running, or false if `timeout` ms pass first. */
  waitUntilAllJobsFinished(waitOptions?: { timeout?: number }): Promise<boolean> {
    const options = optionsBag('waitUntilAllJobsFinished options', waitOptions);
    if (options.timeout !== undefined) assertDelay('waitUntilAllJobsFinished timeout', options.timeout, true);
    if (this.#liveJobs === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      let handle: unknown;
      const waiter = () => {
        if (handle !== undefined) this.clock.clearTimeout(handle);
        resolve(true);
      };
      this.#idleWaiters.push(waiter);
      if (options.timeout !== undefined) {
        handle = this.clock.setTimeout(() => {
          this.#idleWaiters = this.#idleWaiters.filter((w) => w !== waiter);
          resolve(false);
        }, options.timeout);
      }
    });
  }

  /** Holds new activations of the worker's jobs (posts are still accepted and queued) until resume. */
  pause(workerId: string): void {
    const worker = this.#registry.require(workerId);
    if (!worker.acceptsJobs) throw new WorkerNotRunningError(workerId, worker.state.status, 'pause');
    worker.actor.send({ type: 'pause' });
  }

  /** Releases held activations in the order they were held. */
  resume(workerId: string): void {
    const worker = this.#registry.require(workerId);
    if (!worker.acceptsJobs) throw new WorkerNotRunningError(workerId, worker.state.status, 'resume');
    worker.actor.send({ type: 'resume' });
  }

  /**
   * Stops the worker: its jobs end `cancelled`. Resolves when it has stopped. On a cluster it stops hosting it here:
   * its log is written, its lease released (another node that exec'ed it takes it over at once, and resumes its jobs;
   * here their done() rejects with WorkerLeaseLostError), and this node no longer offers to host it.
   */
  stop(workerId: string, reason?: unknown): Promise<void> {
    const worker = this.#registry.require(workerId);
    const cluster = this.#cluster;
    if (!cluster) {
      worker.requestStop(reason);
      return worker.whenStopped();
    }
    return (async () => {
      await this.#handOver(worker);
      await cluster.withdraw(workerId);
      worker.requestStop(reason);
      return worker.whenStopped();
    })();
  }

  /** Cluster: writes what the worker's log holds, then nothing more; its jobs here end unreported (the next host resumes them). */
  async #handOver(worker: Worker): Promise<void> {
    const durability = worker.durability;
    if (!durability) return;
    await durability.close().catch(() => undefined);
    durability.discard(new WorkerLeaseLostError(worker.id, 'released'));
  }

  /**
   * Stops taking work (RuntimeShutDownError), lets running jobs finish for up to `timeout` ms (default 10 s),
   * cancels the rest, stops every worker and the actor system. Leaves no timer behind.
   */
  async shutdown(shutdownOptions?: { timeout?: number }): Promise<void> {
    const options = optionsBag('shutdown options', shutdownOptions);
    if (options.timeout !== undefined) assertDelay('shutdown timeout', options.timeout, true);
    if (this.#shutDown) return;
    this.#shutDown = true;
    await this.waitUntilAllJobsFinished({ timeout: options.timeout ?? 10_000 });
    const cluster = this.#cluster;
    // Routed jobs not taken yet stay queued in Redis for the next host.
    await cluster?.closeRouter();
    // A durable worker is suspended, not ended: its log is closed first, so its unfinished jobs are not recorded
    // as cancelled and resume when a runtime on the same store execs it again (on a cluster: another node, at once).
    await Promise.all([...this.#workers.values()].map((w) => (cluster ? this.#handOver(w) : w.durability?.close().catch(() => undefined))));
    const stopping = [...this.#workers.values(), ...(this.#routing?.takeViews() ?? [])].map((w) => {
      if (w.state.status === 'stopped' || w.state.status === 'failed') return w.whenStopped();
      w.requestStop('runtime shut down');
      return w.whenStopped();
    });
    await Promise.all(stopping);
    // Released only now: the logs are written, so the next host restores everything this node committed.
    await cluster?.close();
    this.#root.send({ type: 'shutdown' });
    if (this.#durable?.resolved.owned) await this.#durable.resolved.store.close();
  }

  /** True once shutdown() has been called: exec and post then throw RuntimeShutDownError. */
  get isShutDown(): boolean {
    return this.#shutDown;
  }

  /** shutdown() with its defaults, for `await using runtime = new Runtime()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }

  /** @internal for the test runtime */
  get executor(): Executor {
    return this.#executor;
  }

  #startWorker(flow: Flow, compiled: CompiledFlow, workerId: string, migrate?: ExecOptions['migrate']): Worker {
    this.#warnings.check(flow);
    const cluster = this.#cluster;
    const durability = this.#durable && !cluster ? this.#newDurability(workerId, migrate) : undefined;
    // A cluster worker waits in standby; each time this node gets its lease it is restored with a fresh, fenced log.
    const role = cluster ? { newDurability: () => this.#newDurability(workerId, migrate), restoreFailed: (w: Worker, e: unknown) => cluster.restoreFailed(w, e) } : undefined;
    const worker = new Worker(this.#workerServices(), workerId, compiled, undefined, durability, role);
    this.#registry.add(flow, worker);
    this.#routing?.takeView(workerId)?.requestStop('exec on this node');
    worker.start();
    this.#hooks.workerStarted(worker.state);
    cluster?.offer(worker);
    return worker;
  }

  /** The durability of a worker (of one hosting term, on a cluster: its writes fenced by that term's token). */
  #newDurability(workerId: string, migrate?: ExecOptions['migrate']): WorkerDurability {
    const durable = this.#durable!;
    const cluster = this.#cluster;
    return new WorkerDurability(workerId, {
      store: durable.resolved.store,
      now: this.#now,
      historyLimit: this.#history.maxEntries,
      historyTtl: this.#history.ttl,
      ...(durable.storeTimeout !== undefined ? { storeTimeout: durable.storeTimeout } : {}),
      ...(durable.idempotencyTtl !== undefined ? { idempotencyTtl: durable.idempotencyTtl } : {}),
      ...(migrate ? { migrate } : {}),
      ...(cluster ? { writer: cluster.writerFor(workerId), onFencedOut: () => cluster.fencedOut(workerId) } : {}),
    });
  }

  #clusterRouting(node: ClusterNode): ClusterRouting {
    return new ClusterRouting(node, {
      workers: this.#workers,
      firstWorker: (flow) => this.#registry.firstOf(flow),
      checks: this.#postChecks,
      startJob: (worker, post, key, reply) => this.#startJob(worker, post, key, reply),
      getJob: (jobId) => this.getJob(jobId),
      idempotentJob: (worker, key) => idempotentJob(worker, key, (id) => this.getJob(id), this.#now, this.#limits),
      newJob: (init) => new JobContext({ ...init, now: this.#now, limits: this.#limits }),
      standbyView: (workerId, compiled) => new Worker(this.#workerServices(), workerId, compiled, undefined, undefined, { newDurability: () => this.#newDurability(workerId), restoreFailed: () => undefined }),
      isShutDown: () => this.#shutDown,
    });
  }

  #workerServices(): WorkerServices {
    return (this.#services ??= {
      root: this.#root,
      clock: this.clock,
      executor: this.#executor,
      hooks: this.#hooks,
      serializer: this.#serializer,
      jobEnded: (run) => this.#jobEnded(run),
      workerStopped: (w) => this.#registry.remove(w),
      resumeJobs: (w, restored) =>
        resumeJobs(w, restored, this.#now, this.#limits, (run, accepted) => {
          this.#liveJobs++;
          w.post(run);
          this.#hooks.jobStarted(run.job);
          // Routed here from another node before this node took the worker over: answer the poster too.
          const cluster = this.#cluster;
          const reply = accepted.reply;
          if (cluster && reply) run.job.done().then((job) => cluster.reply(reply.to, reply.requestId, job), () => undefined);
        }),
    });
  }

  #jobEnded(run: JobRun): void {
    const durability = run.journal as WorkerDurability | undefined; // the durability of the term it ran in
    // The output gate: nobody hears of a durable job's end (done, onJobEnd, waitUntilAllJobsFinished) before it is durable.
    if (durability) releaseWhenDurable(durability, run, () => this.#shutDown, (confirmed) => this.#jobReleased(run, confirmed));
    else this.#jobReleased(run);
  }

  /** The job leaves the runtime; `confirmed` false: its end could not be made durable (done() keeps rejecting). */
  #jobReleased(run: JobRun, confirmed = true): void {
    this.#liveJobs--;
    this.#history.add(run.job);
    if (confirmed) {
      jobLifecycle.released(run.job);
      this.#hooks.jobEnded(run.job);
    }
    if (this.#liveJobs === 0 && this.#idleWaiters.length) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const waiter of waiters) waiter();
    }
  }

}

function flowName(flow: string | Flow): string {
  return typeof flow === 'string' ? flow : flow instanceof Flow ? flow.name : String(flow);
}

/** The Flow itself, or the one registered under that name. Workers are indexed by Flow, not by name. */
function resolveFlow(flow: string | Flow): Flow {
  if (typeof flow === 'string') return FlowRegistry.getInstance().require(flow);
  if (!(flow instanceof Flow)) throw new InvalidArgumentError('flow', flow, 'a registered flow name or a Flow');
  return flow;
}
