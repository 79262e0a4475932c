/**
 * Watching a runtime in the Stately inspector. Optional: `@statelyai/inspect` is loaded with `import()` only when
 * createInspector is called, so nothing here loads it (or needs it installed) until then.
 */
import type { AnyEventObject, InspectionEvent, MachineContext, Observer } from 'xstate';
import { InspectorUnavailableError, InvalidArgumentError } from '../errors.js';
import { readableInspect } from './readable.js';

export { readableInspect, toInspectable } from './readable.js';

/** Where the inspector runs: `browser` opens https://stately.ai/inspect from a web app, `websocket` sends to an inspector server from Node. */
export type InspectorKind = 'browser' | 'websocket';

/** Options of createInspector: where to send, and what `@statelyai/inspect` keeps and serializes. */
export interface InspectorOptions {
  /**
   * `websocket`: the inspector server to send to (default `ws://localhost:8080`, where `createInspectorServer()`
   * from `@statelyai/inspect/server` listens). `browser`: the inspector page (default `https://stately.ai/inspect`).
   */
  readonly url?: string;
  /** Copy events and snapshots to plain data when they happen (see readableInspect). Default true. */
  readonly readable?: boolean;
  /** Events kept while the inspector is not connected yet; older ones are dropped. Default 10,000 (the package's own default is 200). */
  readonly maxDeferredEvents?: number;
  /** Passed to `@statelyai/inspect`: how deep it serializes (default 10). */
  readonly serializationDepthLimit?: number;
  /** Passed to `@statelyai/inspect`: remove sensitive data from events before they are sent. */
  readonly sanitizeEvent?: (event: AnyEventObject) => AnyEventObject;
  /** Passed to `@statelyai/inspect`: remove sensitive data from contexts (a worker's context is its WorkerState data). */
  readonly sanitizeContext?: (context: MachineContext) => MachineContext;
  /** `browser` only: the window to open the inspector from (default: the global `window`). */
  readonly window?: unknown;
  /** `browser` only: an iframe element to show the inspector in, instead of a new window. */
  readonly iframe?: unknown;
}

/** A started Stately inspector: pass `inspect` to `new Runtime({ inspect })`. */
export interface Inspector {
  /** Which inspector this is (the `kind` it was created with). */
  readonly kind: InspectorKind;
  /** The observer to hand to `new Runtime({ inspect })`: it sees every worker and job actor. */
  readonly inspect: Observer<InspectionEvent>;
  /** Starts the inspector (createInspector already has): connects, or opens its window. Events reported while not connected are held, up to `maxDeferredEvents`. */
  start(): void;
  /**
   * Lets the events already reported go out (the package converts each one on a timer), then disconnects.
   * Events still held because the connection never opened are dropped.
   */
  stop(): Promise<void>;
}

/**
 * Creates a Stately inspector: `browser` opens https://stately.ai/inspect from a web app, `websocket` sends to an
 * inspector server from Node. `new Runtime({ inspect: inspector.inspect })` then shows the runtime, each worker
 * (id = workerId) and each job (id = jobId) with their events and snapshots.
 *
 * Known limit of @statelyai/inspect 0.7: a WebSocket inspector whose server cannot be reached retries every 5 s,
 * and stop() does not end those retries, so the process stays alive. Start the server first.
 */
export async function createInspector(kind: InspectorKind, options: InspectorOptions = {}): Promise<Inspector> {
  if (kind !== 'browser' && kind !== 'websocket') throw new InvalidArgumentError('createInspector(kind)', kind, '"browser" or "websocket"');
  if (kind === 'browser' && options.window === undefined && typeof (globalThis as { window?: unknown }).window === 'undefined') {
    throw new InspectorUnavailableError(kind, 'no-window');
  }
  let stately: typeof import('@statelyai/inspect');
  try {
    stately = await import('@statelyai/inspect');
  } catch (error) {
    throw new InspectorUnavailableError(kind, 'missing-package', { cause: error });
  }
  const { readable = true, ...rest } = options;
  const settings = { maxDeferredEvents: 10_000, ...withoutUndefined(rest) };
  const inner =
    kind === 'websocket'
      ? stately.createWebSocketInspector({ url: 'ws://localhost:8080', ...settings })
      : stately.createBrowserInspector(settings as Parameters<typeof stately.createBrowserInspector>[0]);
  return {
    kind,
    inspect: readable ? readableInspect(inner.inspect) : inner.inspect,
    start: () => inner.start(),
    async stop() {
      // The package hands each event to a setTimeout(0); one more turn of the timer queue lets them all go out.
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
      inner.stop();
    },
  };
}

function withoutUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

