/**
 * Leases and fencing across real node processes on a real redis-server: one host per worker at a time, takeover
 * after SIGKILL within leaseTtl + 1 s, a SIGSTOPped host fenced out after SIGCONT, graceful release at once.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { workerKeyPrefix } from '../../src/cluster/keys.js';
import { describeWithRedis } from '../stores/redis-available.js';
import { ChildNode } from './child-node.js';

const FIXTURE = 'test/fixtures/cluster-lease-node.ts';
const run = `${process.pid}-${Date.now().toString(36)}`;

describeWithRedis('cluster leases (child processes)', (url) => {
  let redis: Redis;
  const children: ChildNode[] = [];
  const node = (nodeId: string, ttl: number, startAt: number, workers: string[], writeEvery = 0) => {
    const child = new ChildNode(FIXTURE, [url, `${nodeId}-${run}`, String(ttl), String(startAt), workers.join(','), String(writeEvery)]);
    children.push(child);
    return child;
  };
  const ready = (nodes: ChildNode[]) => Promise.all(nodes.map((n) => n.waitFor((e) => e.event === 'ready', 15_000, 'ready')));

  beforeAll(() => {
    redis = new Redis(url);
  });
  afterEach(async () => {
    await Promise.all(children.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('nodes starting at the same instant never both hold a lease: one acquirer and one fenced marker per worker', async () => {
    const workers = Array.from({ length: 20 }, (_, i) => `race-${run}-${i}`);
    const nodes = ['a', 'b', 'c', 'd'].map((id) => node(id, 3000, -1, workers));
    await ready(nodes); // every child has loaded and connected: now all offer at the same instant
    const startAt = Date.now() + 300;
    for (const n of nodes) n.send(`offer-at ${startAt}`);
    await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now()) + 1200)); // well within one leaseTtl
    const acquired = nodes.flatMap((n) => n.events.filter((e) => e.event === 'acquired'));
    const writes = nodes.flatMap((n) => n.events.filter((e) => e.event === 'write'));
    expect(nodes.flatMap((n) => n.events.filter((e) => e.event === 'fenced' || e.event === 'lost'))).toEqual([]);
    for (const w of workers) {
      const holders = acquired.filter((e) => e.workerId === w);
      expect(holders, w).toHaveLength(1);
      expect(holders[0]!.token).toBe(1);
      // Every acquirer wrote under its token; only one write (the holder's) exists per worker.
      expect(writes.filter((e) => e.workerId === w).map((e) => e.node)).toEqual([holders[0]!.node]);
      const marker = JSON.parse((await redis.get(`${workerKeyPrefix(w)}marker`))!);
      expect(marker).toEqual({ nodeId: holders[0]!.node, token: 1 });
      expect(await redis.get(`${workerKeyPrefix(w)}lease`)).toBe(`${holders[0]!.node}|1`);
    }
    // All four nodes won some workers' races is likely, but not required; what matters is one winner each.
  });

  it('SIGKILL of the holder: the standby acquires within leaseTtl + 1 s with a newer token', async () => {
    const ttl = 1500;
    const w = `kill-${run}`;
    const a = node('a', ttl, 0, [w]);
    const first = await a.waitFor((e) => e.event === 'acquired', 15_000, 'a acquired');
    const b = node('b', ttl, 0, [w]);
    await b.waitFor((e) => e.event === 'offering', 15_000, 'b offering');
    await new Promise((r) => setTimeout(r, 300));
    expect(b.events.some((e) => e.event === 'acquired')).toBe(false); // standby while a lives
    const killedAt = Date.now();
    a.signal('SIGKILL');
    const taken = await b.waitFor((e) => e.event === 'acquired', ttl + 3000, 'b acquired');
    expect(taken.at - killedAt).toBeLessThanOrEqual(ttl + 1000);
    expect(taken.token).toBe((first.token as number) + 1);
  });

  it('a SIGSTOPped holder past its lease is fenced out after SIGCONT: none of its writes lands after the takeover', async () => {
    const ttl = 1000;
    const w = `stop-${run}`;
    const prefix = workerKeyPrefix(w);
    const a = node('a', ttl, 0, [w], 20);
    await a.waitFor((e) => e.event === 'acquired', 15_000, 'a acquired');
    const b = node('b', ttl, 0, [w], 20);
    await b.waitFor((e) => e.event === 'offering', 15_000, 'b offering');
    await a.waitFor((e) => e.event === 'write', 5000, 'a writes');
    a.signal('SIGSTOP');
    const taken = await b.waitFor((e) => e.event === 'acquired', ttl + 3000, 'b acquired');
    expect(taken.token).toBe(2);
    await b.waitFor((e) => e.event === 'write' && e.token === 2, 5000, 'b writes');
    const beforeCont = Number(await redis.get(`${prefix}count:1`));
    a.signal('SIGCONT');
    await a.waitFor((e) => e.event === 'lost', 5000, 'a notices it lost the lease');
    await a.waitFor((e) => e.event === 'fenced', 5000, 'a fenced out');
    await new Promise((r) => setTimeout(r, 300)); // a keeps trying to write with token 1 all along
    const aWrites = a.events.filter((e) => e.event === 'write');
    // Every write a reported as acknowledged is in Redis, and none landed after b took over.
    expect(Number(await redis.get(`${prefix}count:1`))).toBe(aWrites.length);
    expect(Number(await redis.get(`${prefix}count:1`))).toBe(beforeCont);
    expect(aWrites.every((e) => e.at < taken.at)).toBe(true);
    expect(a.events.filter((e) => e.event === 'fenced').every((e) => e.current === 2)).toBe(true);
    expect(JSON.parse((await redis.get(`${prefix}marker`))!)).toMatchObject({ token: 2 });
    expect(await redis.get(`${prefix}lease`)).toMatch(/\|2$/);
    // a stays standby: b renews its lease.
    expect(a.events.filter((e) => e.event === 'acquired')).toHaveLength(1);
  });

  it('graceful release hands the lease over at once, long before leaseTtl', async () => {
    const ttl = 10_000;
    const w = `release-${run}`;
    const a = node('a', ttl, 0, [w]);
    await a.waitFor((e) => e.event === 'acquired', 15_000, 'a acquired');
    const b = node('b', ttl, 0, [w]);
    await b.waitFor((e) => e.event === 'offering', 15_000, 'b offering');
    await new Promise((r) => setTimeout(r, 200));
    const releasedAt = Date.now();
    a.send(`release ${w}`);
    const taken = await b.waitFor((e) => e.event === 'acquired', 3000, 'b acquired');
    expect(taken.at - releasedAt).toBeLessThan(1000);
    expect(a.events.find((e) => e.event === 'lost')).toMatchObject({ reason: 'released' });
    a.send('exit');
    expect(await a.exited).toBe(0);
  });
});
