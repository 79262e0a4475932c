/**
 * The cluster Runtime (`cluster` option, issue 10) on a real redis-server, with real node processes
 * (bench/lib/cluster-runtime-node.ts; a one-routine flow that updates WorkerState once per job):
 * - jobs/s with 1, 2 and 3 node processes hosting 6 workers between them, each node posting to the workers it hosts,
 *   as ratios against the 1-node run of the same round (rounds alternate the scenarios, median of the ratios); and a
 *   client process that hosts nothing posting to all 6 workers (every job routed through BullMQ); per scenario the
 *   CPU per job of Redis and of the node processes (what bounds it), and the longest event-loop block of a burst
 *   (what a short leaseTtl does not survive);
 * - the durable Runtime without the cluster option (same RedisStore) against the cluster Runtime posting on its host;
 * - Redis commands and socket reads (≈ round trips) per job, on the host and routed, by command and by connection
 *   (MONITOR and INFO stats around one load, apart from the background work measured while idle);
 * - takeover: from SIGKILL of a worker's host to the standby's `ws.ready()`, at leaseTtl 1000 and 3000 ms; and the
 *   same after a graceful `shutdown()`.
 * Run: node --expose-gc --import tsx bench/cluster-runtime.bench.ts (CLUSTER_RUNTIME_BENCH_JOBS, _ROUNDS, _LOAD_TTL to
 * change; about 70–100 s)
 */
import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { startRedisServer } from '../test/setup/redis-server.js';
import { leaseKeys } from '../src/cluster/keys.js';
import { BenchNode, runLoad, type Load } from './lib/cluster-runtime-nodes.js';
import { fmt } from './lib/measure.js';
import { reportRow } from './lib/report.js';

const JOBS = Number(process.env.CLUSTER_RUNTIME_BENCH_JOBS ?? 2000);
/** Routed posts run at a fraction of the local rate: fewer of them keep each run about as long. */
const ROUTED_JOBS = Math.floor(JOBS / 3);
const ROUNDS = Number(process.env.CLUSTER_RUNTIME_BENCH_ROUNDS ?? 5);
const LOAD_TTL = Number(process.env.CLUSTER_RUNTIME_BENCH_LOAD_TTL ?? 10_000); // long enough that no lease lapses while the 2 cores are saturated
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ids = (prefix: string) => Array.from({ length: 6 }, (_, i) => `${prefix}-${i + 1}`);
const mid = (v: readonly number[]) => [...v].sort((p, q) => p - q)[Math.floor(v.length / 2)]!;
const x = (ratio: number) => `${ratio.toFixed(2)}x`;

const server = await startRedisServer();
const url = server.url;
const admin = new Redis(url);
const spawned: BenchNode[] = [];
const spawn = (nodeId: string, ttl: number, mode: 'cluster' | 'plain' = 'cluster') => {
  const node = new BenchNode(url, nodeId, ttl, mode);
  spawned.push(node);
  return node;
};

/** The CPU time (ms) Redis has used so far (main thread and the rest, user + system). */
async function redisCpu(): Promise<number> {
  const info = await admin.info('cpu');
  const seconds = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)![1]);
  return (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1000;
}

/** Redis's count of socket reads it processed: commands that arrive together (a pipeline) are one read. */
async function socketReads(): Promise<number> {
  return Number(/total_reads_processed:(\d+)/.exec(await admin.info('stats'))![1]);
}

interface Traffic {
  readonly seconds: number;
  readonly reads: number;
  readonly commands: Map<string, number>;
  readonly byConnection: Map<string, number>;
  readonly inLua: number;
}

