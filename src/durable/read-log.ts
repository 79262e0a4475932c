import { DurableLogCorruptError } from '../errors.js';
import type { KeyValueStore } from '../stores/types.js';
import { decodeParsed } from './codec.js';
import type { WorkerKeys } from './keys.js';
import type { DurableRecord, LoggedRecord } from './records.js';

/** The segment and snapshot format version this routilux writes and reads. */
export const LOG_FORMAT = 1;
const READ_CHUNK = 500;

/** What a worker's log held when it was opened: the latest snapshot and the records after it, in LSN order. */
export interface RestoredLog {
  /** What `compact()` was given last, decoded; undefined when there was no compaction yet. */
  readonly snapshot: unknown;
  /** The last LSN the snapshot covers (0 without one). */
  readonly upTo: number;
  /** Every record after `upTo`, in order, without gaps. */
  readonly tail: readonly LoggedRecord[];
}

/** A segment in the store: one group commit, holding records `first` to `first + count - 1`. */
export interface Segment {
  readonly first: number;
  readonly count: number;
}

/**
 * Reads a worker's snapshot and every segment (listed with one `keys()`, read with `getMany` in chunks), checks
 * they form a gapless sequence after the snapshot and decodes the records after it. Segments the snapshot
 * covers are returned too, for the next compaction to delete.
 */
export async function readLog(store: KeyValueStore, workerId: string, keys: WorkerKeys): Promise<{ restored: RestoredLog; segments: Segment[] }> {
  const snapText = await store.get(keys.snapshot);
  let snapshot: unknown;
  let upTo = 0;
  if (snapText !== undefined) {
    const parsed = parseJson(snapText, workerId, keys.snapshot) as { v?: unknown; upTo?: unknown; s?: unknown };
    if (parsed.v !== LOG_FORMAT || !Number.isInteger(parsed.upTo)) throw new DurableLogCorruptError(workerId, `${keys.snapshot} is not a snapshot this routilux wrote`);
    upTo = parsed.upTo as number;
    snapshot = decodeParsed(parsed.s);
  }
  const starts = (await store.keys(keys.logPattern))
    .map((k) => keys.lsnOf(k))
    .filter((n): n is number => n !== undefined)
    .sort((a, b) => a - b);
  const tail: LoggedRecord[] = [];
  const segments: Segment[] = [];
  let expected = upTo + 1;
  for (let i = 0; i < starts.length; i += READ_CHUNK) {
    const chunk = starts.slice(i, i + READ_CHUNK);
    const values = await store.getMany(chunk.map((n) => keys.segment(n)));
    for (let j = 0; j < chunk.length; j++) {
      const first = chunk[j]!;
      const key = keys.segment(first);
      if (values[j] === undefined) continue; // deleted by a compaction since it was listed
      const parsed = parseJson(values[j], workerId, key) as { v?: unknown; lsn?: unknown; r?: unknown };
      if (parsed.v !== LOG_FORMAT || parsed.lsn !== first || !Array.isArray(parsed.r)) throw new DurableLogCorruptError(workerId, `${key} is not a log segment this routilux wrote`);
      const records = parsed.r as unknown[];
      segments.push({ first, count: records.length });
      const end = first + records.length - 1;
      if (end <= upTo) continue; // covered by the snapshot; the next compaction deletes it
      if (first > expected) throw new DurableLogCorruptError(workerId, `records ${expected} to ${first - 1} are missing before ${key}`);
      for (let r = expected - first; r < records.length; r++) {
        tail.push({ lsn: first + r, record: decodeParsed(records[r]) as DurableRecord });
      }
      expected = end + 1;
    }
  }
  return { restored: { snapshot, upTo, tail }, segments };
}

function parseJson(value: unknown, workerId: string, key: string): unknown {
  if (typeof value !== 'string') throw new DurableLogCorruptError(workerId, `${key} does not hold the text the log writes`);
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new DurableLogCorruptError(workerId, `${key} is not valid JSON (${(error as Error).message})`);
  }
}
