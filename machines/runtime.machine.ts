import { setup } from 'xstate';

export type RuntimeMachineEvent =
  | { type: 'worker.exec'; worker: unknown }
  | { type: 'shutdown' }
  // Workers are created with createActor({ parent }) rather than spawned, so their endings are typed here.
  | { type: `xstate.done.actor.${string}`; output?: unknown }
  | { type: `xstate.error.actor.${string}`; error: unknown };

/**
 * The root of one runtime's actor system. Workers are created as its children, so an inspector attached here
 * sees every worker and job. Worker crashes arrive as `xstate.error.actor.<workerId>` and are recorded, never
 * rethrown: one broken worker does not stop the others.
 */
export const runtimeMachine = setup({
  types: {
    events: {} as RuntimeMachineEvent,
  },
  actions: {
    'worker.start': () => {},
    'worker.stopped': () => {},
    'worker.crashed': () => {},
  },
}).createMachine({
  id: 'runtime',
  initial: 'running',
  on: {
    'xstate.done.actor.*': { actions: 'worker.stopped' },
    'xstate.error.actor.*': { actions: 'worker.crashed' },
  },
  states: {
    running: {
      on: {
        'worker.exec': { actions: 'worker.start' },
        shutdown: 'shutDown',
      },
    },
    shutDown: { type: 'final' },
  },
});

export type RuntimeMachine = typeof runtimeMachine;
