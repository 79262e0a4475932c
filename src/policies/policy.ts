import type { WorkerState } from '../state/worker-state.js';

/** What each slot of a routine holds for one job, by slot name, oldest first. */
export type SlotsView = Readonly<Record<string, readonly unknown[]>>;

/** The third argument of ActivationPolicy.decide: time, which a policy must not read from Date itself. */
export interface PolicyContext {
  /** The runtime clock's now, in ms since the epoch. */
  readonly now: number;
  /** When this routine last activated in this job, if it has. */
  readonly lastActivatedAt: number | undefined;
}

/** How many items to take: all of every slot, or a count per slot name (from the front of each queue). */
export type Take = 'all' | Readonly<Record<string, number>>;

/**
 * The answer of ActivationPolicy.decide: run the logic now with the items `take` removes from the slots (and
 * `message` as its second argument), or wait.
 */
export type PolicyDecision =
  | { readonly activate: true; readonly take: Take; readonly message?: unknown }
  /** `wakeAfter` (ms): ask again then, even if no new data arrives; the job stays open meanwhile. */
  | { readonly activate: false; readonly wakeAfter?: number };

/**
 * Decides when a routine's logic runs and with what. It is a pure function of the routine's slots (per job), the
 * worker state and the clock; the job calls it whenever new data arrives or a requested wake-up fires.
 */
export interface ActivationPolicy {
  /** A stable name (used in flow definitions and traces). */
  readonly name: string;
  /** The parameters the policy was made with, for flow definitions. */
  readonly params: Readonly<Record<string, number>>;
  /**
   * Whether to activate now, and with which items. Asked only while some slot holds an item, and again right
   * after each activation, so one answer is one activation; an answer that takes nothing counts as waiting.
   * A throw fails the job.
   */
  decide(slots: SlotsView, workerState: WorkerState, context: PolicyContext): PolicyDecision;
}

/** The decision to wait for more data, without a wake-up. */
export const WAIT: PolicyDecision = Object.freeze({ activate: false });
/** The decision to activate with every item of every slot. */
export const TAKE_ALL: PolicyDecision = Object.freeze({ activate: true, take: 'all' });

/** Whether any slot holds at least one item. */
export function hasAnyItem(slots: SlotsView): boolean {
  for (const name in slots) if (slots[name]!.length > 0) return true;
  return false;
}

/** Whether every slot holds at least `n` items. */
export function everySlotHas(slots: SlotsView, n: number): boolean {
  for (const name in slots) if (slots[name]!.length < n) return false;
  return true;
}
