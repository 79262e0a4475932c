import type { Redis, RedisOptions } from 'ioredis';
import { RoutiluxError, StoreClosedError, StoreConnectionError, StoreOperationError } from '../errors.js';
import { coarseClock } from './clock.js';
import { loadIoredis } from './load-ioredis.js';

/** The validated options a RedisConnection runs with. */
export interface RedisConnectionConfig {
  readonly url: string | undefined;
  readonly client: Redis | undefined;
  readonly connectTimeout: number;
  readonly commandTimeout: number;
  readonly description: string;
}

interface Pending {
  readonly deadline: number;
  settled: boolean;
  readonly fail: (error: Error) => void;
  readonly action: string;
  readonly key: string | undefined;
  readonly write: boolean;
}

interface Waiter {
  readonly resolve: (client: Redis) => void;
  readonly reject: (error: Error) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** Redis replies that mean "not available right now" rather than "this command is wrong". */
const UNAVAILABLE = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|NOAUTH|WRONGPASS|NOPERM|READONLY)\b/;

const what = (action: string, key: string | undefined) => (key === undefined ? action : `${action} "${key}"`);

/**
 * One ioredis client and the rules that keep a RedisStore honest: commands are only sent on a ready connection
 * (waiting for it at most the time left of commandTimeout, or connectTimeout before the first connection); every
 * command has a deadline; a lost connection fails the commands in flight at once (they are never silently resent
 * or reported done); and the client reconnects by itself, so the store recovers when Redis returns.
 * Deadlines use one interval timer for all commands, not a timer per command.
 */
export class RedisConnection {
  closed = false;
  readonly #config: RedisConnectionConfig;
  readonly #owned: boolean;
  #client: Redis | undefined;
  #creating: Promise<Redis> | undefined;
  #everReady = false;
  #lastError: Error | undefined;
  readonly #waiters = new Set<Waiter>();
  /** Commands in flight, oldest first; entries before #head are settled and dropped. */
  #pending: (Pending | undefined)[] = [];
  #head = 0;
  /** The clock for deadlines (ms; read at most once a millisecond). */
  readonly now = coarseClock();
  #ticker: ReturnType<typeof setInterval> | undefined;
  readonly #listeners: [event: string, listener: (arg: Error) => void][] = [];

  constructor(config: RedisConnectionConfig) {
    this.#config = config;
    this.#owned = config.client === undefined;
    if (config.client !== undefined) this.#attach(config.client);
  }

  /** The client when it is ready now, else a promise of it (or of a StoreConnectionError when time runs out). */
  ready(action: string, key: string | undefined, started: number): Redis | Promise<Redis> {
    const client = this.#client;
    if (client !== undefined && client.status === 'ready') return client;
    return this.#waitReady(action, key, started);
  }

