import { createHash } from 'node:crypto';
import { DuplicateIdError, InvalidArgumentError, RoutineNotFoundError, SerializationError, SlotNotFoundError } from '../errors.js';
import type { CompiledFlow } from '../flow/compiled-flow.js';
import { findUnserializable, type SerializationMode } from '../serialization/check.js';
import { deepFreeze } from '../serialization/deep-freeze.js';
import { assertId } from '../util/args.js';
import { assertDelay } from './clock.js';
import type { PostOptions } from './runtime-options.js';

/** The metadata of a post that gives none (one frozen object for all). */
export const EMPTY_METADATA: Readonly<Record<string, unknown>> = Object.freeze({});

/** A post checked against its flow, ready to start (here, or on the worker's host). */
export interface CheckedPost {
  readonly compiled: CompiledFlow;
  readonly routineId: string;
  readonly slotName: string;
  readonly routine: number;
  readonly slot: number;
  readonly target: string;
  readonly data: unknown;
  readonly timeout: number | undefined;
  readonly jobId: string;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** What checkPost needs from its runtime. */
export interface PostChecks {
  newJobId(): string;
  jobExists(jobId: string): boolean;
  serializer(): SerializationMode;
}

/**
 * The job id of a keyed post that names no jobId, on a cluster: the same on every node, so a key posted again from
 * anywhere names the job it started. Undefined for a post without a key or with its own jobId.
 */
export function keyedJobId(workerId: string, options: PostOptions): string | undefined {
  if (options.idempotencyKey === undefined || options.jobId !== undefined) return undefined;
  return `job_${createHash('sha256').update(workerId).update('\u0000').update(options.idempotencyKey).digest('base64url').slice(0, 22)}`;
}

/**
 * Checks a post against the flow (routine, slot, timeout, job id, metadata, data) before anything starts.
 * `generatedJobId`: the id to use when the post names none (else the runtime's idGenerator makes one).
 */
export function checkPost(
  compiled: CompiledFlow,
  routineId: string,
  slotName: string,
  data: unknown,
  options: PostOptions,
  checks: PostChecks,
  generatedJobId?: string,
): CheckedPost {
  const routine = compiled.byId.get(routineId);
  if (!routine) throw new RoutineNotFoundError(routineId, compiled.name, [...compiled.byId.keys()]);
  const slot = routine.slotIndex.get(slotName);
  if (slot === undefined) throw new SlotNotFoundError(slotName, routineId, routine.slotNames);
  const timeout = options.timeout ?? compiled.jobTimeout;
  if (timeout !== undefined) assertDelay('post timeout', timeout, false);
  const jobId = options.jobId ?? generatedJobId ?? checks.newJobId();
  assertId('post jobId (from the idGenerator)', jobId);
  if (options.jobId !== undefined && checks.jobExists(jobId)) throw new DuplicateIdError('job', jobId, 'This runtime');
  const serializer = checks.serializer();
  const metadata = checkMetadata(options.metadata, serializer);
  // Posted data will be stored once jobs are durable: it follows the same rules as metadata and WorkerState.
  const problem = findUnserializable(data, serializer, 'data');
  if (problem) throw new SerializationError(problem.path, problem.reason, problem.hint);
  return { compiled, routineId, slotName, routine: routine.index, slot, target: routine.slots[slot]!.target, data, timeout, jobId, metadata };
}

/** A post's metadata, checked and frozen (a copy: the caller's object stays theirs). */
function checkMetadata(metadata: Readonly<Record<string, unknown>> | undefined, serializer: SerializationMode): Readonly<Record<string, unknown>> {
  if (metadata === undefined) return EMPTY_METADATA;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new InvalidArgumentError('post metadata', metadata, 'a plain object');
  }
  const problem = findUnserializable(metadata, serializer, 'metadata');
  if (problem) throw new SerializationError(problem.path, problem.reason, problem.hint);
  return deepFreeze(structuredClone(metadata));
}