/** Every command clients sent (MONITOR; those Lua scripts call are counted apart) and Redis's socket reads during `work`. */
async function traffic(work: () => Promise<unknown>): Promise<Traffic> {
  const names = new Map<string, string>();
  for (const line of ((await admin.client('LIST')) as string).split('\n').filter(Boolean)) {
    const addr = /addr=(\S+)/.exec(line)![1]!;
    const name = /name=(\S*)/.exec(line)?.[1] || '(unnamed)';
    names.set(addr, name.replace(/node-\d|client|plain/g, '<node>').replace(/:[A-Za-z0-9+/=]{16,}$/, ':<queue>'));
  }
  // MONITOR on a plain socket: ioredis's monitor mode lost track of its replies under this load.
  const monitor = connect(server.port, '127.0.0.1', () => monitor.write('MONITOR\r\n'));
  const commands = new Map<string, number>();
  const byConnection = new Map<string, number>();
  let inLua = 0;
  let pending = '';
  monitor.setEncoding('utf8');
  monitor.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\r\n');
    pending = lines.pop()!;
    for (const line of lines) {
      const m = /^\+\d+\.\d+ \[\d+ (\S+)\] "([^"]*)"/.exec(line); // +<time> [<db> <addr>|lua] "CMD" "arg" …
      if (!m) continue;
      if (m[1] === 'lua') {
        inLua++;
        continue;
      }
      const name = m[2]!.toLowerCase();
      commands.set(name, (commands.get(name) ?? 0) + 1);
      const who = names.get(m[1]!) ?? 'a newer connection';
      byConnection.set(who, (byConnection.get(who) ?? 0) + 1);
    }
  });
  await sleep(100);
  const readsBefore = await socketReads();
  commands.clear();
  byConnection.clear();
  inLua = 0;
  const start = performance.now();
  await work();
  const seconds = (performance.now() - start) / 1000;
  const reads = (await socketReads()) - readsBefore - 1; // the second INFO call
  await sleep(50); // the last lines of the monitor stream
  monitor.destroy();
  commands.delete('info');
  return { seconds, reads, commands, byConnection, inLua };
}

const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
const top = (m: Map<string, number>, per: number, n = 8) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, c]) => `${name} ${(c / per).toFixed(2)}`)
    .join(', ');

/** Prints the commands per job of one load, minus the background rate measured while idle. */
function printTraffic(label: string, t: Traffic, jobs: number, idle: Traffic): { commands: number; reads: number } {
  const commands = Math.max(0, total(t.commands) - (total(idle.commands) / idle.seconds) * t.seconds) / jobs;
  const reads = Math.max(0, t.reads - (idle.reads / idle.seconds) * t.seconds) / jobs;
  console.log(`${label}: ${fmt(commands)} commands/job sent by clients (+ ${(t.inLua / jobs).toFixed(2)} inside Lua scripts), ${fmt(reads)} socket reads/job`);
  console.log(`  by command: ${top(t.commands, jobs)}`);
  console.log(`  by connection: ${top(t.byConnection, jobs, 6)}`);
  return { commands, reads };
}

