export { createTracingHooks, SPAN, ATTRIBUTE, TRACER_NAME } from './tracing-hooks.js';
export { loadOpenTelemetry } from './load-otel.js';
export type { OpenTelemetryApi, RequireFunction } from './load-otel.js';
export { parentContextOf } from './traceparent.js';
