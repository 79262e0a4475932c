import { workerKeys } from '../durable/keys.js';
import { InvalidArgumentError } from '../errors.js';

/**
 * Where the cluster keeps its data in Redis. Every key of one worker starts with `routilux:{<workerId>}:`, so the
 * `{...}` hash tag puts them in one Redis Cluster slot and one Lua script may touch all of them.
 */

const NODE_ID = /^[A-Za-z0-9._-]{1,100}$/;

/** Checks a node id: it names a BullMQ queue and sits in keys, so only letters, digits, `.`, `_` and `-`. */
export function checkNodeId(nodeId: unknown, argument = 'cluster.nodeId'): string {
  if (typeof nodeId !== 'string' || !NODE_ID.test(nodeId)) {
    throw new InvalidArgumentError(argument, nodeId, 'a string of 1 to 100 letters, digits, ".", "_" or "-" (e.g. "node-a"), unique per process');
  }
  return nodeId;
}

/**
 * Checks a worker id for the cluster: any non-empty string (characters that would end the Redis Cluster hash tag of
 * its keys are percent-encoded in them, as the durable log's keys are).
 */
export function checkClusterWorkerId(workerId: unknown, argument = 'workerId'): string {
  if (typeof workerId !== 'string' || workerId === '') {
    throw new InvalidArgumentError(argument, workerId, 'a non-empty string naming the worker');
  }
  return workerId;
}

/**
 * The prefix of every key of one worker (after the store's keyPrefix): `routilux:{<workerId>}:`, the durable log's
 * own prefix (its id percent-encoded the same way), so lease, fence and log share one Redis Cluster slot.
 */
export function workerKeyPrefix(workerId: string): string {
  return workerKeys(workerId).prefix;
}

/** The keys of one worker's lease: who hosts it (PX leaseTtl) and the fencing counter (never expires). */
export function leaseKeys(keyPrefix: string, workerId: string): { readonly lease: string; readonly fence: string } {
  const base = keyPrefix + workerKeyPrefix(workerId);
  return { lease: `${base}lease`, fence: `${base}fence` };
}

/** The sorted set of nodes, scored by when their heartbeat lapses (ms on Redis's clock). */
export const nodesKey = (keyPrefix: string): string => `${keyPrefix}routilux:nodes`;

/** Channel on which a released lease is announced, so a standby node takes it at once. */
export const releasedChannel = (keyPrefix: string): string => `${keyPrefix}routilux:lease-released`;

/** The lock one node holds while it drains a dead node's inbox. */
export const drainLockKey = (keyPrefix: string, nodeId: string): string => `${keyPrefix}routilux:drain:${nodeId}`;

/** A node's BullMQ inbox queue: braces make it one Redis Cluster slot per node. */
export const inboxName = (nodeId: string): string => `{routilux-node-${nodeId}}`;
