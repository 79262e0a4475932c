import { Routine, type RoutineLogic } from '../src/index.js';

/** A routine with the given slots and events whose logic is `logic` (for tests that need a quick node). */
export function node(slots: string[], events: string[], logic: RoutineLogic): Routine {
  const routine = new Routine();
  for (const s of slots) routine.addSlot(s);
  for (const e of events) routine.addEvent(e);
  return routine.setLogic(logic);
}

/** Resolves after `ms` real milliseconds. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Lets every queued microtask and one macrotask turn run. */
export const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
