import type { Redis } from 'ioredis';

/**
 * The Lua scripts behind leases. Each runs as one command, so the check and the write inside it see nothing come in
 * between; expiry (PX) is counted by Redis's own clock. A lease's value is `<nodeId>|<token>`.
 * KEYS[1] is the worker's lease key, KEYS[2] its fence counter: both carry the worker's hash tag.
 */

/**
 * ARGV: nodeId, ttl, the value this node held before ('' if none: a node may take back its own lapsed lease with a
 * new token). Replies {1, value, token} when acquired, {0, holder value, PTTL ms} when another holds it.
 */
const ACQUIRE = `
local cur = redis.call('GET', KEYS[1])
if cur and cur ~= ARGV[3] then return {0, cur, redis.call('PTTL', KEYS[1])} end
local token = redis.call('INCR', KEYS[2])
local value = ARGV[1] .. '|' .. token
redis.call('SET', KEYS[1], value, 'PX', ARGV[2])
return {1, value, token}
`;

/**
 * ARGV: value, ttl, token. Extends the lease if this node still holds it with this token; if it has just lapsed
 * and nobody took a newer token since (the fence still equals ours), sets it again. Replies 1, or 0 when lost.
 */
const RENEW = `
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if not cur and redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0
`;

/** ARGV: value, channel, workerId. Deletes the lease only if this node holds it, and announces it. Replies 1 or 0. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], ARGV[3])
  return 1
end
return 0
`;

/** KEYS[1] the nodes sorted set; ARGV: nodeId, ttl. Scores the node with Redis's now + ttl; replies now. */
const HEARTBEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
return now
`;

/** KEYS[1] the nodes sorted set. Replies the ids of nodes whose heartbeat has lapsed (by Redis's clock). */
const LAPSED_NODES = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
`;

/** KEYS[1] the nodes sorted set; ARGV: nodeId. Removes the node only while its heartbeat is still lapsed. */
const FORGET_NODE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) <= now then return redis.call('ZREM', KEYS[1], ARGV[1]) end
return 0
`;

/** A client (or pipeline) with the lease scripts defined on it. */
export interface LeaseCommands {
  routiluxLeaseAcquire(lease: string, fence: string, nodeId: string, ttl: number, previous: string): Promise<[1, string, number] | [0, string, number]>;
  routiluxLeaseRenew(lease: string, fence: string, value: string, ttl: number, token: number): Promise<0 | 1>;
  routiluxLeaseRelease(lease: string, fence: string, value: string, channel: string, workerId: string): Promise<0 | 1>;
  routiluxNodeHeartbeat(nodes: string, nodeId: string, ttl: number): Promise<number>;
  routiluxLapsedNodes(nodes: string): Promise<string[]>;
  routiluxForgetNode(nodes: string, nodeId: string): Promise<0 | 1>;
}

const defined = new WeakSet<object>();

/** Defines the lease scripts on `client` once (ioredis sends each with EVAL once, then EVALSHA). */
export function leaseScripts(client: Redis): Redis & LeaseCommands {
  if (!defined.has(client)) {
    client.defineCommand('routiluxLeaseAcquire', { numberOfKeys: 2, lua: ACQUIRE });
    client.defineCommand('routiluxLeaseRenew', { numberOfKeys: 2, lua: RENEW });
    client.defineCommand('routiluxLeaseRelease', { numberOfKeys: 2, lua: RELEASE });
    client.defineCommand('routiluxNodeHeartbeat', { numberOfKeys: 1, lua: HEARTBEAT });
    client.defineCommand('routiluxLapsedNodes', { numberOfKeys: 1, lua: LAPSED_NODES });
    client.defineCommand('routiluxForgetNode', { numberOfKeys: 1, lua: FORGET_NODE });
    defined.add(client);
  }
  return client as Redis & LeaseCommands;
}

/** Splits a lease value `<nodeId>|<token>`. */
export function parseLease(value: string): { readonly nodeId: string; readonly token: number } {
  const bar = value.lastIndexOf('|');
  return { nodeId: value.slice(0, bar), token: Number(value.slice(bar + 1)) };
}
