import { createWebSocketInspector } from '@statelyai/inspect';
import { afterEach, describe, expect, it } from 'vitest';
import { createInspector, Runtime, type RuntimeOptions } from '../../src/index.js';
import { JOB_IDS, WORKER_ID, about, runInspectedFlow, sawShutdown, startInspectorEndpoint, until, type InspectorEndpoint, type InspectorMessage } from './fixtures.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function endpoint(): Promise<InspectorEndpoint> {
  const server = await startInspectorEndpoint();
  cleanups.push(() => server.close());
  return server;
}

function runtime(inspect: RuntimeOptions['inspect']): Runtime {
  const rt = new Runtime({ inspect });
  cleanups.push(() => rt.shutdown());
  return rt;
}

/** The actor registrations, by name. */
function actorsByName(messages: readonly InspectorMessage[]): Map<string, InspectorMessage> {
  const actors = new Map<string, InspectorMessage>();
  for (const m of messages) if (m.type === '@xstate.actor') actors.set(m.name!, m);
  return actors;
}

const eventTypes = (messages: readonly InspectorMessage[], sessionId: string) => about(messages, sessionId, '@xstate.event').map((m) => m.event!.type);

describe('a runtime seen through createWebSocketInspector', () => {
  it('names the runtime, the worker and each job actor, with their parents, events and final snapshots', async () => {
    const server = await endpoint();
    const inspector = createWebSocketInspector({ url: server.url });
    cleanups.push(() => inspector.stop());

    await runInspectedFlow(runtime(inspector.inspect));
    await until(() => sawShutdown(server.messages), 'the runtime shutdown to reach the inspector endpoint');
    const { messages } = server;

    for (const m of messages) expect(m._version).toMatch(/^\d+\.\d+\.\d+/);
    const actors = actorsByName(messages);
    expect([...actors.keys()]).toEqual(['runtime', WORKER_ID, 'jobs', ...JOB_IDS]);
    const root = actors.get('runtime')!;
    const worker = actors.get(WORKER_ID)!;
    const hub = actors.get('jobs')!; // the parent of the worker's job actors
    expect(root.parentId).toBeUndefined();
    expect(root.rootId).toBe(root.sessionId);
    expect(worker.parentId).toBe(root.sessionId);
    expect(worker.rootId).toBe(root.sessionId);
    expect(JSON.parse(worker.definition!)).toMatchObject({ id: 'worker', initial: 'starting' });
    expect(hub.parentId).toBe(worker.sessionId);
    const jobs = JOB_IDS.map((id) => actors.get(id)!);
    for (const job of jobs) {
      expect(job.parentId).toBe(hub.sessionId);
      expect(job.rootId).toBe(root.sessionId);
      expect(JSON.parse(job.definition!)).toMatchObject({ id: 'job', initial: 'running' });
    }
    // Every message is about one of these five actors.
    const sessions = new Set([root, worker, hub, ...jobs].map((a) => a.sessionId));
    for (const m of messages) expect(sessions).toContain(m.sessionId);

    // The worker's story: started by the runtime, two posts, three state updates (one from outside, one per
    // job), and the stop at shutdown. Its hub hears each job end.
    const workerEvents = eventTypes(messages, worker.sessionId);
    expect(workerEvents[0]).toBe('xstate.init');
    expect(about(messages, worker.sessionId, '@xstate.event')[0]!.sourceId).toBe(root.sessionId);
    expect(workerEvents.filter((t) => t === 'job.post')).toHaveLength(2);
    expect(workerEvents.filter((t) => t === 'state.update')).toHaveLength(3);
    expect(workerEvents.at(-1)).toBe('stop');
    expect(eventTypes(messages, hub.sessionId)).toEqual(['xstate.init', ...JOB_IDS.map((id) => `xstate.done.actor.${id}`)]);
    const posts = about(messages, worker.sessionId, '@xstate.event').filter((m) => m.event!.type === 'job.post');
    expect(posts.map((m) => (m.event!.job as { jobId: string }).jobId)).toEqual([...JOB_IDS]);
    const updates = about(messages, worker.sessionId, '@xstate.event').filter((m) => m.event!.type === 'state.update');
    expect(updates.map((m) => m.event!.routineId).sort()).toEqual(['count', 'count', 'finish']);

    for (const job of jobs) {
      // Started by the worker; the posted item is queued at start, the emit after an await arrives as
      // slot.enqueue, and each routine's run ends with routine.done.
      const init = about(messages, job.sessionId, '@xstate.event')[0]!;
      expect(init.event!.type).toBe('xstate.init');
      expect(init.sourceId).toBe(hub.sessionId);
      const events = eventTypes(messages, job.sessionId);
      expect(events).toContain('slot.enqueue');
      expect(events.filter((t) => t === 'routine.done')).toHaveLength(2);
      const done = about(messages, hub.sessionId, '@xstate.event').find((m) => m.event!.type === `xstate.done.actor.${job.name}`)!;
      expect(done.sourceId).toBe(job.sessionId);
      const last = about(messages, job.sessionId, '@xstate.snapshot').at(-1)!;
      expect(last.snapshot).toMatchObject({ status: 'done', value: 'completed' });
      expect(last.snapshot!.context).toMatchObject({ driver: { jobId: job.name, status: 'completed' } });
    }

    const workerLast = about(messages, worker.sessionId, '@xstate.snapshot').at(-1)!;
    expect(workerLast.snapshot).toMatchObject({
      status: 'done',
      value: 'stopped',
      context: { workerId: WORKER_ID, flowId: 'inspected', routineStates: { count: { seen: 2 }, finish: { ready: true } } },
    });
    expect(about(messages, root.sessionId, '@xstate.snapshot').at(-1)!.snapshot).toMatchObject({ status: 'done', value: 'shutDown' });
  });

  it('createInspector("websocket") shows each step as it was, and stop() sends what was reported before disconnecting', async () => {
    const server = await endpoint();
    const inspector = await createInspector('websocket', { url: server.url });
    cleanups.push(() => inspector.stop());
    expect(inspector.kind).toBe('websocket');
    await server.connected();

    await runInspectedFlow(runtime(inspector.inspect));
    await inspector.stop();
    await server.disconnected();
    const { messages } = server;
    expect(sawShutdown(messages)).toBe(true);

    const actors = actorsByName(messages);
    const worker = actors.get(WORKER_ID)!;
    for (const jobId of JOB_IDS) {
      const job = actors.get(jobId)!;
      expect(job.parentId).toBe(actors.get('jobs')!.sessionId);
      // The post and the job's first snapshot carry the driver as it was then (pending), not as it ended.
      const post = about(messages, worker.sessionId, '@xstate.event').find((m) => m.event!.type === 'job.post' && (m.event!.job as { jobId: string }).jobId === jobId)!;
      expect(post.event!.job).toEqual({ jobId, status: 'pending', outstanding: 0, timers: 0 });
      const snapshots = about(messages, job.sessionId, '@xstate.snapshot');
      expect(snapshots[0]!.event!.type).toBe('xstate.init');
      expect(snapshots[0]!.snapshot).toMatchObject({ status: 'active', value: 'running', context: { driver: { jobId, status: 'pending', outstanding: 1 } } });
      expect(snapshots.at(-1)!.snapshot).toMatchObject({ status: 'done', value: 'completed', context: { driver: { jobId, status: 'completed', outstanding: 0 } } });
      const enqueue = about(messages, job.sessionId, '@xstate.event').find((m) => m.event!.type === 'slot.enqueue')!;
      expect(enqueue.event!.items).toEqual([{ routine: 1, slot: 0, target: 'finish.in', item: { n: jobId === 'job-1' ? 2 : 11 } }]);
    }
    // A recipe is shown as a function, and the reply as it was when the update was sent (empty).
    const recipe = about(messages, worker.sessionId, '@xstate.event').find((m) => m.event!.type === 'state.update' && m.event!.routineId === 'count')!;
    expect(recipe.event).toEqual({ type: 'state.update', routineId: 'count', update: '[function]', reply: {} });
    // Each snapshot of the worker shows the state after that event, not the final one.
    const seen = about(messages, worker.sessionId, '@xstate.snapshot')
      .filter((m) => m.event!.type === 'state.update' && m.event!.routineId === 'count')
      .map((m) => (m.snapshot!.context!.routineStates as { count: { seen: number } }).count.seen);
    expect(seen).toEqual([1, 2]);
  });
});
