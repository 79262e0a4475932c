import { resolveCodec, type Codec, type Serializer, type SerializerName } from '../stores/serializers.js';
import { RemoteJobError, RoutiluxError } from '../errors.js';
import type { RemoteJobRequest, RemoteJobResult } from './types.js';

/** What an inbox holds: a job for a worker, or the results of jobs for the node that posted them. */
export type InboxMessage =
  | { readonly kind: 'job'; readonly request: RemoteJobRequest }
  /** Every result for one poster that ended in one event-loop turn: one queue entry for all of them. */
  | { readonly kind: 'results'; readonly results: readonly { readonly requestId: string; readonly result: RemoteJobResult }[] };

/** The BullMQ job data: the message encoded with the store's serializer (base64 when it is binary). */
export interface WireData {
  readonly p: string;
  readonly b?: 1;
}

/** Encodes and decodes inbox messages with a serializer, so Dates (json) or Maps (structured) survive the trip. */
export class MessageCodec {
  readonly #codec: Codec;

  constructor(serializer: SerializerName | Serializer | undefined) {
    this.#codec = resolveCodec(serializer, false, 'serializer');
  }

  encode(message: InboxMessage): WireData {
    const data = this.#codec.encode(message, 'message', 0) as string | Uint8Array;
    return typeof data === 'string' ? { p: data } : { p: Buffer.from(data).toString('base64'), b: 1 };
  }

  decode(wire: WireData): InboxMessage {
    const data = wire.b ? Buffer.from(wire.p, 'base64') : wire.p;
    return this.#codec.decode(data, 'message', 0) as InboxMessage;
  }
}

const b64 = (text: string): string => Buffer.from(text).toString('base64url');

/**
 * The BullMQ job id of a request: one per post (its requestId), so a message delivered again after a crash is added
 * once, while two posts with one idempotency key each get their own reply (the host starts one job for both). Never
 * an integer and never a ':' (BullMQ refuses both).
 */
export function bullJobId(request: RemoteJobRequest): string {
  return `w.${b64(request.workerId)}.r.${b64(request.requestId)}`;
}

/** An error as a result carries it to the poster: its name, code and message (a RemoteJobError's original ones). */
export function errorOnWire(error: unknown): NonNullable<RemoteJobResult['error']> {
  if (error instanceof RemoteJobError) return { name: error.remoteName, ...(error.remoteCode ? { code: error.remoteCode } : {}), message: error.remoteMessage };
  if (error instanceof Error) return { name: error.name, ...(error instanceof RoutiluxError ? { code: error.code } : {}), message: error.message };
  return { name: 'Error', message: String(error) };
}
