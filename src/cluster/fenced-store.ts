import type { Redis } from 'ioredis';
import { FencedOutError, InvalidArgumentError, RoutiluxError, StoreConnectionError, StoreOperationError } from '../errors.js';
import { resolveCodec, type Codec, type Serializer, type SerializerName } from '../stores/serializers.js';
import { checkClusterWorkerId, leaseKeys, workerKeyPrefix } from './keys.js';

/**
 * KEYS[1] the worker's fence counter, then the keys of the preconditions, then the keys of the operations.
 * ARGV[1] the writer's token, ARGV[2] how many preconditions, then per precondition a mode ('a' absent, 'e' equal)
 * and the expected data, then per operation 's' data px ('' for none) | 'd' | 'i' by.
 * Replies {-1, fence} when a newer token exists (nothing applied), {0, i} when precondition i failed (nothing
 * applied), {1, fence} when every operation was applied.
 */
const FENCED_WRITE = `
local fence = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) < fence then return {-1, fence} end
local n = tonumber(ARGV[2])
local a = 3
local k = 2
for i = 1, n do
  local v = redis.call('GET', KEYS[k])
  if ARGV[a] == 'a' then
    if v then return {0, i} end
  elseif v ~= ARGV[a + 1] then return {0, i} end
  a = a + 2
  k = k + 1
end
while a <= #ARGV do
  local op = ARGV[a]
  if op == 's' then
    if ARGV[a + 2] == '' then redis.call('SET', KEYS[k], ARGV[a + 1]) else redis.call('SET', KEYS[k], ARGV[a + 1], 'PX', ARGV[a + 2]) end
    a = a + 3
  elseif op == 'd' then
    redis.call('DEL', KEYS[k])
    a = a + 1
  else
    redis.call('INCRBY', KEYS[k], ARGV[a + 1])
    a = a + 2
  end
  k = k + 1
end
return {1, fence}
`;

interface FencedCommands {
  routiluxFencedWrite(numKeys: number, ...args: (string | Buffer | number)[]): Promise<[number, number]>;
}

const defined = new WeakSet<object>();

function scripted(client: Redis): Redis & FencedCommands {
  if (!defined.has(client)) {
    client.defineCommand('routiluxFencedWrite', { lua: FENCED_WRITE }); // no numberOfKeys: the call passes it first
    defined.add(client);
  }
  return client as Redis & FencedCommands;
}

/** One operation of a fenced batch; keys are relative to the store's keyPrefix and must be the worker's. */
export type FencedOp =
  | { readonly op: 'set'; readonly key: string; readonly value: unknown; readonly ttl?: number }
  | { readonly op: 'delete'; readonly key: string }
  /** Adds `by` to an integer (a json-encoded integer is its decimal text, so RedisStore reads it back). */
  | { readonly op: 'increment'; readonly key: string; readonly by: number };

/** A condition checked in the same script before anything is applied. */
export type FencedCondition = { readonly key: string; readonly absent: true } | { readonly key: string; readonly equals: unknown };

/** A set of writes applied all-or-nothing, only while no newer token exists. */
export interface FencedBatch {
  readonly ops: readonly FencedOp[];
  readonly conditions?: readonly FencedCondition[];
}

/** An entry `[key, value]` or `[key, value, ttl ms]` for `writeAtomically`. */
export type FencedEntry = readonly [key: string, value: unknown, ttl?: number];

/** Options of `fencedWriter`. */
export interface FencedWriterOptions {
  /** The RedisStore's keyPrefix, so keys land where the store reads them. Default ''. */
  readonly keyPrefix?: string;
  /** The RedisStore's serializer, so values are encoded as the store encodes them. Default 'json'. */
  readonly serializer?: SerializerName | Serializer;
  /** The store's own codec (instead of `serializer`): what a Runtime passes, from the store it was given. */
  readonly codec?: Codec;
}

/** Writes for one worker that Redis refuses once another node took the worker over. */
export interface FencedWriter {
  readonly workerId: string;
  readonly token: number;
  /**
   * Sets `entries` and deletes `deletes`, all or nothing, in one Lua script; rejects with FencedOutError (nothing
   * applied) when a newer token exists. The shape of the durable log's `writeAtomically` adapter.
   */
  writeAtomically(entries: readonly FencedEntry[], deletes?: readonly string[]): Promise<void>;
  /** Applies a batch; resolves false (nothing applied) when a condition does not hold; FencedOutError as above. */
  apply(batch: FencedBatch): Promise<boolean>;
}

