import type { Context, Hono as HonoApp } from 'hono';
import { JobNotFoundError, RoutiluxError, WorkerNotFoundError, WorkerNotRunningError } from '../errors.js';
import { FlowRegistry } from '../flow/registry.js';
import type { Runtime } from '../runtime/runtime.js';
import type { WorkerState } from '../state/worker-state.js';
import type { EventHub, MonitorEvent } from './event-hub.js';
import { queryJobs, readJobQuery } from './job-query.js';
import { errorView, jobDetail, jobSummary, toPlainData, workerSummary } from './views.js';

/** The Hono pieces the API is built from (passed in: the package is an optional peer loaded at run time). */
export interface HonoModules {
  readonly Hono: typeof HonoApp;
  readonly streamSSE: typeof import('hono/streaming').streamSSE;
}

/** How long the event stream stays quiet before it sends a keep-alive comment. */
const KEEP_ALIVE_MS = 15_000;

/** HTTP status for each error code the API answers with. */
const STATUS_OF: Readonly<Record<string, 400 | 404 | 409>> = {
  JOB_NOT_FOUND: 404,
  WORKER_NOT_FOUND: 404,
  INVALID_ARGUMENT: 400,
  WORKER_NOT_RUNNING: 409,
  RUNTIME_SHUT_DOWN: 409,
};

/** The JSON API of design §10 over one runtime, on `app` (whose middleware already checked host, token and size). */
export function mountApi(app: HonoApp, runtime: Runtime, hub: EventHub, hono: HonoModules): void {
  const worker = (id: string): WorkerState => {
    const found = runtime.getWorker(id) ?? hub.stoppedWorker(id);
    if (!found) throw new WorkerNotFoundError(id, runtime.listWorkers().map((w) => w.workerId));
    return found;
  };
  const job = (id: string) => {
    const found = runtime.getJob(id);
    if (!found) throw new JobNotFoundError(id);
    return found;
  };

  app.get('/api/workers', (c) => {
    const live = new Map<string, number>();
    for (const j of runtime.listJobs()) if (!j.isFinished) live.set(j.workerId, (live.get(j.workerId) ?? 0) + 1);
    const workers = [...hub.stoppedWorkers(), ...runtime.listWorkers()];
    return c.json(workers.map((w) => workerSummary(w, live.get(w.workerId) ?? 0)));
  });

  app.get('/api/workers/:id', (c) => {
    const w = worker(c.req.param('id'));
    return c.json({ ...workerSummary(w, hub.liveJobCount(w.workerId)), routineStates: toPlainData(w.routineStates) });
  });

  for (const action of ['pause', 'resume', 'stop'] as const) {
    app.post(`/api/workers/:id/${action}`, async (c) => {
      const id = c.req.param('id');
      const w = worker(id);
      if (!runtime.getWorker(id)) throw new WorkerNotRunningError(id, w.status, action);
      if (action === 'stop') await runtime.stop(id, 'stopped from the monitor');
      else runtime[action](id);
      return c.json(workerSummary(w, hub.liveJobCount(id)));
    });
  }

  app.get('/api/jobs', (c) => {
    const query = readJobQuery((name) => c.req.query(name));
    const { page, total } = queryJobs(runtime.listJobs(), query);
    c.header('X-Total-Count', String(total));
    if (query.offset + page.length < total) c.header('X-Next-Offset', String(query.offset + page.length));
    return c.json(page.map(jobSummary));
  });

  app.get('/api/jobs/:id', (c) => {
    const j = job(c.req.param('id'));
    return c.json({ ...jobDetail(j), activations: hub.activationsOf(j) });
  });

  app.post('/api/jobs/:id/cancel', (c) => {
    const j = job(c.req.param('id'));
    const cancelled = j.cancel('cancelled from the monitor');
    return c.json({ jobId: j.jobId, cancelled, status: j.status });
  });

  app.get('/api/flows', (c) => {
    const registry = FlowRegistry.getInstance();
    return c.json(
      registry.names().map((name) => {
        const flow = registry.require(name);
        let definition: unknown = null;
        let definitionError: unknown = null;
        try {
          definition = flow.toJSON();
        } catch (error) {
          // A routine without a type name has no JSON definition; the diagram still shows it.
          definitionError = errorView(error);
        }
        const graph = {
          routines: [...flow.routines].map(([id, r]) => ({ id, type: r.type ?? null, slots: r.slots.map((s) => s.name), events: r.events.map((e) => e.name) })),
          connections: flow.connections,
        };
        return { name, flowId: flow.name, definition, definitionError, mermaid: flow.toMermaid(), graph };
      }),
    );
  });

  app.get('/api/events', (c) =>
    hono.streamSSE(c, async (stream) => {
      let wake: () => void = () => {};
      const queue: MonitorEvent[] = [];
      const stop = hub.listen((event) => {
        queue.push(event);
        wake();
      });
      let closing = false;
      const forget = hub.onClose(() => {
        closing = true;
        wake();
      });
      stream.onAbort(() => {
        stop();
        wake();
      });
      await stream.writeSSE({ event: 'hello', data: JSON.stringify({ workers: runtime.listWorkers().length }) });
      while (!stream.aborted && !stream.closed && !closing) {
        if (queue.length === 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, KEEP_ALIVE_MS);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          if (queue.length === 0 && !stream.aborted && !closing) await stream.write(': keep-alive\n\n');
          continue;
        }
        for (const event of queue.splice(0)) {
          await stream.writeSSE({ event: event.type, data: JSON.stringify(event.data) });
        }
      }
      stop();
      forget();
    }),
  );

  app.notFound((c) => c.json({ code: 'NOT_FOUND', message: `No route ${c.req.method} ${c.req.path}. The API is under /api (see the README).` }, 404));
  app.onError((error, c) => errorResponse(c, error));
}

/** A RoutiluxError as `{ code, message }` with its HTTP status; anything else a 500 that names no internals. */
export function errorResponse(c: Context, error: unknown): Response {
  if (error instanceof RoutiluxError) return c.json({ code: error.code, message: error.message }, STATUS_OF[error.code] ?? 400);
  console.error(`[routilux monitor] ${c.req.method} ${c.req.path} failed:`, error);
  return c.json({ code: 'INTERNAL', message: 'The monitor failed to answer this request; see the server log.' }, 500);
}
