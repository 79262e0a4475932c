/**
 * `routilux/monitor`: a JSON API and a web UI over a running Runtime. Needs the optional packages `hono` and
 * `@hono/node-server` (`npm install hono @hono/node-server`).
 *
 * @module routilux/monitor
 */
export { serveMonitor } from './serve.js';
export type { MonitorOptions, MonitorServer } from './serve.js';
export type { WorkerSummary, JobSummary } from './views.js';
export type { MonitorEvent } from './event-hub.js';