try {
  // Three cluster nodes, a client node that hosts nothing, and a plain durable node, all on one Redis.
  const [n1, n2, n3] = [spawn('node-1', LOAD_TTL), spawn('node-2', LOAD_TTL), spawn('node-3', LOAD_TTL)];
  const client = spawn('client', LOAD_TTL);
  const plain = spawn('plain', LOAD_TTL, 'plain');
  await Promise.all(spawned.map((n) => n.started()));
  const [one, two, three, alone] = [ids('one'), ids('two'), ids('three'), ids('plain')];
  // Hosts first; then every other cluster node execs the same workers and stands by (as a deployment would).
  await Promise.all([
    n1.host([...one, ...two.slice(0, 3), ...three.slice(0, 2)]),
    n2.host([...two.slice(3), ...three.slice(2, 4)]),
    n3.host(three.slice(4)),
    plain.host(alone),
  ]);
  const standby = await Promise.all([n2.standBy(one), n3.standBy([...one, ...two]), n1.standBy(three.slice(2)), n2.standBy([...two.slice(0, 3), ...three.slice(0, 2)])]);
  await sleep(100); // the last status changes of the hosts' start
  const setUpAt = Date.now();
  const notStandby = standby.flat().filter((s) => s !== 'standby');
  if (notStandby.length) console.log(`note: exec on a non-host returned ${notStandby.join(', ')} (expected standby)`);

  const scenarios: Record<string, Load> = {
    '1 node': [{ node: n1, workers: one, jobs: JOBS }],
    '2 nodes': [
      { node: n1, workers: two.slice(0, 3), jobs: Math.floor(JOBS / 2) },
      { node: n2, workers: two.slice(3), jobs: Math.floor(JOBS / 2) },
    ],
    '3 nodes': [
      { node: n1, workers: three.slice(0, 2), jobs: Math.floor(JOBS / 3) },
      { node: n2, workers: three.slice(2, 4), jobs: Math.floor(JOBS / 3) },
      { node: n3, workers: three.slice(4), jobs: Math.floor(JOBS / 3) },
    ],
    'routed, 1 host': [{ node: client, workers: one, jobs: ROUTED_JOBS }],
    'routed, 3 hosts': [{ node: client, workers: three, jobs: ROUTED_JOBS }],
    'plain durable': [{ node: plain, workers: alone, jobs: JOBS }],
  };
  const names = Object.keys(scenarios);
  for (const name of names) await runLoad(scenarios[name]!); // warm up: scripts loaded, JIT, connections
  const rates = new Map<string, number[]>(names.map((n) => [n, []]));
  const ratios = new Map<string, number[]>(names.map((n) => [n, []]));
  const lags = new Map<string, number[]>(names.map((n) => [n, []]));
  /** CPU µs per job: Redis's, and every node process's together. */
  const cpu = new Map<string, { redis: number; nodes: number }[]>(names.map((n) => [n, []]));
  const nodesCpu = async () => (await Promise.all([n1, n2, n3, client, plain].map((n) => n.cpu()))).reduce((a, b) => a + b, 0);
  for (let round = 0; round < ROUNDS; round++) {
    const order = names.map((_, i) => names[(i + round) % names.length]!); // rotate, so drift hits every scenario alike
    const got: Record<string, number> = {};
    for (const name of order) {
      const [redisBefore, nodesBefore] = [await redisCpu(), await nodesCpu()];
      const run = await runLoad(scenarios[name]!);
      const [redisAfter, nodesAfter] = [await redisCpu(), await nodesCpu()];
      const jobs = scenarios[name]!.reduce((a, part) => a + part.jobs, 0);
      got[name] = run.rate;
      lags.get(name)!.push(run.maxLagMs);
      cpu.get(name)!.push({ redis: ((redisAfter - redisBefore) * 1000) / jobs, nodes: ((nodesAfter - nodesBefore) * 1000) / jobs });
    }
    for (const name of names) {
      rates.get(name)!.push(got[name]!);
      ratios.get(name)!.push(got[name]! / got['1 node']!);
    }
  }
  console.log(`jobs/s, ${JOBS} jobs per run over 6 workers, ${ROUNDS} rounds, ratio against 1 node in the same round (median):`);
  for (const name of names) {
    const redisUs = mid(cpu.get(name)!.map((c) => c.redis));
    const nodesUs = mid(cpu.get(name)!.map((c) => c.nodes));
    console.log(
      `  ${name.padEnd(16)} ${fmt(mid(rates.get(name)!)).padStart(6)} jobs/s  ${x(mid(ratios.get(name)!))} of 1 node  CPU/job: Redis ${Math.round(redisUs)} µs, ` +
        `node processes ${Math.round(nodesUs)} µs  event loop blocked up to ${Math.max(...lags.get(name)!)} ms`,
    );
  }
  // A host renews its leases every leaseTtl / 3 and drops one leaseTtl × 4/5 after its last renewal began: a burst
  // that blocks the event loop longer than about half of leaseTtl loses the host its workers.
  const burstLag = Math.max(...lags.get('1 node')!);
  reportRow({ what: `cluster host: longest event-loop block while ${JOBS} jobs posted at once run (leases need < ~leaseTtl / 2)`, measured: `${burstLag} ms`, aim: `< ${LOAD_TTL / 2} ms at leaseTtl ${LOAD_TTL}`, met: burstLag < LOAD_TTL / 2 });
  const [r2, r3] = [mid(ratios.get('2 nodes')!), mid(ratios.get('3 nodes')!)];
  reportRow({ what: 'cluster Runtime jobs/s, 2 / 3 nodes vs 1 node (each posting to the workers it hosts)', measured: `${x(r2)} / ${x(r3)}`, aim: 'grows with nodes (2 cores here)', met: r2 > 1 });
  const routed = mid(ratios.get('routed, 1 host')!);
  reportRow({ what: 'cluster Runtime: post routed through BullMQ vs post on the host, jobs/s', measured: x(routed), aim: 'reported', met: true });
  const clusterVsPlain = mid(rates.get('1 node')!.map((c, i) => c / rates.get('plain durable')![i]!));
  reportRow({ what: 'cluster Runtime posting on the host vs the durable Runtime without cluster (same RedisStore), jobs/s', measured: x(clusterVsPlain), aim: 'reported (the cost of fencing and leases)', met: true });

  // A lease lost under load (a renewal later than leaseTtl - safety margin) shows as a status change of a hosted worker.
  const changes = [n1, n2, n3].flatMap((n) => n.events.filter((e) => e.event === 'status' && e.at > setUpAt).map((e) => `${n.nodeId} ${String(e.workerId)} → ${String(e.status)}`));
  console.log(`status changes of cluster workers during the load: ${changes.join(', ') || 'none (no lease lost)'}`);
  // Every job ran exactly once: each worker's counter equals the jobs it was sent (warm-up and rounds).
  const counts = { ...(await n1.counts([...one, ...two.slice(0, 3), ...three.slice(0, 2)])), ...(await n2.counts([...two.slice(3), ...three.slice(2, 4)])), ...(await n3.counts(three.slice(4))) };
  const sum = Object.values(counts).reduce<number>((a, b) => a + (b ?? 0), 0);
  const sent = (ROUNDS + 1) * names.filter((n) => n !== 'plain durable').reduce((a, n) => a + scenarios[n]!.reduce((b, part) => b + part.jobs, 0), 0);
  console.log(`counters over the cluster workers: ${sum} (jobs sent to them: ${sent}) ${sum === sent ? 'exact' : 'MISMATCH'}`);

  // Commands and socket reads per job, minus the background rate measured while idle: under load (every job posted
  // at once, so one group commit serves many) and one job at a time (nothing to share a round trip with).
  const idle = await traffic(() => sleep(1000));
  console.log(`background while idle (leases, heartbeats, BullMQ markers and stalled checks): ${fmt(total(idle.commands) / idle.seconds)} commands/s, ${fmt(idle.reads / idle.seconds)} reads/s`);
  const measure = async (label: string, node: BenchNode, workers: readonly string[], jobs: number, serial: number) => ({
    load: printTraffic(`${label}, ${jobs} at once`, await traffic(() => node.post(workers, jobs)), jobs, idle),
    serial: printTraffic(`${label}, one at a time`, await traffic(() => node.post(workers, serial, 1)), serial, idle),
  });
  const onHost = await measure('posted on the host', n1, one, JOBS, 200);
  const viaBull = await measure('posted on a non-host (BullMQ)', client, one, ROUTED_JOBS, 100);
  const noCluster = await measure('durable Runtime without cluster', plain, alone, JOBS, 200);
  const rt = (t: { commands: number; reads: number }) => `${t.reads.toFixed(2)} (${t.commands.toFixed(2)} commands)`;
  reportRow({
    what: 'Redis round trips (socket reads) per job posted on the host, one at a time / under load',
    measured: `${rt(onHost.serial)} / ${rt(onHost.load)}; no cluster: ${noCluster.serial.reads.toFixed(2)} / ${noCluster.load.reads.toFixed(2)}`,
    aim: '<= 3, pipelined',
    met: onHost.serial.reads <= 3,
  });
  reportRow({
    what: 'Redis round trips (socket reads) per job posted on a non-host, one at a time / under load',
    measured: `${rt(viaBull.serial)} / ${rt(viaBull.load)}`,
    aim: 'reported (BullMQ add, fetch, ack, result back)',
    met: true,
  });
  await Promise.all([n1, n2, n3, client, plain].map((n) => n.shutdown()));

  // Takeover: a host and a standby; SIGKILL the host; time until the standby's ws.ready() resolves. The next node
  // (started beforehand, so its start-up is not timed) then stands by and the new host is killed in turn. The lease's
  // PTTL at the kill splits the time into what the lease had left and what the takeover itself took (noticing the
  // lapse, acquiring, restoring): the worst case is leaseTtl plus the latter. Last, a graceful leave.
  const TRIALS = 3;
  for (const ttl of [1000, 3000]) {
    const worker = `takeover-${ttl}`;
    const { lease } = leaseKeys('', worker);
    const nodes = Array.from({ length: TRIALS + 2 }, (_, i) => spawn(`t${ttl}-${i}`, ttl));
    await Promise.all(nodes.map((n) => n.started()));
    await nodes[0]!.host([worker]);
    await nodes[1]!.standBy([worker]);
    const times: number[] = [];
    const afterLapse: number[] = [];
    let lostEarly = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      await sleep(ttl / 2 + 100); // renewals in between, as in steady operation
      const [host, standby] = [nodes[trial]!, nodes[trial + 1]!];
      const killedAt = Date.now();
      host.signal('SIGKILL');
      // What the lease had left at the kill, read just after it (a renewal already on its way still lands then).
      await sleep(20);
      const [[, holder], [, pttl]] = (await admin.multi().get(lease).pttl(lease).exec()) as [[null, string | null], [null, number]];
      const left = holder?.startsWith(`${host.nodeId}|`) ? pttl + (Date.now() - killedAt) : 0;
      const early = standby.events.find((e) => e.event === 'ready' && e.workerId === worker && e.at < killedAt);
      if (early) {
        // The host lost the lease before the kill (a renewal late on the loaded cores): no takeover to time.
        const changes = host.events.filter((e) => e.event === 'status').map((e) => `${e.status} at ${e.at - killedAt} ms`);
        console.log(`  trial ${trial}: the standby already hosted ${killedAt - early.at} ms before the kill; the host's statuses: ${changes.join(', ') || 'none'}`);
        lostEarly++;
      } else {
        const ready = await standby.waitFor((e) => e.event === 'ready' && e.workerId === worker, ttl + 15_000, 'takeover');
        times.push(ready.at - killedAt);
        afterLapse.push(ready.at - killedAt - Math.max(0, left));
      }
      await nodes[trial]!.stop();
      await nodes[trial + 2]!.standBy([worker]);
    }
    await sleep(200);
    const leftAt = Date.now();
    await nodes[TRIALS]!.shutdown();
    const graceful = (await nodes[TRIALS + 1]!.waitFor((e) => e.event === 'ready' && e.workerId === worker, ttl + 15_000, 'takeover')).at - leftAt;
    await nodes[TRIALS + 1]!.shutdown();
    const worst = ttl + Math.max(...afterLapse);
    console.log(
      `takeover with leaseTtl ${ttl} ms: after SIGKILL ${times.join(', ')} ms (median ${mid(times)}), of which after the lease lapsed ` +
        `${afterLapse.join(', ')} ms; after shutdown() ${graceful} ms${lostEarly ? `; ${lostEarly} host(s) lost the lease before the kill` : ''}`,
    );
    reportRow({
      what: `cluster takeover after SIGKILL of the host, leaseTtl ${ttl} ms: median / worst case (leaseTtl + slowest takeover after the lapse)`,
      measured: `${mid(times)} ms / ${worst} ms`,
      aim: `<= ${ttl + 1000} ms`,
      met: worst <= ttl + 1000,
    });
  }
} finally {
  await Promise.all(spawned.map((n) => n.stop()));
  await admin.quit();
  await server.stop();
}
console.log(`(bench took ${Math.round(performance.now() / 1000)} s)`);
process.exit(0); // the child-event waiters of the nodes' error watch keep timers alive
