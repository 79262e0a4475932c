import type { WorkerContext, WorkerMachineEvent } from '../../machines/worker.machine.js';
import type { SerializationMode } from '../serialization/check.js';
import { applyRoutineUpdate, deleteRoutineUpdate, type StateChange } from './apply-update.js';
import { DELETE_STATE } from './worker-state.js';

const NO_CHANGE: Partial<WorkerContext> = Object.freeze({});

/**
 * The worker's `state.apply` action (an `assign`): applies a `state.update` event to the context and answers
 * through the event's reply, so `updateRoutineState` returns the new value (or throws its error) synchronously.
 * An update whose sender gave up waiting (it was sent from inside another transition) is not applied at all.
 * `onApplied` hears every change that was applied, with its Immer patches (only then computed), e.g. to journal it.
 */
export function applyStateEvent(
  context: WorkerContext,
  event: WorkerMachineEvent,
  mode: SerializationMode,
  onApplied?: (change: StateChange) => void,
): Partial<WorkerContext> {
  if (event.type !== 'state.update' || event.reply.abandoned) return NO_CHANGE;
  const reply = event.reply;
  reply.done = true;
  try {
    const change =
      event.update === DELETE_STATE
        ? deleteRoutineUpdate(context.routineStates, event.routineId, onApplied !== undefined)
        : applyRoutineUpdate(context.routineStates, event.routineId, event.update, mode, onApplied !== undefined);
    reply.value = change.value;
    if (change.states === context.routineStates) return NO_CHANGE;
    onApplied?.(change);
    return { routineStates: change.states };
  } catch (error) {
    reply.error = error;
    return NO_CHANGE;
  }
}
