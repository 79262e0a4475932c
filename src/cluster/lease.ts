import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { ClusterConfigurationError } from '../errors.js';
import { checkClusterWorkerId, leaseKeys, nodesKey, releasedChannel } from './keys.js';
import { leaseScripts, parseLease, type LeaseCommands } from './lease-scripts.js';
import { connectOrFail, openClient } from './redis-client.js';

/** Options of a LeaseManager (validated by `resolveClusterOptions`). */
export interface LeaseManagerOptions {
  /** Redis URL shared by every node. */
  readonly url: string;
  /** This node's id, unique among the processes sharing the Redis. */
  readonly nodeId: string;
  /** How long (ms) a lease lives without renewal: a dead node's workers are taken over after about this long. */
  readonly leaseTtl: number;
  /** Prefix before every key (the RedisStore's keyPrefix). Default ''. */
  readonly keyPrefix?: string;
  /**
   * How much earlier (ms) than the lease's expiry in Redis this node stops trusting it, by its own monotonic
   * clock, to absorb clock-rate drift and timer lateness. Default leaseTtl / 5.
   */
  readonly safetyMargin?: number;
  /** How long (ms) `start()` may wait for Redis. Default 10000. */
  readonly connectTimeout?: number;
}

/** Why a lease stopped being held here. */
export type LeaseLossReason =
  /** Another node holds it now (a renewal found it taken). */
  | 'taken'
  /** No renewal succeeded in time (Redis unreachable, this process paused): it may lapse any moment. */
  | 'expired'
  /** This node gave it up (`withdraw`, `close`). */
  | 'released';

/** Events of a LeaseManager. */
export interface LeaseEvents {
  /** This node now hosts `workerId`; every durable write for it must carry `token`. */
  acquired: [workerId: string, token: number];
  /** This node no longer hosts `workerId`: stop it here and discard its in-flight output. */
  lost: [workerId: string, token: number, reason: LeaseLossReason];
}

interface Entry {
  readonly workerId: string;
  readonly lease: string;
  readonly fence: string;
  offered: boolean;
  /** `<nodeId>|<token>` while held. */
  value: string | undefined;
  token: number;
  /** The value last held, so a node can take back its own lapsed lease. */
  previous: string;
  /** Local monotonic ms after which the lease is no longer trusted. */
  deadline: number;
  /** Local monotonic ms of the next acquire or renew attempt. */
  nextAt: number;
  busy: boolean;
  /** Local monotonic ms the last renewal was sent. */
  sentAt: number;
}

/**
 * One lease per worker in Redis, so each worker has exactly one host: `routilux:{<workerId>}:lease` holds
 * `<nodeId>|<token>` with PX leaseTtl (expiry judged by Redis's clock), and `routilux:{<workerId>}:fence` counts
 * tokens; acquiring takes the next token in the same Lua script. Held leases are renewed every leaseTtl/3; a node
 * that cannot renew before `last successful renewal start + leaseTtl - safetyMargin` (its own monotonic clock)
 * stops trusting the lease and emits `lost`. `offer` keeps trying while another node holds the lease (standby); a
 * released lease is announced on a channel so a standby takes it at once. The node also keeps a heartbeat in
 * `routilux:nodes` so others can tell when it died and drain its inbox.
 *
 * Connections: one command connection and one pub/sub connection, whatever the number of workers.
 */
export class LeaseManager extends EventEmitter<LeaseEvents> {
  readonly nodeId: string;
  readonly leaseTtl: number;
  readonly keyPrefix: string;
  readonly #url: string;
  readonly #margin: number;
  readonly #connectTimeout: number;
  readonly #tick: number;
  readonly #entries = new Map<string, Entry>();
  #client: (Redis & LeaseCommands) | undefined;
  #subscriber: Redis | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #nextHeartbeat = 0;
  #closed = false;

  constructor(options: LeaseManagerOptions) {
    super();
    this.nodeId = options.nodeId;
    this.leaseTtl = options.leaseTtl;
    this.keyPrefix = options.keyPrefix ?? '';
    this.#url = options.url;
    this.#margin = options.safetyMargin ?? Math.floor(options.leaseTtl / 5);
    this.#connectTimeout = options.connectTimeout ?? 10_000;
    this.#tick = Math.max(10, Math.min(250, Math.floor(options.leaseTtl / 10)));
  }

