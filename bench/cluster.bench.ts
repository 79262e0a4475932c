/**
 * Cluster routing cost on a real redis-server, in one process: jobs posted on a node that does not host their worker
 * travel through BullMQ to the host and their results come back (`post` → `accepted()` → `done()`), against a raw
 * BullMQ baseline (Queue.add + a Worker that returns at once, waiting for every job to be processed). Both alternate,
 * median of the per-round ratios. Also: Redis commands sent per routed job (MONITOR), by command.
 * The host here accepts and ends jobs at once in memory, so the figures are the routing's own cost. Last: the time a
 * standby node process takes to hold a worker after its holder process is SIGKILLed (median of 3).
 * Run: node --expose-gc --import tsx bench/cluster.bench.ts
 */
import { Redis } from 'ioredis';
import { Queue, Worker } from 'bullmq';
import { LeaseManager } from '../src/cluster/lease.js';
import { Router } from '../src/cluster/router.js';
import type { ClusterHost, RemoteJobRequest, RemoteJobResult } from '../src/cluster/types.js';
import { ChildNode } from '../test/cluster/child-node.js';
import { startRedisServer } from '../test/setup/redis-server.js';
import { fmt, paired, printPaired } from './lib/measure.js';

const JOBS = Number(process.env.CLUSTER_BENCH_JOBS ?? 1000);
const TRIALS = Number(process.env.CLUSTER_BENCH_TRIALS ?? 5);

const instantHost: ClusterHost = {
  acceptRemote(request: RemoteJobRequest) {
    const result: RemoteJobResult = {
      jobId: request.jobId,
      workerId: request.workerId,
      flowId: request.flowName,
      status: 'completed',
      data: {},
      traceLog: [],
      output: [],
      createdAt: request.postedAt,
      completedAt: Date.now(),
    };
    return { accepted: Promise.resolve(), done: Promise.resolve(result) };
  },
};

const server = await startRedisServer();
const url = server.url;
const admin = new Redis(url);
try {
  const host = new LeaseManager({ url, nodeId: 'bench-host', leaseTtl: 10_000 });
  await host.start();
  const hostRouter = new Router({ url, nodeId: 'bench-host', leases: host, host: instantHost, concurrency: 64 });
  await hostRouter.start();
  const poster = new LeaseManager({ url, nodeId: 'bench-poster', leaseTtl: 10_000 });
  await poster.start();
  const posterRouter = new Router({ url, nodeId: 'bench-poster', leases: poster, host: instantHost, concurrency: 64 });
  await posterRouter.start();
  const acquired = new Promise<void>((resolve) => host.once('acquired', () => resolve()));
  host.offer('bench-worker');
  await acquired;

  let seq = 0;
  const routed = async (): Promise<number> => {
    const start = performance.now();
    const handles = Array.from({ length: JOBS }, () =>
      posterRouter.post({ workerId: 'bench-worker', jobId: `b${seq++}`, flowName: 'f', routineId: 'r', slotName: 's', data: { n: seq } }),
    );
    await Promise.all(handles.map((h) => h.done()));
    return JOBS / ((performance.now() - start) / 1000);
  };

  const bullConnection = new Redis(url, { maxRetriesPerRequest: null });
  const queue = new Queue('bench-raw', { connection: bullConnection });
  let processed = 0;
  let wake: (() => void) | undefined;
  const worker = new Worker(
    'bench-raw',
    async () => {
      if (++processed >= JOBS) wake?.();
    },
    { connection: bullConnection, concurrency: 64, drainDelay: 5 },
  );
  await worker.waitUntilReady();
  let rawSeq = 0;
  const raw = async (): Promise<number> => {
    processed = 0;
    const all = new Promise<void>((resolve) => (wake = resolve));
    const start = performance.now();
    await Promise.all(Array.from({ length: JOBS }, () => queue.add('j', { n: rawSeq }, { jobId: `raw-${rawSeq++}`, removeOnComplete: true })));
    await all;
    return JOBS / ((performance.now() - start) / 1000);
  };

  await routed(); // warm up: scripts loaded, connections ready
  await raw();
  const result = await paired(TRIALS, routed, raw);
  console.log(`routed jobs (${JOBS} per round, ${TRIALS} rounds), ratio vs raw BullMQ add+process in the same process:`);
  printPaired('routed post → host → result back', result, 'raw BullMQ', 'jobs/s');

  // Commands clients sent per routed job (MONITOR, leaving out what Lua scripts call inside): an upper bound on
  // round trips, as ioredis pipelines commands sent together. BullMQ's background work (lock renewal, stalled
  // checks) is included.
  const clients = (await admin.client('LIST')) as string;
  const names = new Map<string, number>();
  for (const line of clients.split('\n').filter(Boolean)) {
    const name = /name=(\S*)/.exec(line)?.[1] || '(unnamed)';
    const kind = name.replace(/bench-(host|poster)/, '<node>').replace(/:[A-Za-z0-9+/=]+$/, ':<queue>');
    names.set(kind, (names.get(kind) ?? 0) + 1);
  }
  console.log(`connections to Redis now (2 nodes, the raw baseline, this admin): ${[...names].map(([n, c]) => `${c} × ${n}`).join(', ')}`);
  const monitorSource = new Redis(url);
  const monitor = await monitorSource.monitor();
  const sent = new Map<string, number>();
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (source === 'lua') return;
    const name = args[0]!.toLowerCase();
    sent.set(name, (sent.get(name) ?? 0) + 1);
  });
  await new Promise((r) => setTimeout(r, 100));
  sent.clear();
  await routed();
  monitor.disconnect();
  monitorSource.disconnect();
  const perJob = [...sent].map(([n, c]) => [n, c / JOBS] as const).sort((a, b) => b[1] - a[1]);
  const total = perJob.reduce((a, [, c]) => a + c, 0);
  console.log(`Redis commands sent per routed job: ${fmt(total)} (${perJob.map(([n, c]) => `${n} ${c.toFixed(2)}`).join(', ')})`);

  // Takeover after SIGKILL: two node processes offer one worker; the holder is killed; time until the other holds it.
  const ttl = 1000;
  const takeovers: number[] = [];
  for (let i = 0; i < 3; i++) {
    const w = `takeover-${i}`;
    const holder = new ChildNode('test/fixtures/cluster-lease-node.ts', [url, `t${i}-a`, String(ttl), '0', w]);
    await holder.waitFor((e) => e.event === 'acquired', 20_000);
    const standby = new ChildNode('test/fixtures/cluster-lease-node.ts', [url, `t${i}-b`, String(ttl), '0', w]);
    await standby.waitFor((e) => e.event === 'offering', 20_000);
    await new Promise((r) => setTimeout(r, 200));
    const killedAt = Date.now();
    holder.signal('SIGKILL');
    const taken = await standby.waitFor((e) => e.event === 'acquired', ttl + 5000);
    takeovers.push(taken.at - killedAt);
    await Promise.all([holder.stop(), standby.stop()]);
  }
  takeovers.sort((a, b) => a - b);
  console.log(`takeover after SIGKILL with leaseTtl ${ttl} ms: median ${takeovers[1]} ms (${takeovers.join(', ')}; aim ≤ leaseTtl + 1000)`);

  await worker.close();
  await queue.close();
  bullConnection.disconnect();
  await posterRouter.close();
  await hostRouter.close();
  await poster.close();
  await host.close();
} finally {
  await admin.quit();
  await server.stop();
}
