import type { FlowProblem } from '../errors.js';
import type { FlowShape } from './flow-shape.js';

const problem = (severity: FlowProblem['severity'], code: string, message: string): FlowProblem => ({ severity, code, message });

/**
 * Errors stop a flow from running; warnings are shapes that are legal but often mistakes. A slot nothing
 * connects to is fine when it is an entry point (it receives posted data), so it is only a warning.
 */
export function validateFlow(flow: FlowShape): FlowProblem[] {
  const problems: FlowProblem[] = [];
  if (flow.routines.size === 0) problems.push(problem('error', 'EMPTY_FLOW', `Flow "${flow.name}" has no routines: add one with flow.addRoutine(routine, id).`));

  for (const [id, routine] of flow.routines) {
    if (!routine.logic) problems.push(problem('error', 'NO_LOGIC', `Routine "${id}" has no logic: call setLogic(fn) in its constructor.`));
    if (routine.slots.length === 0) problems.push(problem('error', 'NO_SLOTS', `Routine "${id}" has no slots, so nothing can ever activate it: add one with addSlot(name).`));
  }

  for (const c of flow.connections) {
    const from = flow.routines.get(c.from);
    const to = flow.routines.get(c.to);
    const edge = `${c.from}.${c.event} -> ${c.to}.${c.slot}`;
    if (!from) problems.push(problem('error', 'UNKNOWN_ROUTINE', `Connection ${edge} starts at unknown routine "${c.from}".`));
    else if (!from.hasEvent(c.event)) problems.push(problem('error', 'UNKNOWN_EVENT', `Connection ${edge}: routine "${c.from}" has no event "${c.event}".`));
    if (!to) problems.push(problem('error', 'UNKNOWN_ROUTINE', `Connection ${edge} ends at unknown routine "${c.to}".`));
    else if (!to.getSlot(c.slot)) problems.push(problem('error', 'UNKNOWN_SLOT', `Connection ${edge}: routine "${c.to}" has no slot "${c.slot}".`));
  }

  for (const [id, routine] of flow.routines) {
    for (const slot of routine.slots) {
      if (!flow.connections.some((c) => c.to === id && c.slot === slot.name)) {
        problems.push(problem('warning', 'UNCONNECTED_SLOT', `Slot "${id}.${slot.name}" has no incoming connection: it only receives posted data.`));
      }
    }
    for (const event of routine.events) {
      if (!flow.connections.some((c) => c.from === id && c.event === event.name)) {
        problems.push(problem('warning', 'UNCONNECTED_EVENT', `Event "${id}.${event.name}" is connected to nothing: what it emits is not delivered anywhere.`));
      }
    }
  }

  for (const cycle of findCycles(flow)) {
    problems.push(problem('warning', 'CYCLE', `Cycle ${cycle.join(' -> ')}: make sure it stops, or jobs of this flow never finish.`));
  }
  return problems;
}

/** One cycle per strongly connected loop, as routine ids starting and ending at the same routine. */
function findCycles(flow: FlowShape): string[][] {
  const next = new Map<string, string[]>();
  for (const c of flow.connections) {
    if (!next.has(c.from)) next.set(c.from, []);
    if (!next.get(c.from)!.includes(c.to)) next.get(c.from)!.push(c.to);
  }
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): void => {
    state.set(id, 'open');
    path.push(id);
    for (const to of next.get(id) ?? []) {
      if (state.get(to) === 'open') cycles.push([...path.slice(path.indexOf(to)), to]);
      else if (!state.has(to)) visit(to);
    }
    path.pop();
    state.set(id, 'done');
  };
  for (const id of flow.routines.keys()) if (!state.has(id)) visit(id);
  return cycles;
}