  /** The command connection (also fit for fenced writes). Available after `start()`. */
  get client(): Redis {
    if (!this.#client) throw new ClusterConfigurationError('the LeaseManager has not been started', 'Await leases.start() before using it.');
    return this.#client;
  }

  /** Connects (StoreConnectionError when Redis does not answer within connectTimeout) and starts renewing. */
  async start(): Promise<void> {
    const client = await openClient(this.#url, 'control', Math.max(50, Math.floor(this.leaseTtl / 2)), `routilux:lease:${this.nodeId}`);
    await connectOrFail(client, this.#connectTimeout, this.#url);
    const subscriber = await openClient(this.#url, 'subscriber', 0, `routilux:lease-sub:${this.nodeId}`);
    try {
      await connectOrFail(subscriber, this.#connectTimeout, this.#url);
      await subscriber.subscribe(releasedChannel(this.keyPrefix));
    } catch (error) {
      client.disconnect();
      throw error;
    }
    if (this.#closed) {
      // Closed while connecting: leave nothing open.
      client.disconnect();
      subscriber.disconnect();
      return;
    }
    subscriber.on('message', (_channel: string, workerId: string) => this.#onReleased(workerId));
    this.#client = leaseScripts(client);
    this.#subscriber = subscriber;
    this.#timer = setInterval(() => this.#run(), this.#tick);
    this.#timer.unref();
    await this.#heartbeat(performance.now()).catch(() => undefined);
    this.#run();
  }

  /** Offers this node as host of `workerId`: acquires the lease when free, else keeps trying (standby). */
  offer(workerId: string): void {
    checkClusterWorkerId(workerId);
    let entry = this.#entries.get(workerId);
    if (!entry) {
      const keys = leaseKeys(this.keyPrefix, workerId);
      entry = { workerId, lease: keys.lease, fence: keys.fence, offered: true, value: undefined, token: 0, previous: '', deadline: 0, nextAt: 0, busy: false, sentAt: 0 };
      this.#entries.set(workerId, entry);
    }
    entry.offered = true;
    entry.nextAt = 0;
    if (this.#client) this.#run();
  }

  /** Stops offering `workerId` and releases its lease at once if held (emits `lost` with reason `released`). */
  async withdraw(workerId: string): Promise<void> {
    const entry = this.#entries.get(workerId);
    if (!entry) return;
    this.#entries.delete(workerId);
    entry.offered = false;
    await this.#release(entry);
  }

  /**
   * Stops trusting a held lease at once, because a write carrying its token was refused (another node has a newer
   * one): emits `lost` with reason `taken`, and keeps offering the worker (standby).
   */
  forfeit(workerId: string): void {
    const entry = this.#entries.get(workerId);
    if (entry?.value !== undefined) this.#drop(entry, 'taken');
  }

  /** Whether this node holds `workerId`'s lease (and still trusts it by its own clock). */
  isHeld(workerId: string): boolean {
    const entry = this.#entries.get(workerId);
    return entry?.value !== undefined && performance.now() < entry.deadline;
  }

  /** The fencing token of a held lease, else undefined. */
  tokenOf(workerId: string): number | undefined {
    return this.isHeld(workerId) ? this.#entries.get(workerId)!.token : undefined;
  }

  /** The workers whose leases this node holds. */
  held(): string[] {
    return [...this.#entries.values()].filter((e) => e.value !== undefined).map((e) => e.workerId);
  }

  /**
   * Who hosts `workerId` now according to Redis, or undefined when nobody does. `via`: another connection to ask on
   * (the router's, whose commands wait out a busy event loop instead of timing out like the lease connection's).
   */
  async holderOf(workerId: string, via: Redis = this.client): Promise<{ readonly nodeId: string; readonly token: number } | undefined> {
    const value = await via.get(leaseKeys(this.keyPrefix, workerId).lease);
    return value === null ? undefined : parseLease(value);
  }

  /** Nodes whose heartbeat lapsed (dead, or left), by Redis's clock. */
  async lapsedNodes(): Promise<string[]> {
    return (this.client as Redis & LeaseCommands).routiluxLapsedNodes(nodesKey(this.keyPrefix));
  }

  /** Forgets a node whose heartbeat is still lapsed (after its inbox was drained). */
  async forgetNode(nodeId: string): Promise<boolean> {
    return (await (this.client as Redis & LeaseCommands).routiluxForgetNode(nodesKey(this.keyPrefix), nodeId)) === 1;
  }

  /** Releases every lease at once (so others take over without waiting), marks the node as gone and disconnects. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.all(entries.map((e) => this.#release(e)));
    await this.#client?.zadd(nodesKey(this.keyPrefix), 0, this.nodeId).catch(() => undefined);
    this.#subscriber?.disconnect();
    if (this.#client?.status === 'ready') await this.#client.quit().catch(() => undefined);
    this.#client?.disconnect();
  }

  async #release(entry: Entry): Promise<void> {
    const value = entry.value;
    if (value === undefined) return;
    this.#drop(entry, 'released');
    await this.#client
      ?.routiluxLeaseRelease(entry.lease, entry.fence, value, releasedChannel(this.keyPrefix), entry.workerId)
      .catch(() => undefined); // unreachable: the lease lapses by itself after leaseTtl
  }

  #drop(entry: Entry, reason: LeaseLossReason): void {
    const token = entry.token;
    entry.previous = entry.value ?? entry.previous;
    entry.value = undefined;
    entry.nextAt = 0;
    this.emit('lost', entry.workerId, token, reason);
  }

  #onReleased(workerId: string): void {
    const entry = this.#entries.get(workerId);
    if (entry?.offered && entry.value === undefined) {
      entry.nextAt = 0;
      this.#run();
    }
  }

  /** One pass: drop leases past their deadline, then renew or acquire what is due (all sent at once). */
  #run(): void {
    if (this.#closed || !this.#client) return;
    const now = performance.now();
    if (now >= this.#nextHeartbeat) void this.#heartbeat(now).catch(() => undefined);
    for (const entry of this.#entries.values()) {
      if (entry.value !== undefined && now >= entry.deadline) {
        // A renewal in flight since before the deadline: Redis is slow or unreachable, give the lease up.
        if (entry.busy && entry.sentAt < entry.deadline) this.#drop(entry, 'expired');
        else if (entry.busy) continue; // the overdue check below is on its way
        // No renewal was even sent (this process was paused, or its event loop blocked): ask Redis before giving up.
        // A renewal that finds our value, or our token still the newest, proves no other node took the lease since.
        else void this.#renew(entry, now, true);
        continue;
      }
      if (entry.busy || now < entry.nextAt) continue;
      if (entry.value !== undefined) void this.#renew(entry, now);
      else if (entry.offered) void this.#acquire(entry, now);
    }
  }

  async #heartbeat(now: number): Promise<void> {
    this.#nextHeartbeat = now + this.leaseTtl / 3;
    try {
      await this.#client!.routiluxNodeHeartbeat(nodesKey(this.keyPrefix), this.nodeId, this.leaseTtl);
    } catch {
      this.#nextHeartbeat = now + this.#tick; // try again soon
    }
  }

  async #acquire(entry: Entry, started: number): Promise<void> {
    entry.busy = true;
    try {
      const reply = await this.#client!.routiluxLeaseAcquire(entry.lease, entry.fence, this.nodeId, this.leaseTtl, entry.previous);
      if (this.#entries.get(entry.workerId) !== entry || !entry.offered || this.#closed) {
        if (reply[0] === 1) await this.#client!.routiluxLeaseRelease(entry.lease, entry.fence, reply[1], releasedChannel(this.keyPrefix), entry.workerId);
        return;
      }
      if (reply[0] === 1) {
        entry.value = reply[1];
        entry.token = reply[2];
        entry.deadline = started + this.leaseTtl - this.#margin;
        entry.nextAt = started + this.leaseTtl / 3;
        this.emit('acquired', entry.workerId, entry.token);
      } else {
        // Held elsewhere: try again just after it would lapse (it is renewed long before, if its holder lives).
        const pttl = reply[2] > 0 ? reply[2] : this.#tick;
        entry.nextAt = performance.now() + Math.min(Math.max(pttl + 5, this.#tick), this.leaseTtl / 3);
      }
    } catch {
      entry.nextAt = performance.now() + this.#tick; // Redis unreachable: keep trying
    } finally {
      entry.busy = false;
    }
  }

  /** `overdue`: sent past the deadline; failing to reach Redis then drops the lease instead of retrying. */
  async #renew(entry: Entry, started: number, overdue = false): Promise<void> {
    entry.busy = true;
    entry.sentAt = started;
    const value = entry.value!;
    try {
      const ok = await this.#client!.routiluxLeaseRenew(entry.lease, entry.fence, value, this.leaseTtl, entry.token);
      if (entry.value !== value) return; // dropped meanwhile (deadline passed, released)
      if (ok === 1) {
        entry.deadline = started + this.leaseTtl - this.#margin;
        entry.nextAt = started + this.leaseTtl / 3;
      } else this.#drop(entry, 'taken');
    } catch {
      if (overdue && entry.value === value) this.#drop(entry, 'expired');
      else entry.nextAt = performance.now() + this.#tick; // retry until the deadline
    } finally {
      entry.busy = false;
    }
  }
}
