import type { Redis, RedisOptions } from 'ioredis';
import { StoreConnectionError } from '../errors.js';
import { loadIoredis } from '../stores/load-ioredis.js';

/** How a cluster client should behave. */
export type ClientRole =
  /** Leases and fenced writes: never queue a command on a dead connection, fail it at once (or after `commandTimeout`). */
  | 'control'
  /** BullMQ's shared command connection: BullMQ retries by itself, so commands wait for a reconnection. */
  | 'queue'
  /** Pub/sub: resubscribes by itself after a reconnection. */
  | 'subscriber';

/** Loads ioredis (an optional peer) and opens a client for `url` in the given role. */
export async function openClient(url: string, role: ClientRole, commandTimeout: number, name: string): Promise<Redis> {
  const RedisClient = await loadIoredis('the cluster option');
  const options: RedisOptions = {
    connectionName: name,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 1000), // reconnect forever
    enableReadyCheck: true,
    lazyConnect: true,
  };
  if (role === 'control') {
    Object.assign(options, { enableOfflineQueue: false, maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false, commandTimeout });
  } else if (role === 'queue') {
    options.maxRetriesPerRequest = null; // what BullMQ asks of the connections it shares
  }
  const client = new RedisClient(url, options);
  client.on('error', () => undefined); // reported through failed commands; an unhandled 'error' would crash the process
  return client;
}

/** Connects `client`, or throws StoreConnectionError when Redis does not answer within `timeout` ms. */
export async function connectOrFail(client: Redis, timeout: number, url: string): Promise<void> {
  let lastError: unknown;
  const onError = (error: unknown) => (lastError = error);
  client.on('error', onError);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no connection within ${timeout} ms`)), timeout);
      }),
    ]);
  } catch (error) {
    client.disconnect();
    const last = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
    throw new StoreConnectionError(
      `The cluster cannot reach Redis at ${redactUrl(url)}: ${error instanceof Error ? error.message : String(error)}${last}. ` +
        'Check that Redis is running and that cluster.url is right; the node starts once it can connect.',
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
    client.off('error', onError);
  }
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the configured URL';
  }
}
