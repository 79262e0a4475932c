/**
 * Durable workers and jobs: the storage foundation of DESIGN §6.1.
 *
 * Layout in the store (keys.ts): everything of worker W lives under `routilux:{W}:` (the runtime's own prefix;
 * `{W}` is a Redis Cluster hash tag, so one worker's keys share a slot). `routilux:{W}:snap` holds the latest
 * snapshot, `routilux:{W}:log:<12-digit LSN>` one group commit each. A user's keys beside them are never read or
 * written by the runtime; `store.keys('*')` does list ours (they are ordinary keys), any narrower pattern of the
 * user's does not, unless it asks for `routilux:*`.
 *
 * Choices (and why):
 * - One log per worker (worker-log.ts) holds WorkerState changes and job journals in one order, each record
 *   numbered by an LSN. A group commit writes ONE key (a segment of every record of the turn), not one key per
 *   record: a single SET/UPSERT is atomic on every backend without needing `batch()`, costs one round trip, and
 *   keeps the key count low. A failed commit is retried under the same key with the records queued since added,
 *   so a write that landed after all is just rewritten with more: no gap, no duplicate.
 * - Records are encoded to JSON text when enqueued (codec.ts): a value that cannot be kept fails at the caller,
 *   never in the commit loop, and every store keeps plain strings whatever its serializer. Structured values
 *   (Date, Map, Set, BigInt, typed arrays, StateMap) are tagged.
 * - `enqueue()` is synchronous (returns the LSN); `whenDurable(lsn)` is the output gate. The engine awaits only
 *   at gates (accepted, done, onJobEnd), so records nobody awaits cost no promise and can never become an
 *   unhandled rejection during an outage.
 * - Compaction writes the snapshot and deletes the segments it covers in one all-or-nothing `batch()`. The snapshot is the RestoredWorker itself (replay.ts), encoded: finished jobs'
 *   journals are gone from it, leaving a bounded history and the idempotency index.
 * - A re-run that departs from its journal appends `activation.diverged`: the recorded calls from that index on
 *   stop being replayed (their committed effects stay) and the re-run's live calls take their place, so a second
 *   crash replays what the second run did.
 * - An activation making more calls than its journal holds is not a divergence: an in-flight activation was cut
 *   off mid-way, so its re-run replays the committed prefix and then runs live. Fewer calls is one
 *   (`JournalCursor.finish()`).
 *
 * Seams for the engine (DurableWorker bundles the first and the compaction policy):
 * - worker start: `resolveStore(option)`, `DurableWorker.open({ store, workerId, flow, migrate, routineStates })`
 *   = `WorkerLog.open` + `replay` + `checkFlowShape` + a `worker.started` record; resume `restored.jobs`.
 * - post: enqueue `job.accepted`; `accepted()` = `whenDurable(lsn)`.
 * - activation start / each runtime call / end: `activation.start`, `activation.call` (via a JournalCursor),
 *   `activation.end`; timers: `timer.set` / `timer.cleared`; job end: `job.ended`, and `done()`/`onJobEnd` wait
 *   for `whenDurable(lsn)`. A WorkerFold with `trackState: false` beside the worker gives snapshots to compact.
 */
export { DURABLE_KEY_ROOT, MAX_LSN, workerKeys, type WorkerKeys } from './keys.js';
export { encodeValue, decodeValue, decodeParsed } from './codec.js';
export * from './records.js';
export { WorkerLog, type RestoredLog, type WorkerLogOptions } from './worker-log.js';
export {
  replay,
  applyStateChange,
  WorkerFold,
  type FinishedJob,
  type RecordedCall,
  type ReplayOptions,
  type RestoredActivation,
  type RestoredJob,
  type RestoredWorker,
} from './replay.js';
export { JournalCursor, type CursorStep, type Divergence } from './journal-cursor.js';
export { flowShape, diffShapes, checkFlowShape, type FlowShape } from './flow-shape.js';
export { resolveStore, type ResolvedStore } from './resolve-store.js';
export { DurableWorker, type DurableWorkerOptions, type IdempotentJob } from './durable-worker.js';
