import { InvalidArgumentError } from '../errors.js';

/**
 * Where a worker's durable data lives in a store. Everything is under `routilux:{<workerId>}:`, a prefix of the
 * runtime's own (a user's keys never start with it unless they choose to), and the braces are a Redis Cluster
 * hash tag: all of one worker's keys land in one slot, so a MULTI or Lua script over them is allowed.
 * - `routilux:{<workerId>}:snap`: the latest snapshot (covers every record up to its `upTo` LSN);
 * - `routilux:{<workerId>}:log:<first LSN, 12 digits>`: one group commit (a segment of records).
 * Characters of the worker id that would end the hash tag, separate key parts or act as glob metacharacters
 * (`{ } : * ? [ ] \ %` and controls) are percent-encoded, so ids never collide and patterns match literally.
 */
export const DURABLE_KEY_ROOT = 'routilux';

/** The 12-digit LSN field allows this many records per worker. */
export const MAX_LSN = 999_999_999_999;

const UNSAFE = /[{}:*?[\]\\%\s\x00-\x1f\x7f]/g;

function encodeId(workerId: string): string {
  return workerId.replace(UNSAFE, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** The keys of one worker's durable data. */
export interface WorkerKeys {
  /** `routilux:{<id>}:` */
  readonly prefix: string;
  /** `routilux:{<id>}:snap` */
  readonly snapshot: string;
  /** `routilux:{<id>}:log:`; a segment's key is this plus its first LSN in 12 digits. */
  readonly logPrefix: string;
  /** The glob matching every segment key (for `store.keys()`). */
  readonly logPattern: string;
  /** The glob matching every key of the worker. */
  readonly allPattern: string;
  /** The key of the segment whose first record has `lsn`. */
  segment(lsn: number): string;
  /** The first LSN of a segment key, or undefined for a key that is not one. */
  lsnOf(key: string): number | undefined;
}

/** The keys of worker `workerId`'s durable data (see DURABLE_KEY_ROOT for the layout). */
export function workerKeys(workerId: string): WorkerKeys {
  if (typeof workerId !== 'string' || workerId === '') {
    throw new InvalidArgumentError('workerId', workerId, 'a non-empty string naming the worker');
  }
  const prefix = `${DURABLE_KEY_ROOT}:{${encodeId(workerId)}}:`;
  const logPrefix = `${prefix}log:`;
  return {
    prefix,
    snapshot: `${prefix}snap`,
    logPrefix,
    logPattern: `${logPrefix}${'[0-9]'.repeat(12)}`,
    allPattern: `${prefix}*`,
    segment: (lsn) => `${logPrefix}${String(lsn).padStart(12, '0')}`,
    lsnOf: (key) => {
      if (!key.startsWith(logPrefix)) return undefined;
      const digits = key.slice(logPrefix.length);
      return /^\d{12}$/.test(digits) ? Number(digits) : undefined;
    },
  };
}
