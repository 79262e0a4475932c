import { InvalidArgumentError } from '../errors.js';
import { assertDelay } from '../util/delay.js';
import type { WorkerState } from '../state/worker-state.js';
import { TAKE_ALL, WAIT, everySlotHas, hasAnyItem, type ActivationPolicy, type PolicyDecision, type SlotsView, type Take } from './policy.js';

const positiveInteger = (name: string, n: unknown): number => {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new InvalidArgumentError(name, n, 'a positive integer');
  return n;
};

/** The default: any new data activates the routine with everything its slots hold. */
export function immediatePolicy(): ActivationPolicy {
  return IMMEDIATE;
}

const IMMEDIATE: ActivationPolicy = Object.freeze({
  name: 'immediate',
  params: Object.freeze({}),
  decide: (slots: SlotsView) => (hasAnyItem(slots) ? TAKE_ALL : WAIT),
});

/** Activates once every slot holds at least `n` items, taking `n` from each. */
export function batchSizePolicy(n: number): ActivationPolicy {
  const size = positiveInteger('batchSizePolicy(n)', n);
  return Object.freeze({
    name: 'batchSize',
    params: Object.freeze({ n: size }),
    decide(slots: SlotsView): PolicyDecision {
      if (!everySlotHas(slots, size)) return WAIT;
      const take: Record<string, number> = {};
      for (const name in slots) take[name] = size;
      return { activate: true, take };
    },
  });
}

/** Activates once every slot holds at least one item, taking one from each (a join). */
export function allSlotsReadyPolicy(): ActivationPolicy {
  return ALL_SLOTS_READY;
}

const ALL_SLOTS_READY: ActivationPolicy = Object.freeze({
  name: 'allSlotsReady',
  params: Object.freeze({}),
  decide(slots: SlotsView): PolicyDecision {
    if (!everySlotHas(slots, 1)) return WAIT;
    const take: Record<string, number> = {};
    for (const name in slots) take[name] = 1;
    return { activate: true, take };
  },
});

/**
 * At most one activation per `ms` in a job: data arriving sooner waits, and everything gathered by then is taken
 * together. The pending wake-up keeps the job open.
 */
export function timeIntervalPolicy(ms: number): ActivationPolicy {
  assertDelay('timeIntervalPolicy(ms)', ms, true);
  return Object.freeze({
    name: 'timeInterval',
    params: Object.freeze({ ms }),
    decide(slots: SlotsView, _ws: WorkerState, { now, lastActivatedAt }: { now: number; lastActivatedAt: number | undefined }): PolicyDecision {
      if (!hasAnyItem(slots)) return WAIT;
      const elapsed = lastActivatedAt === undefined ? Infinity : now - lastActivatedAt;
      return elapsed >= ms ? TAKE_ALL : { activate: false, wakeAfter: ms - elapsed };
    },
  });
}

/**
 * What a customPolicy function returns: `true` takes every item, `false` waits, an object activates with
 * `take` (default `'all'`) and passes `message` to the logic.
 */
export type CustomPolicyResult = boolean | { readonly take?: Take; readonly message?: unknown };

/**
 * Your own rule: return `true` to take everything, `false` to wait, or `{ take, message }` to take some items
 * (a count per slot) and pass a message to the logic.
 */
export function customPolicy(
  fn: (slots: SlotsView, workerState: WorkerState) => CustomPolicyResult,
  name = 'custom',
): ActivationPolicy {
  if (typeof fn !== 'function') throw new InvalidArgumentError('customPolicy(fn)', fn, 'a function (slots, workerState) => boolean | { take, message }');
  return Object.freeze({
    name,
    params: Object.freeze({}),
    decide(slots: SlotsView, workerState: WorkerState): PolicyDecision {
      const result = fn(slots, workerState);
      if (result === true) return TAKE_ALL;
      if (!result) return WAIT;
      if (typeof result !== 'object') {
        throw new InvalidArgumentError(`customPolicy "${name}" result`, result, 'true, false or { take, message }');
      }
      return { activate: true, take: result.take ?? 'all', message: result.message };
    },
  });
}
