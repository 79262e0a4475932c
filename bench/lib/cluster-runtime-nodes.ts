/**
 * The parent's side of bench/lib/cluster-runtime-node.ts: one child node process, driven by JSON commands, and a
 * load (which node posts how many jobs to which workers) timed from the first command to the last node's answer.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChildNode, type NodeEvent } from '../../test/cluster/child-node.js';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'cluster-runtime-node.ts');
let commandSeq = 0;

/** A node process running a Runtime (`cluster`, or `plain`: the same durable Runtime without the cluster option). */
export class BenchNode extends ChildNode {
  readonly nodeId: string;

  constructor(url: string, nodeId: string, leaseTtl: number, mode: 'cluster' | 'plain' = 'cluster') {
    super(FIXTURE, [url, nodeId, String(leaseTtl), mode]);
    this.nodeId = nodeId;
  }

  /** Resolves once the process has built its Runtime. */
  started(): Promise<NodeEvent> {
    return this.#expect((e) => e.event === 'started', 30_000, 'started');
  }

  /** Execs `workers` here and resolves once this node hosts every one of them (their `ready()` resolved). */
  async host(workers: readonly string[]): Promise<void> {
    this.command({ cmd: 'exec', workers });
    await Promise.all(workers.map((w) => this.#expect((e) => e.event === 'ready' && e.workerId === w, 30_000, `${this.nodeId} ready ${w}`)));
  }

  /** Execs `workers` here while another node hosts them: resolves with the status each exec returned. */
  async standBy(workers: readonly string[]): Promise<string[]> {
    this.command({ cmd: 'exec', workers });
    const events = await Promise.all(workers.map((w) => this.#expect((e) => e.event === 'exec' && e.workerId === w, 30_000, `${this.nodeId} exec ${w}`)));
    return events.map((e) => String(e.status));
  }

  /**
   * Posts `jobs` jobs round-robin over `workers` from this node (`inFlight` at a time; default all at once); resolves
   * when every one has completed, with the longest time the node's event loop was blocked meanwhile (ms).
   */
  async post(workers: readonly string[], jobs: number, inFlight?: number): Promise<number> {
    const id = `c${commandSeq++}`;
    this.command({ cmd: 'post', id, workers, jobs, ...(inFlight === undefined ? {} : { inFlight }) });
    const end = await this.#expect((e) => e.event === 'posted' && e.id === id, 300_000, `${this.nodeId} posted ${id}`);
    if (end.notCompleted) throw new Error(`${this.nodeId}: ${String(end.notCompleted)} of ${jobs} jobs did not complete (the first: ${String(end.firstProblem)})`);
    return Number(end.maxLagMs);
  }

  /** The counters of `workers` (hosted here; null for the others). */
  async counts(workers: readonly string[]): Promise<Record<string, number | null>> {
    const seen = this.events.length;
    this.command({ cmd: 'count', workers });
    const event = await this.#expect((e) => e.event === 'count' && this.events.indexOf(e) >= seen, 10_000, `${this.nodeId} count`);
    return event.counts as Record<string, number | null>;
  }

  /** The CPU time (ms, user + system) this node process has used so far. */
  async cpu(): Promise<number> {
    const id = `c${commandSeq++}`;
    this.command({ cmd: 'cpu', id });
    return Number((await this.#expect((e) => e.event === 'cpu' && e.id === id, 10_000, `${this.nodeId} cpu`)).ms);
  }

  /** A graceful leave (`runtime.shutdown()`), or a kill if it does not finish within 10 s. */
  async shutdown(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      this.command({ cmd: 'shutdown' });
      await Promise.race([this.exited, new Promise((r) => setTimeout(r, 10_000))]);
    }
    await this.stop();
  }

  /** Sends one command line to the node (see bench/lib/cluster-runtime-node.ts for the commands). */
  command(command: Record<string, unknown>): void {
    this.send(JSON.stringify(command));
  }

  /** waitFor, failing at once if the node reports an error or exits. */
  #expect(match: (e: NodeEvent) => boolean, timeout: number, what: string): Promise<NodeEvent> {
    const failed = this.waitFor((e) => e.event === 'error', timeout + 1000, 'error').then((e) => {
      throw new Error(`${this.nodeId}: ${String(e.message)} (while waiting for ${what})`);
    });
    const exited = this.exited.then((code) => {
      throw new Error(`${this.nodeId} exited (${code}) while waiting for ${what}; stderr: ${this.stderr.slice(-2000)}`);
    });
    failed.catch(() => undefined);
    exited.catch(() => undefined);
    return Promise.race([this.waitFor(match, timeout, what), failed, exited]);
  }
}

/** Which node posts how many jobs to which workers. */
export type Load = readonly { readonly node: BenchNode; readonly workers: readonly string[]; readonly jobs: number }[];

/**
 * Runs a load (every node posting at once): jobs/s from the first command to the last completion, and the longest
 * time any posting node's event loop was blocked (ms).
 */
export async function runLoad(load: Load): Promise<{ readonly rate: number; readonly maxLagMs: number }> {
  const total = load.reduce((sum, part) => sum + part.jobs, 0);
  const start = performance.now();
  const lags = await Promise.all(load.map((part) => part.node.post(part.workers, part.jobs)));
  return { rate: total / ((performance.now() - start) / 1000), maxLagMs: Math.max(...lags) };
}
