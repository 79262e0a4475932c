/**
 * WorkerState updates per second, and how they scale with big state (Immer copies every container on the changed
 * path, so a plain 10,000-key object costs milliseconds a write).
 *   - updating routine B's small state while routine A holds a 10,000-entry cache, vs with A empty
 *   - a single-entry write into A's 10,000-entry StateMap cache, vs into a 10-entry one
 *   - for reference, the trap: a single-entry write into a plain 10,000-key object, vs a 10-key one
 */
import { Flow, Runtime, stateMap, type StateMap, type WorkerState } from '../src/index.js';
import { node } from '../test/helpers.js';
import { paired, printPaired } from './lib/measure.js';

const TRIALS = 5;

function withWorker<T>(fn: (ws: WorkerState) => T): T {
  const runtime = new Runtime();
  try {
    return fn(runtime.exec(new Flow('bench').addRoutine(node(['in'], [], () => {}), 'r')));
  } finally {
    void runtime.shutdown();
  }
}

function rate(count: number, work: () => void): number {
  const start = process.hrtime.bigint();
  work();
  return count / (Number(process.hrtime.bigint() - start) / 1e9);
}

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
      for (let i = 0; i < n; i++) ws.updateRoutineState<{ n?: number }>('b', (d) => void (d.n = (d.n ?? 0) + 1));
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

console.log(`updates/s, median of ${TRIALS} alternating runs; ratio = cost / baseline cost (aim: about 1x for the first two)`);
printPaired('B updates, A holds a 10,000-entry cache', await paired(TRIALS, async () => otherRoutine(10_000), async () => otherRoutine(0)), 'A empty', 'updates/s');
printPaired('1 write into a 10,000-entry StateMap', await paired(TRIALS, async () => intoMap(10_000), async () => intoMap(10)), '10 entries', 'updates/s');
printPaired('(trap) 1 write into a 10,000-key object', await paired(TRIALS, async () => intoPlainObject(10_000), async () => intoPlainObject(10)), '10 keys', 'updates/s');
