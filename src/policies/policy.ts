import type { WorkerState } from '../state/worker-state.js';

/** What each slot of a routine holds for one job, by slot name, oldest first. */
export type SlotsView = Readonly<Record<string, readonly unknown[]>>;

export interface PolicyContext {
  /** The runtime clock's now. */
  readonly now: number;
  /** When this routine last activated in this job, if it has. */
  readonly lastActivatedAt: number | undefined;
}

/** How many items to take: all of every slot, or a count per slot name (from the front of each queue). */
export type Take = 'all' | Readonly<Record<string, number>>;

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
  decide(slots: SlotsView, workerState: WorkerState, context: PolicyContext): PolicyDecision;
}

export const WAIT: PolicyDecision = Object.freeze({ activate: false });
export const TAKE_ALL: PolicyDecision = Object.freeze({ activate: true, take: 'all' });

export function hasAnyItem(slots: SlotsView): boolean {
  for (const name in slots) if (slots[name]!.length > 0) return true;
  return false;
}

export function everySlotHas(slots: SlotsView, n: number): boolean {
  for (const name in slots) if (slots[name]!.length < n) return false;
  return true;
}
