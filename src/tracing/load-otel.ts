import { createRequire } from 'node:module';
import { OptionalPackageMissingError } from '../errors.js';

/** The part of `@opentelemetry/api` tracing uses (typed loosely so the package stays an optional peer). */
export type OpenTelemetryApi = typeof import('@opentelemetry/api');

/** A CommonJS-style require: what loads optional packages synchronously (Runtime's constructor is synchronous). */
export type RequireFunction = (id: string) => unknown;

/** A require resolving from this module's location (the CommonJS build gets import.meta.url from tsup's shim). */
function defaultRequire(): RequireFunction {
  return createRequire(import.meta.url);
}

/**
 * Loads `@opentelemetry/api`, or throws OptionalPackageMissingError saying what to install. The API keeps its
 * tracer provider on a process-wide global, so the copy loaded here sees the provider the application registered.
 */
export function loadOpenTelemetry(requireFn: RequireFunction = defaultRequire()): OpenTelemetryApi {
  try {
    return requireFn('@opentelemetry/api') as OpenTelemetryApi;
  } catch (cause) {
    throw new OptionalPackageMissingError('@opentelemetry/api', 'new Runtime({ tracing: true })', 'leave out the `tracing` option', { cause });
  }
}
