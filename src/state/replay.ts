import { applyPatches, type Patch } from 'immer';
import { InvalidArgumentError } from '../errors.js';
import type { SerializationMode } from '../serialization/check.js';
import { applyRoutineUpdate, deleteRoutineUpdate, type StateChange } from './apply-update.js';
import { RoutineStates } from './routine-states.js';

/*
 * Rebuilding a worker's routine states from what a journal keeps: a snapshot (the plain `routineStates` record)
 * and, after it, each applied update as `{ routineId, patches }` (see StateChange). Everything restored goes
 * through the same checks as a live update, so a restored state is frozen and serializable like any other.
 */

/** Routine states rebuilt from a snapshot's plain record, each value checked and frozen as an update would be. */
export function restoreRoutineStates(record: Readonly<Record<string, unknown>>, mode: SerializationMode): RoutineStates {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new InvalidArgumentError('routineStates', record, 'a plain record of routine id to state (a snapshot\'s routineStates)');
  }
  let states = RoutineStates.EMPTY;
  for (const routineId of Object.keys(record)) states = applyRoutineUpdate(states, routineId, record[routineId], mode).states;
  return states;
}

/**
 * Applies one journaled update (the patches of a StateChange) to `states`. A patch with path `[]` replaces or
 * removes the whole routine state; others edit it with Immer's `applyPatches`, which refuses paths that go
 * through a key named `__proto__` or `constructor` (so such a change must be journaled as a whole new value).
 */
export function replayRoutineUpdate(states: RoutineStates, routineId: string, patches: readonly Patch[], mode: SerializationMode): StateChange {
  let change: StateChange = { states, routineId, value: states.get(routineId) };
  let edits: Patch[] = [];
  const flush = () => {
    if (!edits.length) return;
    const batch = edits;
    edits = [];
    change = applyRoutineUpdate(change.states, routineId, (draft: unknown) => void applyPatches(draft as object, batch), mode);
  };
  for (const patch of patches) {
    if (patch.path.length > 0) {
      edits.push(patch);
      continue;
    }
    flush();
    change = patch.op === 'remove' ? deleteRoutineUpdate(change.states, routineId) : applyRoutineUpdate(change.states, routineId, patch.value, mode);
  }
  flush();
  return change;
}
