/**
 * Runtimes with the `cluster` option in real child processes on the real redis-server, with hosts dying or pausing:
 * three nodes and a client with one node SIGKILLed mid-run, and a host SIGSTOPped past its lease then SIGCONTed.
 * Every accepted job completes exactly once (a per-job marker in the durable WorkerState is 1, the counters equal
 * the number of jobs), whatever node ran it.
 */
import { afterEach, expect, it } from 'vitest';
import type { ChildNode } from './child-node.js';
import { describeWithRedis } from '../stores/redis-available.js';
import {
  clientSummary,
  hostedReports,
  keysOfWorker,
  lastStatus,
  runningOn,
  spawnClient,
  spawnNode,
  statusAfter,
  stopAll,
  waitForHosts,
  waitForStatus,
  type RuntimeNode,
} from '../fixtures/cluster-runtime-harness.js';

const run = `${process.pid}-${Date.now().toString(36)}`;
const LEASE_TTL = 1000;

describeWithRedis('cluster runtime: failover', (url) => {
  const children: ChildNode[] = [];
  const node = (id: string, workers: readonly string[]): RuntimeNode => {
    const n = spawnNode(url, `${id}-${run}`, LEASE_TTL, workers);
    children.push(n.child);
    return n;
  };
  afterEach(async () => {
    await stopAll(children.splice(0));
  });

  it('3 nodes + 1 client, 3,000 jobs over 6 workers, one node SIGKILLed mid-run: taken over within leaseTtl + 2 s, every job exactly once', async () => {
    const jobs = 3000;
    const workers = Array.from({ length: 6 }, (_, i) => `kill-${run}-${i}`);
    const nodes = ['a', 'b', 'c'].map((id) => node(id, workers));
    await Promise.all(nodes.map((n) => n.child.waitFor((e) => e.event === 'ready', 20_000, `${n.id} ready`)));
    const startAt = Date.now() + 300;
    for (const n of nodes) n.child.send(`exec-at ${startAt}`);
    await waitForHosts(nodes, workers, 10_000);

    const client = spawnClient(url, `client-${run}`, LEASE_TTL, workers, jobs, 50, 5, 5);
    children.push(client);
    await client.waitFor((e) => e.event === 'progress' && (e.accepted as number) >= jobs / 3, 40_000, 'a third of the jobs accepted');

    // Kill the node hosting the most workers now (the first to start often won them all).
    const hosts = new Map(workers.map((w) => [w, runningOn(nodes, w)[0]] as const));
    const load = (n: RuntimeNode) => [...hosts.values()].filter((h) => h === n).length;
    const victim = [...nodes].sort((x, y) => load(y) - load(x))[0]!;
    const orphaned = workers.filter((w) => hosts.get(w) === victim);
    const survivors = nodes.filter((n) => n !== victim);
    const killedAt = Date.now();
    victim.child.signal('SIGKILL');
    const atKill = client.events.filter((e) => e.event === 'progress').at(-1);
    console.log(`SIGKILL of ${victim.id} at ${killedAt}, hosting ${orphaned.join(', ')}; client progress then: ${JSON.stringify(atKill)}`);
    // Each orphaned worker was running on a survivor within leaseTtl + 2 s of the kill.
    const takeoverMs: number[] = [];
    for (const w of orphaned) {
      const first = await Promise.any(survivors.map((n) => waitForStatus(n, w, 'running', killedAt, LEASE_TTL + 10_000, nodes))).catch((e: AggregateError) => {
        throw e.errors[0];
      });
      takeoverMs.push(first.at - killedAt);
    }
    console.log(`takeover after the SIGKILL: ${takeoverMs.join(', ')} ms (leaseTtl ${LEASE_TTL})`);
    for (const [i, ms] of takeoverMs.entries()) expect(ms, `takeover time of ${orphaned[i]}`).toBeLessThanOrEqual(LEASE_TTL + 2000);

    const summary = await clientSummary(url, client, nodes, 45_000);
    expect(summary, JSON.stringify(summary.failures)).toMatchObject({ accepted: jobs, done: jobs, statuses: { completed: jobs }, notCompleted: [] });
    // The client execs nothing: every WorkerState its posts returned was a standby handle.
    expect(summary.standby).toEqual({ standby: expect.any(Number) });

    // The durable state, read on each worker's (single) surviving host: every job's intake applied exactly once.
    const reports = await hostedReports(survivors, workers);
    workers.forEach((w, index) => {
      const report = reports.get(w)!;
      const keys = keysOfWorker(index, workers.length, jobs);
      expect(report.intake, `${w} intake counter`).toBe(keys.length);
      expect(report.count, `${w} count counter`).toBe(keys.length);
      expect(Object.keys(report.markers).sort(), `${w} markers`).toEqual([...keys].sort());
      expect(Object.entries(report.markers).filter(([, n]) => n !== 1), `${w} markers applied more than once`).toEqual([]);
      expect(Object.values(report.nodes).reduce((a, b) => a + b, 0)).toBe(keys.length);
    });
    // The kill came mid-run: the victim had applied some of its workers' jobs, survivors applied the rest.
    const byVictim = orphaned.reduce((sum, w) => sum + (reports.get(w)!.nodes[victim.id] ?? 0), 0);
    expect(byVictim, 'jobs of the orphaned workers applied by the victim before the kill').toBeGreaterThan(0);
    for (const w of orphaned) expect(Object.keys(reports.get(w)!.nodes).some((id) => id !== victim.id), `${w} jobs applied by survivors`).toBe(true);
  }, 60_000);

  it('a host SIGSTOPped past its lease then SIGCONTed: it drops the workers, none of its writes lands, counters stay exact', async () => {
    const jobs = 400;
    const workers = [`stop-${run}-0`, `stop-${run}-1`];
    const a = node('a', workers);
    const b = node('b', workers);
    await Promise.all([a, b].map((n) => n.child.waitFor((e) => e.event === 'ready', 20_000, `${n.id} ready`)));
    a.child.send(`exec-at ${Date.now()}`);
    await waitForHosts([a], workers, 10_000);
    b.child.send(`exec-at ${Date.now()}`);
    for (const w of workers) await waitForStatus(b, w, 'standby', 0, 10_000, [a, b]);

    // Each intake waits 30 ms between its two updates: the stop finds some with one written and one to write.
    const client = spawnClient(url, `client-stop-${run}`, LEASE_TTL, workers, jobs, 10, 15, 30);
    children.push(client);
    await client.waitFor((e) => e.event === 'progress' && (e.done as number) >= 40, 30_000, '40 jobs done');

    // Pause a while it is running jobs; b takes over once a's leases lapse. (Under load a lease may have moved to b
    // already: the workers a hosts at the stop are the ones that must move.)
    const held = workers.filter((w) => lastStatus(a, w) === 'running');
    expect(held.length, 'workers a hosts when it is stopped').toBeGreaterThan(0);
    const stoppedAt = Date.now();
    a.child.signal('SIGSTOP');
    console.log(`SIGSTOP of a at ${stoppedAt - (client.events[0]?.at ?? 0)} ms after the client started, hosting ${held.join(', ')}`);
    for (const w of held) await waitForStatus(b, w, 'running', stoppedAt, LEASE_TTL + 10_000, [a, b]);
    // Let b run jobs of its own for a while, then wake a: it must notice the loss and drop both workers.
    await client.waitFor((e) => e.event === 'progress' && (e.accepted as number) >= 250, 30_000, '250 jobs accepted');
    const continuedAt = Date.now();
    a.child.signal('SIGCONT');
    console.log(`SIGCONT of a at ${continuedAt - (client.events[0]?.at ?? 0)} ms after the client started`);
    for (const w of held) await waitForStatus(a, w, 'standby', continuedAt, 10_000, [a, b]);

    const summary = await clientSummary(url, client, [a, b], 40_000);
    expect(summary, JSON.stringify(summary.failures)).toMatchObject({ accepted: jobs, done: jobs, statuses: { completed: jobs }, notCompleted: [] });
    // a never came back as a host while b held the workers.
    for (const w of workers) {
      expect(statusAfter(a, w, 'running', continuedAt), `${w} running again on a`).toBeUndefined();
      expect(lastStatus(b, w)).toBe('running');
    }

    const onB = await hostedReports([a, b], workers);
    workers.forEach((w, index) => {
      const report = onB.get(w)!;
      const keys = keysOfWorker(index, workers.length, jobs);
      expect(report.host).toBe(b.id);
      expect(report.intake, `${w} intake`).toBe(keys.length);
      expect(report.count, `${w} count`).toBe(keys.length);
      expect(Object.keys(report.markers).sort()).toEqual([...keys].sort());
      expect(Object.entries(report.markers).filter(([, n]) => n !== 1)).toEqual([]);
      // a applied jobs before it was paused (40 were done by then), b the ones after.
      if (held.includes(w)) expect(Object.keys(report.nodes).sort(), `nodes that applied ${w}'s jobs: ${JSON.stringify(report.nodes)}`).toEqual([a.id, b.id].sort());
    });

    // What is durable is exactly what b had: b leaves gracefully and another node restores the workers from Redis.
    // Had any write of the paused a landed after the takeover, the restored state would differ.
    b.child.send('exit');
    await b.child.waitFor((e) => e.event === 'exited', 10_000, 'b exited');
    const c = node('c', workers);
    await c.child.waitFor((e) => e.event === 'ready', 20_000, 'c ready');
    c.child.send(`exec-at ${Date.now()}`);
    await waitForHosts([a, c], workers, 10_000);
    const restored = await hostedReports([a, c], workers);
    for (const w of workers) {
      const { host: _restoredOn, ...state } = restored.get(w)!;
      const { host: _ranOn, ...before } = onB.get(w)!;
      expect(state, `${w} restored from the store`).toEqual(before);
    }
  }, 60_000);
});
