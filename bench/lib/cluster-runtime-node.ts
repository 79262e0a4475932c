/**
 * One node process of bench/cluster-runtime.bench.ts: `cluster-runtime-node.ts <redis url> <nodeId> <leaseTtl> cluster|plain`.
 * `cluster` runs `new Runtime({ store: new RedisStore({ url }), cluster: { url, nodeId, leaseTtl } })`; `plain` the same
 * durable Runtime without the cluster option (the baseline of what the cluster adds). Every node registers the same
 * flow: one routine that counts its jobs in WorkerState (one durable update per job).
 * Reads one JSON command per stdin line and prints one JSON event per stdout line (with `at`, Date.now()):
 * - `{ "cmd": "exec", "workers": [...] }` → `exec` per worker (with its status: `standby` unless hosted here), then
 *   `ready` per worker when its `ws.ready()` resolves (the moment this node hosts it), and `status` on every later
 *   change of its status (polled every 20 ms);
 * - `{ "cmd": "post", "id": "r1", "workers": [...], "jobs": 1000, "inFlight"?: 1 }` → posts the jobs round-robin over
 *   `workers` (an idempotency key each), all at once or `inFlight` at a time, awaits every `accepted()` and
 *   `done()`, then `posted` with the count of jobs that did not complete (and the first one's error) and the
 *   longest event-loop delay meanwhile (and how long the synchronous loop of posts took, part of it);
 * - `{ "cmd": "count", "workers": [...] }` → `count` with each hosted worker's counter;
 * - `{ "cmd": "cpu", "id": "c1" }` → `cpu` with the CPU time (user + system, ms) this process has used so far;
 * - `{ "cmd": "shutdown" }` → `runtime.shutdown()` (a graceful leave), `closed`, exit.
 */
import { createInterface } from 'node:readline';
import { Flow, FlowRegistry, RedisStore, Routine, Runtime, type WorkerState } from '../../src/index.js';

const [url, nodeId, ttlText, mode] = process.argv.slice(2) as [string, string, string, 'cluster' | 'plain'];
const say = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ node: nodeId, at: Date.now(), ...event })}\n`);

/** The flow every node registers under the same name: one routine, one WorkerState update per job. */
export const BENCH_FLOW = 'bench-count';
const intake = new Routine<{ input: { i: number } }>().addSlot('input').setLogic((_slots, _message, ws) => {
  ws.updateRoutineState<{ n: number }>('intake', (draft) => {
    draft.n = (draft.n ?? 0) + 1;
  });
});
FlowRegistry.getInstance().register(new Flow(BENCH_FLOW).addRoutine(intake, 'intake'));

const store = new RedisStore({ url });
const runtime = new Runtime(mode === 'cluster' ? { store, cluster: { url, nodeId, leaseTtl: Number(ttlText) } } : { store });
const workers = new Map<string, WorkerState>();
let seq = 0;

/** Posts `jobs` jobs round-robin over `targets`, at most `inFlight` at a time (all at once by default). */
async function post(id: string, targets: readonly string[], jobs: number, inFlight = jobs): Promise<void> {
  // The longest gap between ticks of a 10 ms timer: how long the event loop was blocked (renewals wait as long).
  let maxGap = 0;
  let tick = performance.now();
  const lag = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - tick);
    tick = now;
  }, 10);
  let notCompleted = 0;
  let firstProblem: string | undefined;
  let next = 0;
  const one = async (i: number): Promise<void> => {
    const key = `${nodeId}-${seq++}`;
    const [, job] = runtime.post(BENCH_FLOW, 'intake', 'input', { i }, { workerId: targets[i % targets.length]!, idempotencyKey: key });
    try {
      await job.accepted();
      const end = (await job.done()) as { status: string; error?: unknown };
      if (end.status !== 'completed') {
        notCompleted++;
        firstProblem ??= `${end.status}: ${String(end.error)}`;
      }
    } catch (error) {
      notCompleted++;
      firstProblem ??= `rejected: ${String(error)}`;
    }
  };
  const lane = async (): Promise<void> => {
    while (next < jobs) await one(next++);
  };
  // Each lane posts its first job in this turn, so with inFlight = jobs every post happens at once.
  const postStart = performance.now();
  const lanes = Array.from({ length: Math.min(inFlight, jobs) }, lane);
  const postLoopMs = Math.round(performance.now() - postStart); // the synchronous part: every first post of a lane
  await Promise.all(lanes);
  clearInterval(lag);
  say({ event: 'posted', id, jobs, notCompleted, postLoopMs, maxLagMs: Math.round(Math.max(maxGap, performance.now() - tick)), ...(firstProblem ? { firstProblem } : {}) });
}

/** Prints every change of a worker's status (polled: a subscription would snapshot the state on every job). */
function watchStatus(workerId: string, ws: WorkerState): void {
  let last = ws.status;
  setInterval(() => {
    if (ws.status === last) return;
    last = ws.status;
    say({ event: 'status', workerId, status: last });
  }, 20).unref();
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line) as { cmd: string; id?: string; workers?: string[]; jobs?: number; inFlight?: number };
  if (command.cmd === 'exec') {
    for (const workerId of command.workers!) {
      const ws = runtime.exec(BENCH_FLOW, { workerId });
      workers.set(workerId, ws);
      say({ event: 'exec', workerId, status: ws.status });
      watchStatus(workerId, ws);
      ws.ready().then(
        () => say({ event: 'ready', workerId }),
        (error: unknown) => say({ event: 'error', workerId, message: String(error) }),
      );
    }
  } else if (command.cmd === 'post') {
    post(command.id!, command.workers!, command.jobs!, command.inFlight).catch((error: unknown) => say({ event: 'error', id: command.id, message: String(error) }));
  } else if (command.cmd === 'count') {
    const counts: Record<string, number | null> = {};
    for (const w of command.workers!) counts[w] = workers.get(w)?.getRoutineState<{ n: number }>('intake')?.n ?? null;
    say({ event: 'count', counts });
  } else if (command.cmd === 'cpu') {
    const used = process.cpuUsage();
    say({ event: 'cpu', id: command.id, ms: (used.user + used.system) / 1000 });
  } else if (command.cmd === 'shutdown') {
    void (async () => {
      await runtime.shutdown();
      await store.close();
      say({ event: 'closed' });
      process.exit(0);
    })();
  }
});
say({ event: 'started' });
