import type { Context } from '@opentelemetry/api';
import type { OpenTelemetryApi } from './load-otel.js';

// version 00: 2 hex, trace id 32 hex, parent id 16 hex, flags 2 hex (https://www.w3.org/TR/trace-context/).
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;

/**
 * The context a job's span starts in: the remote parent named by `traceparent` (and `tracestate`) in the job's
 * metadata, else the root. The application's registered propagator is asked first (it may read more than W3C
 * headers); with none registered (the API's default is a no-op), the W3C header is read here.
 */
export function parentContextOf(api: OpenTelemetryApi, metadata: Readonly<Record<string, unknown>>): Context {
  const root = api.ROOT_CONTEXT;
  const carrier: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata)) if (typeof value === 'string') carrier[key.toLowerCase()] = value;
  if (carrier.traceparent === undefined) return root;
  const extracted = api.propagation.extract(root, carrier);
  if (api.trace.getSpanContext(extracted) !== undefined) return extracted;
  const match = TRACEPARENT.exec(carrier.traceparent.trim());
  if (!match || match[1] === 'ff') return root;
  const spanContext = { traceId: match[2]!, spanId: match[3]!, traceFlags: parseInt(match[4]!, 16) & 1, isRemote: true };
  if (!api.trace.isSpanContextValid(spanContext)) return root;
  return api.trace.setSpanContext(root, spanContext);
}
