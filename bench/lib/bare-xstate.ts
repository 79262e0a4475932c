import { assign, createActor, setup } from 'xstate';

/**
 * The baseline for the runtime benches: what XState alone costs for the same shape of work. A parent actor
 * receives one event per job, creates a child machine (as the runtime does: createActor with a parent), the child
 * takes one event per hop, reaches a final state and is stopped; the parent hears `xstate.done.actor.*`.
 */
export function bareXState(hops: number) {
  const child = setup({ types: { context: {} as { n: number } } }).createMachine({
    context: { n: 0 },
    initial: 'running',
    states: {
      running: {
        on: {
          hop: [
            { guard: ({ context }) => context.n + 1 >= hops, target: 'done' },
            { actions: assign({ n: ({ context }) => context.n + 1 }) },
          ],
        },
      },
      done: { type: 'final' },
    },
  });
  let finished = 0;
  let target = 0;
  let resolve: () => void = () => {};
  const parentMachine = setup({ types: { events: {} as { type: 'post'; id: string } | { type: `xstate.done.actor.${string}` } } }).createMachine({
    on: {
      post: {
        actions: ({ self, event }) => {
          if (event.type !== 'post') return;
          const actor = createActor(child, { parent: self, id: event.id });
          actor.start();
          // Each hop is a separate event sent outside the transition, as routine logic is.
          queueMicrotask(function hop(this: void, remaining = hops) {
            actor.send({ type: 'hop' });
            if (remaining > 1) queueMicrotask(() => hop(remaining - 1));
          });
        },
      },
      'xstate.done.actor.*': {
        actions: () => {
          if (++finished === target) resolve();
        },
      },
    },
  });
  const parent = createActor(parentMachine).start();
  let seq = 0;
  return {
    /** Posts `jobs` jobs, `batch` at a time (awaiting a turn of the event loop between batches); resolves when all are done. */
    async run(jobs: number, batch: number): Promise<void> {
      finished = 0;
      target = jobs;
      const done = new Promise<void>((r) => (resolve = r));
      for (let i = 0; i < jobs; i += batch) {
        for (let j = 0; j < batch && i + j < jobs; j++) parent.send({ type: 'post', id: `j${seq++}` });
        await new Promise((r) => setImmediate(r));
      }
      await done;
    },
    stop: () => parent.stop(),
  };
}
