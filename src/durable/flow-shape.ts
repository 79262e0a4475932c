import { FlowShapeChangedError, InvalidArgumentError } from '../errors.js';
import { Flow } from '../flow/flow.js';

/** What a checkpoint remembers of its flow: enough to tell whether restored jobs and state still fit it. */
export interface FlowShape {
  readonly name: string;
  /** Slot and event names per routine id, sorted. */
  readonly routines: Readonly<Record<string, { readonly slots: readonly string[]; readonly events: readonly string[] }>>;
  /** Every connection as `from.event -> to.slot`, sorted. */
  readonly connections: readonly string[];
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The shape of `flow` (plain data, stable order: two flows built alike give equal shapes). */
export function flowShape(flow: Flow): FlowShape {
  if (!(flow instanceof Flow)) throw new InvalidArgumentError('flowShape(flow)', flow, 'a Flow');
  const routines: Record<string, { slots: string[]; events: string[] }> = {};
  for (const id of [...flow.routines.keys()].sort(byText)) {
    const routine = flow.routines.get(id)!;
    routines[id] = { slots: routine.slots.map((s) => s.name).sort(byText), events: routine.events.map((e) => e.name).sort(byText) };
  }
  const connections = flow.connections.map((c) => `${c.from}.${c.event} -> ${c.to}.${c.slot}`).sort(byText);
  return { name: flow.name, routines, connections };
}

const quoted = (names: readonly string[]) => names.map((n) => `"${n}"`).join(', ');

function setDiff(saved: readonly string[], current: readonly string[]): { added: string[]; removed: string[] } {
  const s = new Set(saved);
  const c = new Set(current);
  return { added: current.filter((x) => !s.has(x)), removed: saved.filter((x) => !c.has(x)) };
}

/** The differences between a checkpoint's shape and the current flow's, one human-readable line each ([] if equal). */
export function diffShapes(saved: FlowShape, current: FlowShape): string[] {
  const out: string[] = [];
  if (saved.name !== current.name) out.push(`the flow was "${saved.name}" and is now "${current.name}"`);
  const routines = setDiff(Object.keys(saved.routines), Object.keys(current.routines));
  for (const id of routines.removed) out.push(`routine "${id}" was removed`);
  for (const id of routines.added) out.push(`routine "${id}" was added`);
  for (const id of Object.keys(saved.routines)) {
    const before = saved.routines[id]!;
    const after = current.routines[id];
    if (!after) continue;
    for (const [kind, was, now] of [
      ['slot', before.slots, after.slots],
      ['event', before.events, after.events],
    ] as const) {
      const d = setDiff(was, now);
      if (d.removed.length) out.push(`routine "${id}" no longer has ${kind}${d.removed.length > 1 ? 's' : ''} ${quoted(d.removed)}`);
      if (d.added.length) out.push(`routine "${id}" has new ${kind}${d.added.length > 1 ? 's' : ''} ${quoted(d.added)}`);
    }
  }
  const connections = setDiff(saved.connections, current.connections);
  for (const c of connections.removed) out.push(`connection ${c} was removed`);
  for (const c of connections.added) out.push(`connection ${c} was added`);
  return out;
}

/**
 * Checks a restored worker against the flow it is restored onto. Without a difference, or with a `migrate`
 * function (which then gets the saved worker and returns the one to run), returns what to run; otherwise
 * throws FlowShapeChangedError naming every difference. A checkpoint that recorded no shape is accepted.
 */
export function checkFlowShape<W extends { readonly flow?: FlowShape | undefined }>(
  workerId: string,
  saved: W,
  current: FlowShape,
  migrate?: (saved: W) => W,
): W {
  if (migrate !== undefined && typeof migrate !== 'function') {
    throw new InvalidArgumentError('exec option migrate', migrate, 'a function (saved) => worker to run');
  }
  if (saved.flow === undefined) return saved;
  const differences = diffShapes(saved.flow, current);
  if (differences.length === 0) return saved;
  if (!migrate) throw new FlowShapeChangedError(workerId, differences);
  const migrated = migrate(saved);
  if (typeof migrated !== 'object' || migrated === null) {
    throw new InvalidArgumentError(`the migration of worker "${workerId}"`, migrated, 'to return the worker to run (the saved one, changed)');
  }
  return { ...migrated, flow: current };
}
