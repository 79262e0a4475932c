/**
 * Seeing routilux from the outside: the machines as the Stately editor imports them, a flow as a Mermaid
 * diagram, and the story of one job as the Stately inspector's sequence view tells it.
 *
 *   npx tsx examples/inspect-and-export.ts
 *
 * To watch a runtime live (needs the optional package: npm install --save-dev @statelyai/inspect):
 *
 *   // In a browser app: opens https://stately.ai/inspect in a new window.
 *   import { createBrowserInspector } from '@statelyai/inspect';
 *   const inspector = createBrowserInspector();
 *
 *   // In Node: a local relay server opens the inspector in your browser; the app sends to it over a WebSocket.
 *   import { createWebSocketInspector } from '@statelyai/inspect';
 *   import { createInspectorServer } from '@statelyai/inspect/server';
 *   createInspectorServer({ port: 8080 });
 *   const inspector = createWebSocketInspector({ url: 'ws://localhost:8080' });
 *
 *   // Either way:
 *   const runtime = new Runtime({ inspect: inspector.inspect });
 *
 *   // Or let routilux load the package and copy each step as it happened (see createInspector):
 *   const inspector = await createInspector('websocket', { url: 'ws://localhost:8080' });
 *
 * This example needs no inspector and no network: it records the same inspection events in-process.
 */
import { pathToFileURL } from 'node:url';
import type { AnyActorRef, AnyStateMachine, InspectionEvent } from 'xstate';
import { exportMachines } from '../machines/export.js';
import { Flow, Runtime, defineRoutine, event, readableInspect, slot } from '../src/index.js';

export interface Order {
  id: string;
  amount: number;
}

export const validate = defineRoutine({
  name: 'Validate',
  slots: { order: slot<Order>() },
  events: { valid: event<Order>(['id', 'amount']) },
  logic: ({ order }, _message, _state, ctx) => {
    for (const o of order) if (o.amount > 0) ctx.emit('valid', o);
  },
});

export const price = defineRoutine({
  name: 'Price',
  slots: { order: slot<Order>() },
  events: { priced: event<Order & { total: number }>(['id', 'total']) },
  logic: async ({ order }, _message, state, ctx) => {
    const o = order[0]!;
    state.updateRoutineState<{ revenue: number }>('price', (draft) => {
      draft.revenue = (draft.revenue ?? 0) + o.amount;
    });
    await Promise.resolve(); // e.g. a tax lookup: an emit after an await arrives as a slot.enqueue of its own
    ctx.emit('priced', { ...o, total: Math.round(o.amount * 1.2) });
  },
});

export const notify = defineRoutine({
  name: 'Notify',
  slots: { order: slot<Order & { total: number }>() },
  logic: ({ order }, _message, _state, { job }) => job.setData('notified', order[0]!.id),
});

/** validate -> price -> notify. */
export function ordersFlow(): Flow {
  return new Flow('orders')
    .addRoutine(validate, 'validate')
    .addRoutine(price, 'price')
    .addRoutine(notify, 'notify')
    .connect('validate', 'valid', 'price', 'order')
    .connect('price', 'priced', 'notify', 'order');
}

type MachineConfig = { type?: string; on?: Record<string, unknown>; states?: Record<string, MachineConfig> };

function eventsOf(config: MachineConfig, into = new Set<string>()): Set<string> {
  for (const name of Object.keys(config.on ?? {})) into.add(name);
  for (const child of Object.values(config.states ?? {})) eventsOf(child, into);
  return into;
}

/** A line per inspection event (`actor <- event`) and per new state (`actor is state`), as a sequence view shows them. */
function storyRecorder(story: string[]): (inspection: InspectionEvent) => void {
  const names = new Map<string, string>();
  const lastShown = new Map<string, string>();
  const name = (ref: AnyActorRef) => (names.get(ref.sessionId) ?? ref.id).padEnd(13);
  const detail = (e: { type: string; [key: string]: unknown }): string => {
    switch (e.type) {
      case 'job.post':
        return ` ${(e.job as { jobId: string }).jobId}`;
      case 'state.update':
        return ` ${e.routineId as string}`;
      case 'slot.enqueue':
        return ` -> ${(e.items as { target: string }[]).map((d) => d.target).join(', ')}`;
      case 'routine.done': {
        const { routineId, attempt } = e.activation as { routineId: string; attempt: number };
        return ` ${routineId} (attempt ${attempt})`;
      }
      default:
        return '';
    }
  };
  return (inspection) => {
    const ref = inspection.actorRef as AnyActorRef;
    if (inspection.type === '@xstate.actor') {
      // The root actor has no id of its own: like the Stately inspector, name it after its machine.
      names.set(ref.sessionId, ref.id === ref.sessionId ? (ref.src as AnyStateMachine).id : ref.id);
    } else if (inspection.type === '@xstate.event') {
      const from = inspection.sourceRef ? ` (from ${name(inspection.sourceRef as AnyActorRef).trimEnd()})` : '';
      story.push(`  ${name(ref)} <- ${inspection.event.type}${detail(inspection.event)}${from}`);
    } else if (inspection.type === '@xstate.snapshot') {
      const { value, status } = inspection.snapshot as { value?: unknown; status: string };
      const shown = value === undefined ? status : `${JSON.stringify(value)}${status === 'done' ? ' (done)' : ''}`;
      if (lastShown.get(ref.sessionId) !== shown) story.push(`  ${name(ref)}    is ${shown}`);
      lastShown.set(ref.sessionId, shown);
    }
  };
}

export async function main(): Promise<void> {
  // 1. The machines, as `npm run machines:export` writes them.
  console.log('Machines for the Stately editor (npm run machines:export; import one as createMachine(<file contents>)):');
  for (const [file, text] of Object.entries(exportMachines())) {
    const config = JSON.parse(text) as MachineConfig;
    const states = Object.entries(config.states ?? {}).map(([name, state]) => (state.type === 'final' ? `${name} (final)` : name));
    console.log(`  machines/${file}`);
    console.log(`    states: ${states.join(', ')}`);
    console.log(`    events: ${[...eventsOf(config)].join(', ')}`);
  }

  // 2. A flow, as a Mermaid diagram.
  const flow = ordersFlow();
  console.log('');
  console.log('The flow as Mermaid (flow.toMermaid(); paste into a ```mermaid block):');
  process.stdout.write(flow.toMermaid());

  // 3. One job, as the inspector's sequence view tells it: the same inspection events, recorded in-process.
  const story: string[] = [];
  const runtime = new Runtime({ inspect: readableInspect(storyRecorder(story)) });
  const state = runtime.exec(flow, { workerId: 'orders-worker' });
  const [, job] = runtime.post(flow, 'validate', 'order', { id: 'A-1', amount: 50 }, { jobId: 'order-1' });
  await runtime.waitUntilAllJobsFinished({ timeout: 5000 });
  await runtime.shutdown();

  console.log('');
  console.log('Job "order-1" as the inspector sees it (actor <- event, and each new state):');
  for (const line of story) console.log(line);
  console.log('');
  console.log(`The job ${job.status}; notified ${JSON.stringify(job.getData('notified'))}; worker state ${JSON.stringify(state.routineStates)}.`);
  console.log('');
  console.log('Watch a runtime live in the Stately inspector (npm install --save-dev @statelyai/inspect):');
  console.log('  browser app: new Runtime({ inspect: createBrowserInspector().inspect })');
  console.log("  Node:        createInspectorServer(); new Runtime({ inspect: createWebSocketInspector({ url: 'ws://localhost:8080' }).inspect })");
  console.log("  or:          new Runtime({ inspect: (await createInspector('websocket')).inspect })");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
