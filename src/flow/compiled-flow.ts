import { FlowValidationError } from '../errors.js';
import { DEFAULT_ERROR_HANDLER, type ErrorHandler } from '../routine/error-handler.js';
import type { ActivationPolicy } from '../policies/policy.js';
import type { Routine, RoutineLogic } from '../routine/routine.js';
import type { Flow } from './flow.js';

/** Where an emitted item goes: indexes for the hot path, a readable name for traces and the inspector. */
export interface SlotTarget {
  readonly routine: number;
  readonly slot: number;
  /** This slot's number among all slots of the flow (0 … slotCount − 1), for per-job arrays indexed by slot. */
  readonly index: number;
  readonly routineId: string;
  readonly slotName: string;
  /** "routineId.slotName" */
  readonly target: string;
  readonly maxQueueLength: number;
}

/** One routine of a CompiledFlow, with what it was set up with at compile time and where its events go. */
export interface CompiledRoutine {
  readonly id: string;
  readonly index: number;
  readonly routine: Routine;
  readonly slotNames: readonly string[];
  readonly slots: readonly SlotTarget[];
  readonly slotIndex: ReadonlyMap<string, number>;
  /** Event name → the slots it feeds (empty array if declared but unconnected). */
  readonly targets: ReadonlyMap<string, readonly SlotTarget[]>;
  readonly logic: RoutineLogic;
  readonly policy: ActivationPolicy;
  readonly errorHandler: ErrorHandler;
}

/**
 * A flow frozen into arrays and maps at exec time: a worker keeps running the shape, logic, policies and error
 * handlers it started with even if the Flow or its routines are edited later.
 */
export interface CompiledFlow {
  readonly flow: Flow;
  readonly name: string;
  readonly routines: readonly CompiledRoutine[];
  readonly byId: ReadonlyMap<string, CompiledRoutine>;
  /** How many slots the flow has in all (see SlotTarget.index). */
  readonly slotCount: number;
  readonly jobTimeout: number | undefined;
}

/**
 * Freezes `flow` for a worker that is starting.
 * @throws FlowValidationError when flow.validate() reports an error (warnings are the runtime's to report).
 */
export function compileFlow(flow: Flow): CompiledFlow {
  const problems = flow.validate();
  if (problems.some((p) => p.severity === 'error')) throw new FlowValidationError(flow.name, problems);

  const ids = [...flow.routines.keys()];
  let slotCount = 0;
  const slotsOf = ids.map((id, index) =>
    flow.routines
      .get(id)!
      .slots.map(
        (s, slot): SlotTarget =>
          Object.freeze({ routine: index, slot, index: slotCount++, routineId: id, slotName: s.name, target: `${id}.${s.name}`, maxQueueLength: s.maxQueueLength }),
      ),
  );
  const routines = ids.map((id, index): CompiledRoutine => {
    const routine = flow.routines.get(id)!;
    const slots = slotsOf[index]!;
    const targets = new Map<string, SlotTarget[]>(routine.events.map((e) => [e.name, []]));
    for (const c of flow.connections) {
      if (c.from !== id) continue;
      const to = ids.indexOf(c.to);
      targets.get(c.event)!.push(slotsOf[to]!.find((s) => s.target === `${c.to}.${c.slot}`)!);
    }
    return Object.freeze({
      id,
      index,
      routine,
      slotNames: routine.slots.map((s) => s.name),
      slots,
      slotIndex: new Map(routine.slots.map((s, i) => [s.name, i])),
      targets,
      logic: routine.logic!,
      policy: routine.activationPolicy,
      errorHandler: routine.errorHandler ?? flow.errorHandler ?? DEFAULT_ERROR_HANDLER,
    });
  });
  return Object.freeze({
    flow,
    name: flow.name,
    routines,
    byId: new Map(routines.map((r) => [r.id, r])),
    slotCount,
    jobTimeout: flow.jobTimeout,
  });
}
