import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { Flow, type Runtime, type WorkerState } from '../../src/index.js';
import { node } from '../helpers.js';

/** One message as @statelyai/inspect sends it over the socket (the fields these tests read). */
export interface InspectorMessage {
  readonly type: '@xstate.actor' | '@xstate.event' | '@xstate.snapshot';
  readonly sessionId: string;
  readonly rootId?: string;
  readonly name?: string;
  readonly parentId?: string;
  readonly sourceId?: string;
  readonly definition?: string;
  readonly event?: { readonly type: string; readonly [key: string]: unknown };
  readonly snapshot?: { readonly status: string; readonly value?: unknown; readonly context?: Record<string, unknown> };
  readonly _version?: string;
}

/** A WebSocket endpoint on 127.0.0.1 (a free port) that records every message an inspector sends it. */
export interface InspectorEndpoint {
  readonly url: string;
  readonly messages: InspectorMessage[];
  /** Resolves once a client has connected and its socket is open on both ends (it answered a ping). */
  connected(): Promise<void>;
  /** Resolves once every client has closed its socket. */
  disconnected(): Promise<void>;
  close(): Promise<void>;
}

export async function startInspectorEndpoint(): Promise<InspectorEndpoint> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const messages: InspectorMessage[] = [];
  const sockets = new Set<WebSocket>();
  const open = new Set<WebSocket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('message', (data) => messages.push(JSON.parse(String(data)) as InspectorMessage));
    socket.on('pong', () => open.add(socket));
    socket.on('close', () => sockets.delete(socket));
    socket.ping();
  });
  return {
    url: `ws://127.0.0.1:${port}`,
    messages,
    connected: () => until(() => open.size > 0, 'an inspector to connect'),
    disconnected: () => until(() => sockets.size === 0, 'the inspector to disconnect'),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.terminate();
        server.close(() => resolve());
      }),
  };
}

/** Polls `condition` every 5 ms until it holds; fails naming `what` after `timeoutMs`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export const WORKER_ID = 'inspected-worker';
export const JOB_IDS = ['job-1', 'job-2'] as const;

/**
 * Two connected routines: `count` bumps its state with a recipe, yields, then emits (an emit after an await is a
 * `slot.enqueue` of its own); `finish` records the value it got.
 */
export function inspectedFlow(): Flow {
  const flow = new Flow('inspected');
  flow.addRoutine(
    node(['in'], ['out'], async (data, _message, state, ctx) => {
      state.updateRoutineState<{ seen?: number }>('count', (draft) => {
        draft.seen = (draft.seen ?? 0) + 1;
      });
      await Promise.resolve();
      ctx.emit('out', { n: (data.in[0] as { n: number }).n + 1 });
    }),
    'count',
  );
  flow.addRoutine(
    node(['in'], [], (data, _message, _state, ctx) => {
      ctx.job.setData('result', (data.in[0] as { n: number }).n);
    }),
    'finish',
  );
  flow.connect('count', 'out', 'finish', 'in');
  return flow;
}

/** Runs the two jobs and a state update made from outside, then shuts the runtime down. */
export async function runInspectedFlow(runtime: Runtime): Promise<WorkerState> {
  const flow = inspectedFlow();
  const state = runtime.exec(flow, { workerId: WORKER_ID });
  state.updateRoutineState('finish', { ready: true });
  runtime.post(flow, 'count', 'in', { n: 1 }, { jobId: JOB_IDS[0] });
  runtime.post(flow, 'count', 'in', { n: 10 }, { jobId: JOB_IDS[1] });
  if (!(await runtime.waitUntilAllJobsFinished({ timeout: 10_000 }))) throw new Error('the jobs did not finish');
  await runtime.shutdown();
  return state;
}

/** The messages about one actor (by sessionId) of the given type. */
export const about = (messages: readonly InspectorMessage[], sessionId: string, type: InspectorMessage['type']) =>
  messages.filter((m) => m.sessionId === sessionId && m.type === type);

/** The inspector sends the root's `shutdown` last: once it is here, everything before it is too. */
export const sawShutdown = (messages: readonly InspectorMessage[]) =>
  messages.some((m) => m.type === '@xstate.snapshot' && m.event?.type === 'shutdown' && m.snapshot?.value === 'shutDown');
