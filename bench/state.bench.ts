/**
 * WorkerState updates per second, each as a cost ratio against a baseline run in the same process, alternating,
 * median of several runs (issue 12's table, rows 1-3, then the big-container rows):
 *   1. update one routine state while the worker holds 10,000 other routine states, vs holding 10 (aim <= 1.2x)
 *   2. update one key of a 1,000-key routine state, vs a bare Immer `produce` on the same object (aim <= 1.5x)
 *   3. small-state updates, vs XState `assign` applying the same Immer recipe to its context (aim >= 0.8x the
 *      rate, i.e. <= 1.25x cost); the same against an `assign` that only adds 1 is printed for reference
 *   - updating routine B's small state while routine A holds a 10,000-entry StateMap cache, vs with A empty
 *   - a single-entry write into A's 10,000-entry StateMap cache, vs into a 10-entry one
 *   - for reference, the trap: a single-entry write into a plain 10,000-key object, vs a 10-key one
 */
import { produce } from 'immer';
import { assign, createActor, setup } from 'xstate';
import { Flow, Runtime, stateMap, type StateMap, type WorkerState } from '../src/index.js';
import { node } from '../test/helpers.js';
import { gc, paired, printPaired } from './lib/measure.js';
import { reportRow } from './lib/report.js';

const TRIALS = 7;

function withWorker<T>(fn: (ws: WorkerState) => T): T {
  const runtime = new Runtime();
  try {
    return fn(runtime.exec(new Flow('bench').addRoutine(node(['in'], [], () => {}), 'r')));
  } finally {
    void runtime.shutdown();
  }
}

function rate(count: number, work: () => void): number {
  gc();
  const start = process.hrtime.bigint();
  work();
  return count / (Number(process.hrtime.bigint() - start) / 1e9);
}

type Counter = { n?: number };
const increment = (d: Counter) => void (d.n = (d.n ?? 0) + 1);

// Row 1: the number of other routine states must not matter.
const manyRoutines = (others: number) =>
  withWorker((ws) => {
    for (let i = 0; i < others; i++) ws.updateRoutineState(`other${i}`, { i });
    const n = 20_000;
    return rate(n, () => {
      for (let i = 0; i < n; i++) ws.updateRoutineState<Counter>('b', increment);
    });
  });

// Row 2: one key of a 1,000-key state, against Immer alone doing the same edit.
function bigObject(keys: number): Record<string, number> {
  const o: Record<string, number> = {};
  for (let i = 0; i < keys; i++) o[`k${i}`] = i;
  return o;
}
const KEYS = 1_000;
const BIG_UPDATES = 5_000;
const oneKeyInWorker = () =>
  withWorker((ws) => {
    ws.updateRoutineState('big', bigObject(KEYS));
    return rate(BIG_UPDATES, () => {
      for (let i = 0; i < BIG_UPDATES; i++) {
        ws.updateRoutineState<Record<string, number>>('big', (d) => {
          d[`k${i % KEYS}`] = i;
        });
      }
    });
  });
const oneKeyBareImmer = async () => {
  let state = Object.freeze(bigObject(KEYS));
  return rate(BIG_UPDATES, () => {
    for (let i = 0; i < BIG_UPDATES; i++) {
      state = produce(state, (d) => {
        d[`k${i % KEYS}`] = i;
      });
    }
  });
};

// Row 3: per-update overhead against XState alone.
const SMALL_UPDATES = 50_000;
const smallInWorker = () =>
  withWorker((ws) => {
    ws.updateRoutineState<Counter>('c', increment);
    return rate(SMALL_UPDATES, () => {
      for (let i = 0; i < SMALL_UPDATES; i++) ws.updateRoutineState<Counter>('c', increment);
    });
  });
type UpdateEvent = { type: 'update'; routineId: string; recipe: (d: Counter) => void };
const assignWithImmer = setup({
  types: { context: {} as { states: Readonly<Record<string, Counter>> }, events: {} as UpdateEvent },
}).createMachine({
  context: { states: {} },
  on: {
    update: {
      actions: assign(({ context, event }) => ({
        states: { ...context.states, [event.routineId]: produce(context.states[event.routineId] ?? {}, event.recipe) },
      })),
    },
  },
});
const smallBareXState = async () => {
  const actor = createActor(assignWithImmer).start();
  actor.send({ type: 'update', routineId: 'c', recipe: increment });
  const n = rate(SMALL_UPDATES, () => {
    for (let i = 0; i < SMALL_UPDATES; i++) actor.send({ type: 'update', routineId: 'c', recipe: increment });
  });
  actor.stop();
  return n;
};
const assignOnly = setup({ types: { context: {} as { n: number }, events: {} as { type: 'add' } } }).createMachine({
  context: { n: 0 },
  on: { add: { actions: assign({ n: ({ context }) => context.n + 1 }) } },
});
const smallAssignOnly = async () => {
  const actor = createActor(assignOnly).start();
  const n = rate(SMALL_UPDATES, () => {
    for (let i = 0; i < SMALL_UPDATES; i++) actor.send({ type: 'add' });
  });
  actor.stop();
  return n;
};

