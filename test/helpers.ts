import { readFileSync } from 'node:fs';
import { Routine, type RoutineLogic } from '../src/index.js';

/** A routine with the given slots and events whose logic is `logic` (for tests that need a quick node). */
export function node(slots: string[], events: string[], logic: RoutineLogic): Routine {
  const routine = new Routine();
  for (const s of slots) routine.addSlot(s);
  for (const e of events) routine.addEvent(e);
  return routine.setLogic(logic);
}

/** A routine with one slot `in` whose logic adds 1 to `{ n }` in the routine state `stateKey` (a job counter). */
export function counter(stateKey = 'count'): Routine {
  return node(['in'], [], (_slots, _message, ws) => {
    ws.updateRoutineState<{ n: number }>(stateKey, (d) => {
      d.n = (d.n ?? 0) + 1;
    });
  });
}

/** Resolves after `ms` real milliseconds. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Lets every queued microtask and one macrotask turn run. */
export const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The README's text under `heading` (e.g. `## Example`), up to the next `## ` heading. */
export function readmeSection(heading: string): string {
  const readme = readFileSync('README.md', 'utf8');
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README has no "${heading}" section`);
  const end = readme.indexOf('\n## ', start + heading.length + 2);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** The README's ```ts code blocks under `heading`, in order. */
export function readmeSnippets(heading: string): string[] {
  return [...readmeSection(heading).matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}