  async #waitReady(action: string, key: string | undefined, started: number): Promise<Redis> {
    if (this.closed) throw new StoreClosedError(what(action, key));
    const client = this.#client ?? (await this.#create());
    if (client.status === 'ready') return client;
    if (this.closed) throw new StoreClosedError(what(action, key));
    if (client.status === 'end') {
      throw new StoreConnectionError(
        `${this.#config.description}: cannot ${what(action, key)}: the ioredis client has been closed (status "end"). ` +
          'Pass a client that is open, or let RedisStore create one from a url.',
      );
    }
    if (client.status === 'wait') client.connect().catch(() => undefined); // a lazyConnect client we were given
    const limit = this.#everReady ? this.#config.commandTimeout : this.#config.connectTimeout;
    const budget = Math.max(0, limit - (this.now() - started));
    return new Promise<Redis>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          reject(this.#unreachable(action, key, `${limit} ms (${this.#everReady ? 'commandTimeout' : 'connectTimeout'})`));
        }, budget),
      };
      this.#waiters.add(waiter);
    });
  }

  #unreachable(action: string, key: string | undefined, waited: string): StoreConnectionError {
    const last = this.#lastError ? ` (last error: ${this.#lastError.message})` : '';
    return new StoreConnectionError(
      `${this.#config.description} is not reachable${last}; ${what(action, key)} was not performed (no connection within ${waited}). ` +
        'Check that Redis is running and the URL is right; the store keeps reconnecting and works again once Redis is back.',
      { cause: this.#lastError },
    );
  }

  async #create(): Promise<Redis> {
    this.#creating ??= (async () => {
      const RedisClient = await loadIoredis('RedisStore');
      const options: RedisOptions = {
        connectTimeout: this.#config.connectTimeout,
        enableOfflineQueue: false, // never queue a command on a dead connection: we wait (bounded) ourselves
        maxRetriesPerRequest: 0, // fail commands in flight as soon as the connection drops...
        autoResendUnfulfilledCommands: false, // ...and never resend one we already reported as failed
        retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 1000), // reconnect forever
        enableReadyCheck: true,
      };
      const client = new RedisClient(this.#config.url ?? 'redis://127.0.0.1:6379', options);
      this.#attach(client);
      if (this.closed) client.disconnect();
      return client;
    })();
    return this.#creating;
  }

  #on(client: Redis, event: string, listener: (arg: Error) => void): void {
    client.on(event, listener);
    this.#listeners.push([event, listener]);
  }

  #attach(client: Redis): void {
    this.#client = client;
    this.#on(client, 'error', (error: Error) => {
      this.#lastError = error;
    });
    this.#on(client, 'ready', () => {
      this.#everReady = true;
      this.#lastError = undefined;
      for (const waiter of this.#waiters) {
        clearTimeout(waiter.timer);
        waiter.resolve(client);
      }
      this.#waiters.clear();
    });
    this.#on(client, 'end', () => {
      for (const waiter of this.#waiters) {
        clearTimeout(waiter.timer);
        waiter.reject(new StoreConnectionError(`${this.#config.description}: the ioredis client was closed.`));
      }
      this.#waiters.clear();
    });
  }

  /**
   * Resolves with the command's reply (`null` becomes `undefined`) or what `map` makes of it, or rejects with a StoreConnectionError when
   * the connection drops or commandTimeout passes (counted from `started`), or a StoreOperationError when Redis
   * refuses the command.
   */
  run<R, T = R>(action: string, key: string | undefined, write: boolean, command: Promise<R>, started: number, map?: (reply: R) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { deadline: started + this.#config.commandTimeout, settled: false, fail: reject, action, key, write };
      this.#pending.push(entry);
      if (this.#ticker === undefined) this.#startTicker();
      command.then(
        (reply) => {
          if (entry.settled) return;
          entry.settled = true;
          this.#drop();
          if (map === undefined) resolve((reply === null ? undefined : reply) as T);
          else {
            try {
              resolve(map(reply));
            } catch (error) {
              reject(error); // e.g. a SerializationError for data that cannot be decoded
            }
          }
        },
        (error: unknown) => {
          if (entry.settled) return;
          entry.settled = true;
          this.#drop();
          reject(this.error(error, action, key, write));
        },
      );
    });
  }

  #startTicker(): void {
    const every = Math.max(5, Math.floor(this.#config.commandTimeout / 10));
    this.#ticker = setInterval(() => this.#expire(), every);
    this.#ticker.unref();
  }

  /**
   * Drops settled entries from the front. Redis answers in order, so this keeps the queue about as long as the
   * commands in flight, and settled entries (holding their promise) die young instead of burdening the GC.
   */
  #drop(): void {
    const queue = this.#pending;
    let head = this.#head;
    while (head < queue.length && queue[head]!.settled) queue[head++] = undefined;
    if (head === queue.length) {
      queue.length = 0;
      head = 0;
    } else if (head > 1024 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
    this.#head = head;
  }

  #expire(): void {
    const now = this.now();
    const queue = this.#pending;
    let kept = 0;
    for (let i = this.#head; i < queue.length; i++) {
      const entry = queue[i]!;
      if (entry.settled) continue;
      if (entry.deadline <= now) {
        entry.settled = true;
        entry.fail(
          new StoreConnectionError(
            `${this.#config.description} did not answer ${what(entry.action, entry.key)} within ${this.#config.commandTimeout} ms (commandTimeout)` +
              `${entry.write ? '; the write may or may not have been applied' : ''}. Redis is down, overloaded or unreachable; ` +
              'retry later: the store keeps reconnecting.',
          ),
        );
        continue;
      }
      queue[kept++] = entry;
    }
    queue.length = kept;
    this.#head = 0;
    if (kept === 0 && this.#ticker !== undefined) {
      clearInterval(this.#ticker);
      this.#ticker = undefined;
    }
  }

  /** Turns an ioredis error into a store error. */
  error(error: unknown, action: string, key: string | undefined, write: boolean): Error {
    if (error instanceof RoutiluxError) return error;
    const message = error instanceof Error ? error.message : String(error);
    const name = error instanceof Error ? error.name : '';
    if (name === 'ReplyError' && !UNAVAILABLE.test(message)) {
      return new StoreOperationError(
        what(action, key),
        this.#config.description,
        message,
        message.startsWith('WRONGTYPE')
          ? 'The key holds a Redis type other than a string (written by another program): delete it or use another keyPrefix.'
          : 'See the Redis error above; the command was not applied.',
        { cause: error },
      );
    }
    return new StoreConnectionError(
      `${this.#config.description} failed ${what(action, key)}: ${message}` +
        `${write ? '; the write may or may not have been applied' : ''}. ` +
        'The store reconnects by itself: retry once Redis is reachable.',
      { cause: error },
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of this.#waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new StoreClosedError('wait for Redis'));
    }
    this.#waiters.clear();
    const client = this.#client ?? (await this.#creating?.catch(() => undefined));
    if (client === undefined) return;
    if (!this.#owned) {
      for (const [event, listener] of this.#listeners) client.off(event, listener);
      return;
    }
    if (client.status === 'ready') {
      const quit = client.quit().catch(() => undefined);
      const timer = new Promise((resolve) => setTimeout(resolve, this.#config.commandTimeout).unref());
      await Promise.race([quit, timer]);
    }
    client.disconnect();
    // Commands still pending keep their deadlines: the (unref'd) ticker stops by itself once they settle.
  }
}
