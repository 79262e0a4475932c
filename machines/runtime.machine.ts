import { setup } from 'xstate';

/** What the runtime machine receives: `shutdown` from the runtime, and the endings of its worker children. */
export type RuntimeMachineEvent =
  | { type: 'shutdown' }
  // Workers are created with createActor({ parent }) rather than spawned, so their endings are typed here. A
  // worker that stops is removed by the runtime itself (it knows when); only a crash needs the machine.
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
    'worker.crashed': () => {},
  },
}).createMachine({
  id: 'runtime',
  initial: 'running',
  on: {
    'xstate.error.actor.*': { actions: 'worker.crashed' },
  },
  states: {
    running: {
      on: {
        shutdown: 'shutDown',
      },
    },
    shutDown: { type: 'final' },
  },
});

/** The type of {@link runtimeMachine}, for typing actors and snapshots of it. */
export type RuntimeMachine = typeof runtimeMachine;