// Big containers inside one state.
function fillMap(ws: WorkerState, entries: number): void {
  let map = stateMap<{ v: number }>();
  for (let i = 0; i < entries; i++) map = map.set(`k${i}`, { v: i });
  ws.updateRoutineState('a', { cache: map });
}

const otherRoutine = (cacheEntries: number) =>
  withWorker((ws) => {
    fillMap(ws, cacheEntries);
    const n = 20_000;
    return rate(n, () => {
      for (let i = 0; i < n; i++) ws.updateRoutineState<Counter>('b', increment);
    });
  });

const intoMap = (cacheEntries: number) =>
  withWorker((ws) => {
    fillMap(ws, cacheEntries);
    const n = 20_000;
    return rate(n, () => {
      for (let i = 0; i < n; i++) {
        ws.updateRoutineState<{ cache: StateMap<{ v: number }> }>('a', (d) => {
          d.cache = d.cache.set(`k${i % cacheEntries}`, { v: i });
        });
      }
    });
  });

const intoPlainObject = (keys: number) =>
  withWorker((ws) => {
    const cache: Record<string, { v: number }> = {};
    for (let i = 0; i < keys; i++) cache[`k${i}`] = { v: i };
    ws.updateRoutineState('a', { cache });
    const n = keys > 1000 ? 200 : 20_000;
    return rate(n, () => {
      for (let i = 0; i < n; i++) {
        ws.updateRoutineState<{ cache: Record<string, { v: number }> }>('a', (d) => {
          d.cache[`k${i % keys}`] = { v: i };
        });
      }
    });
  });

// `STATE_BENCH_ROWS=1,3` runs only those rows (rows 4-6 are the big-container ones).
const only = process.env.STATE_BENCH_ROWS?.split(',');
const row = (n: number) => !only || only.includes(String(n));

console.log(`updates/s, median of ${TRIALS} alternating runs; ratio = cost / baseline cost`);
if (row(1)) {
  const row1 = await paired(TRIALS, async () => manyRoutines(10_000), async () => manyRoutines(10));
  printPaired('1. 1 update, 10,000 other routine states', row1, '10 others', 'updates/s');
  reportRow({ what: 'update one routine state while the worker holds 10,000 other routine states, vs holding 10', measured: `${row1.ratio.toFixed(2)}x`, aim: '<= 1.2x', met: row1.ratio <= 1.2 });
}
if (row(2)) {
  const row2 = await paired(TRIALS, async () => oneKeyInWorker(), oneKeyBareImmer);
  printPaired('2. 1 key of a 1,000-key state', row2, 'bare produce', 'updates/s');
  reportRow({ what: 'update one key of a 1,000-key routine state, vs a bare Immer produce', measured: `${row2.ratio.toFixed(2)}x`, aim: '<= 1.5x', met: row2.ratio <= 1.5 });
}
if (row(3)) {
  const row3 = await paired(TRIALS, async () => smallInWorker(), smallBareXState);
  printPaired('3. small-state updates', row3, 'assign+Immer', 'updates/s');
  console.log(`   = ${(1 / row3.ratio).toFixed(2)}x the rate of XState assign applying the same recipe (aim >= 0.8x)`);
  reportRow({ what: 'small-state updates/s vs XState assign (applying the same Immer recipe)', measured: `${(1 / row3.ratio).toFixed(2)}x`, aim: '>= 0.8x', met: 1 / row3.ratio >= 0.8 });
  const row3b = await paired(TRIALS, async () => smallInWorker(), smallAssignOnly);
  printPaired('   (ref) small-state updates', row3b, 'assign n+1', 'updates/s');
  console.log(`   = ${(1 / row3b.ratio).toFixed(2)}x the rate of an assign that only adds 1 (no Immer, no recipe)`);
}
if (row(4)) printPaired('B updates, A holds a 10,000-entry cache', await paired(5, async () => otherRoutine(10_000), async () => otherRoutine(0)), 'A empty', 'updates/s');
if (row(5)) printPaired('1 write into a 10,000-entry StateMap', await paired(5, async () => intoMap(10_000), async () => intoMap(10)), '10 entries', 'updates/s');
if (row(6)) printPaired('(trap) 1 write into a 10,000-key object', await paired(3, async () => intoPlainObject(10_000), async () => intoPlainObject(10)), '10 keys', 'updates/s');
