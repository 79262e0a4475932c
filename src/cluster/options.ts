import { ClusterConfigurationError, InvalidArgumentError } from '../errors.js';
import { describe } from '../errors/base.js';
import { RedisStore } from '../stores/redis-store.js';
import { isPlainObject } from '../util/args.js';
import { checkNodeId } from './keys.js';
import { connectOrFail, openClient } from './redis-client.js';

/** The `cluster` option of a Runtime: several processes on one Redis, one host per worker. */
export interface ClusterOptions {
  /** The Redis every node shares (the store's Redis): `redis://host:port/db` or `rediss://…`. */
  readonly url: string;
  /** This process's id, unique among the nodes: letters, digits, `.`, `_`, `-` (it names this node's BullMQ inbox). */
  readonly nodeId: string;
  /**
   * How long (ms) a worker's lease lives without renewal. A node that dies loses its workers after this long, so
   * shorter means faster takeover; longer means fewer renewals and more tolerance of pauses (GC, a busy event loop,
   * a slow Redis) before a healthy node is fenced out. Default 10000; at least 300.
   */
  readonly leaseTtl?: number;
  /** How long (ms) starting may wait for Redis before StoreConnectionError. Default 10000. */
  readonly connectTimeout?: number;
  /**
   * How many replicas must have each durable write of a host before it counts as durable (Redis `WAIT`, sent in the
   * same round trip): `accepted()` and `done()` then never report what a failover to a replica could lose. Default 0
   * (replication is asynchronous: see the README on failover). A write the replicas do not confirm within
   * `waitTimeout` is not reported durable and is retried.
   */
  readonly waitReplicas?: number;
  /** How long (ms) a write waits for `waitReplicas` replicas. Default 1000. */
  readonly waitTimeout?: number;
}

/** ClusterOptions with defaults applied. */
export interface ResolvedClusterOptions {
  readonly url: string;
  readonly nodeId: string;
  readonly leaseTtl: number;
  readonly connectTimeout: number;
  readonly waitReplicas: number;
  readonly waitTimeout: number;
}

const KNOWN = new Set(['url', 'nodeId', 'leaseTtl', 'connectTimeout', 'waitReplicas', 'waitTimeout']);
const MAX_DELAY = 2_147_483_647;

function checkMs(value: unknown, name: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_DELAY) {
    throw new InvalidArgumentError(name, value, `a whole number of milliseconds from ${min} to ${MAX_DELAY}`);
  }
  return value;
}

function checkReplicas(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 100) {
    throw new InvalidArgumentError('cluster.waitReplicas', value, 'a whole number of replicas from 0 to 100 (0: do not wait)');
  }
  return value;
}

/** Whether `store` keeps its data on Redis: a RedisStore (or a view of one), or a `redis://` URL. */
function isRedisStore(store: unknown): boolean {
  if (typeof store === 'string') return /^rediss?:\/\//.test(store);
  if (store instanceof RedisStore) return true;
  return typeof store === 'object' && store !== null && Object.prototype.toString.call(store).startsWith('[object RedisStore');
}

/**
 * Checks a Runtime's `cluster` option against its `store` and applies the defaults. A cluster needs a store on
 * Redis: that is where hosts keep workers durable and where a new host restores them from.
 */
export function resolveClusterOptions(cluster: unknown, store: unknown): ResolvedClusterOptions {
  if (!isPlainObject(cluster)) {
    throw new InvalidArgumentError('cluster', cluster, 'an object such as { url: "redis://127.0.0.1:6379", nodeId: "node-a", leaseTtl: 10000 }');
  }
  for (const key of Object.keys(cluster)) {
    if (!KNOWN.has(key)) throw new InvalidArgumentError(`cluster.${key}`, cluster[key], `not set: the cluster options are ${[...KNOWN].join(', ')}`);
  }
  if (store === undefined) {
    throw new ClusterConfigurationError(
      'no store was given',
      'A cluster keeps every worker durable so another node can take it over: pass store: new RedisStore({ url }) on the same Redis as cluster.url.',
    );
  }
  if (!isRedisStore(store)) {
    throw new ClusterConfigurationError(
      `the store is ${typeof store === 'string' ? JSON.stringify(store) : Object.prototype.toString.call(store).slice(8, -1) || describe(store)}, not on Redis`,
      'Every node must restore workers from the same durable data, so the store must be a RedisStore on the Redis all nodes share (new RedisStore({ url })).',
    );
  }
  const { url } = cluster;
  if (typeof url !== 'string' || !/^rediss?:\/\//.test(url)) {
    throw new InvalidArgumentError('cluster.url', url, 'a Redis URL such as "redis://127.0.0.1:6379/0" (or "rediss://" for TLS), the one the store uses');
  }
  return {
    url,
    nodeId: checkNodeId(cluster.nodeId),
    leaseTtl: cluster.leaseTtl === undefined ? 10_000 : checkMs(cluster.leaseTtl, 'cluster.leaseTtl', 300),
    connectTimeout: cluster.connectTimeout === undefined ? 10_000 : checkMs(cluster.connectTimeout, 'cluster.connectTimeout', 1),
    waitReplicas: cluster.waitReplicas === undefined ? 0 : checkReplicas(cluster.waitReplicas),
    waitTimeout: cluster.waitTimeout === undefined ? 1000 : checkMs(cluster.waitTimeout, 'cluster.waitTimeout', 1),
  };
}

/** Connects once to the cluster's Redis: resolves when it answers, else StoreConnectionError after connectTimeout. */
export async function checkClusterReachable(options: ResolvedClusterOptions): Promise<void> {
  const client = await openClient(options.url, 'control', options.connectTimeout, `routilux:check:${options.nodeId}`);
  await connectOrFail(client, options.connectTimeout, options.url);
  await client.quit().catch(() => client.disconnect());
}