/**
 * A writer for `workerId`'s keys (`routilux:{<workerId>}:…`) carrying the fencing `token` of its lease: every batch
 * is applied by a Lua script only if the fence counter is not past `token`, so a paused or cut-off old host can
 * never write after another node took over. Values are encoded with the store's codec (json by default).
 */
export function fencedWriter(redis: Redis, workerId: string, token: number, options: FencedWriterOptions = {}): FencedWriter {
  checkClusterWorkerId(workerId);
  if (!Number.isSafeInteger(token) || token < 1) throw new InvalidArgumentError('token', token, 'a fencing token (a whole number ≥ 1) from LeaseManager');
  const keyPrefix = options.keyPrefix ?? '';
  if (keyPrefix.includes('{') || keyPrefix.includes('}')) {
    throw new InvalidArgumentError('keyPrefix', keyPrefix, 'a prefix without "{" or "}" (the worker id must be the hash tag of its keys)');
  }
  const codec = options.codec ?? resolveCodec(options.serializer, false);
  const own = workerKeyPrefix(workerId);
  const { fence, lease } = leaseKeys(keyPrefix, workerId);
  const client = scripted(redis);

  const keyOf = (key: unknown): string => {
    if (typeof key !== 'string' || !key.startsWith(own)) {
      throw new InvalidArgumentError('key', key, `a key of worker "${workerId}" (starting with "${own}")`);
    }
    const full = keyPrefix + key;
    if (full === fence || full === lease) throw new InvalidArgumentError('key', key, 'a data key, not the lease or fence key');
    return full;
  };

  const apply = async (batch: FencedBatch): Promise<boolean> => {
    const conditions = batch.conditions ?? [];
    const keys: string[] = [fence];
    const args: (string | Buffer | number)[] = [token, conditions.length];
    for (const c of conditions) {
      const full = keyOf(c.key);
      keys.push(full);
      if ('absent' in c) args.push('a', '');
      else args.push('e', encode(codec, c.equals, full, keyPrefix.length));
    }
    for (const o of batch.ops) {
      const full = keyOf(o.key);
      keys.push(full);
      if (o.op === 'set') {
        if (o.ttl !== undefined && !(Number.isSafeInteger(o.ttl) && o.ttl > 0)) throw new InvalidArgumentError('ttl', o.ttl, 'a whole number of ms > 0');
        args.push('s', encode(codec, o.value, full, keyPrefix.length), o.ttl === undefined ? '' : o.ttl);
      } else if (o.op === 'delete') args.push('d');
      else if (o.op === 'increment') {
        if (!Number.isSafeInteger(o.by)) throw new InvalidArgumentError('by', o.by, 'a whole number');
        args.push('i', o.by);
      } else throw new InvalidArgumentError('op', (o as { op: unknown }).op, '"set", "delete" or "increment"');
    }
    let reply: [number, number];
    try {
      reply = await client.routiluxFencedWrite(keys.length, ...keys, ...args);
    } catch (error) {
      throw writeError(error, workerId);
    }
    if (reply[0] === -1) throw new FencedOutError(workerId, token, reply[1]);
    return reply[0] === 1;
  };

  return {
    workerId,
    token,
    apply,
    async writeAtomically(entries, deletes = []) {
      const ops: FencedOp[] = entries.map(([key, value, ttl]) => ({ op: 'set', key, value, ...(ttl === undefined ? {} : { ttl }) }));
      for (const key of deletes) ops.push({ op: 'delete', key });
      await apply({ ops });
    },
  };
}

function encode(codec: Codec, value: unknown, key: string, keyOffset: number): string | Buffer {
  const data = codec.encode(value, key, keyOffset) as string | Uint8Array;
  return typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function writeError(error: unknown, workerId: string): Error {
  if (error instanceof RoutiluxError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error && error.name === 'ReplyError' && !/^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|READONLY)\b/.test(message)) {
    return new StoreOperationError(`a fenced write for worker "${workerId}"`, 'Redis', message, 'The write was not applied.', { cause: error });
  }
  return new StoreConnectionError(
    `A fenced write for worker "${workerId}" failed: ${message}; it may or may not have been applied. Retry once Redis is reachable ` +
      '(a retry is refused with FencedOutError if another node has taken the worker over meanwhile).',
    { cause: error },
  );
}
