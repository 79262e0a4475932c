import type { Redis } from 'ioredis';

/**
 * The Lua scripts behind RedisStore's atomic operations. Redis runs a script as one command, so nothing comes in
 * between its read and its write. They are defined on the client with ioredis's defineCommand (sent once per
 * connection with EVAL, then called by EVALSHA).
 */

/**
 * increment for the json serializer, whose integers are their decimal text. KEYS[1]; ARGV[1] by; ARGV[2] PX
 * for a key it creates ('' for none). Replies {1, new number}, or {0, stored text} when the key holds
 * something else, or {2, stored text} when the result would pass ±Number.MAX_SAFE_INTEGER (nothing changed).
 * An existing key keeps its TTL (INCRBY does not touch it).
 */
const INCREMENT = `
local v = redis.call('GET', KEYS[1])
if not v then
  if ARGV[2] == '' then redis.call('SET', KEYS[1], ARGV[1]) else redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
  return {1, tonumber(ARGV[1])}
end
if not (v == '0' or string.match(v, '^%-?[1-9]%d*$')) then return {0, v} end
if #v > 17 then return {2, v} end
local n = tonumber(v) + tonumber(ARGV[1])
if n > 9007199254740991 or n < -9007199254740991 then return {2, v} end
return {1, redis.call('INCRBY', KEYS[1], ARGV[1])}
`;

/**
 * compareAndSet on the stored bytes. KEYS[1]; ARGV[1] 'absent' (the key must hold nothing) or 'equal' (it must
 * hold ARGV[2]); ARGV[3] the new data; ARGV[4] 'keep' (keep the TTL), 'none' (no TTL) or a PX in ms.
 * Replies 1 when it wrote, 0 when it did not.
 */
const COMPARE_AND_SET = `
local v = redis.call('GET', KEYS[1])
if ARGV[1] == 'absent' then
  if v then return 0 end
elseif v ~= ARGV[2] then
  return 0
end
if ARGV[4] == 'keep' then redis.call('SET', KEYS[1], ARGV[3], 'KEEPTTL')
elseif ARGV[4] == 'none' then redis.call('SET', KEYS[1], ARGV[3])
else redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4]) end
return 1
`;

/** A client with the scripts defined on it. */
export interface ScriptedClient {
  routiluxIncrement(key: string, by: number, px: string): Promise<[status: 0 | 1 | 2, result: number | string]>;
  routiluxCompareAndSet(key: string, mode: 'absent' | 'equal', expected: string | Buffer, next: string | Buffer, ttl: string): Promise<0 | 1>;
}

const defined = new WeakSet<object>();

/** Defines the scripts on `client` once, and returns it typed with them. */
export function scripted(client: Redis): ScriptedClient {
  if (!defined.has(client)) {
    client.defineCommand('routiluxIncrement', { numberOfKeys: 1, lua: INCREMENT });
    client.defineCommand('routiluxCompareAndSet', { numberOfKeys: 1, lua: COMPARE_AND_SET });
    defined.add(client);
  }
  return client as unknown as ScriptedClient;
}
