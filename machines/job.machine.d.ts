/** How a job ended. */
export type JobOutcome = 'completed' | 'failed' | 'cancelled' | 'timedOut';
/** One item on its way into one slot of this job (routine and slot by index; `target` names them). */
export interface SlotDelivery {
    readonly routine: number;
    readonly slot: number;
    /** "routineId.slotName", for people reading traces and the inspector. */
    readonly target: string;
    readonly item: unknown;
}
/** A finished run of a routine's logic, as the job machine sees it. */
export interface ActivationRef {
    readonly routineId: string;
    readonly attempt: number;
}
/**
 * The job actor owns its slot queues and activation bookkeeping through this driver; the machine decides *when*
 * things happen (one event at a time), the driver does them. Keeping the driver behind an interface lets this
 * machine be imported, visualised and tested on its own.
 */
export interface JobDriver {
    readonly jobId: string;
    /** Put items into slot queues: the posted item, or emits made by logic (`buffered`: held until it yielded). */
    enqueue(items: readonly SlotDelivery[], buffered: boolean): void;
    /** An activation's logic returned or threw: account for it, apply the error strategy, route what it emitted. */
    settle(activation: ActivationRef): void;
    /** A retry or policy timer fired. */
    wake(timer: number): void;
    /** Ask every routine with queued data whether it activates now, and schedule those that do. */
    activate(): void;
    /** Nothing running, nothing scheduled, and no routine able to activate. */
    isQuiescent(): boolean;
    /** Set when the job must fail (an error under the `stop` strategy, a full slot, a throwing policy). */
    readonly failure: unknown;
    /** Entered a final state: abort the signal, clear timers, record the outcome. */
    finish(outcome: JobOutcome, reason?: unknown): void;
}
export interface JobMachineContext {
    readonly driver: JobDriver;
}
export type JobMachineEvent = {
    type: 'slot.enqueue';
    items: readonly SlotDelivery[];
    buffered?: boolean;
} | {
    type: 'routine.done';
    activation: ActivationRef;
} | {
    type: 'timer.fire';
    timer: number;
} | {
    type: 'job.cancel';
    reason?: unknown;
} | {
    type: 'job.timeout';
    reason?: unknown;
} | {
    type: 'job.fail';
    error: unknown;
} | {
    type: 'job.idle';
};
/**
 * running → completed | failed | cancelled | timedOut. A job completes by itself at quiescence: no logic running,
 * no timer pending, and no routine able to activate on what its slots hold.
 *
 * `pending` (no logic started yet: waiting for a concurrency slot or a paused worker) is a status of the job's
 * JobContext, not a state of this machine: a pending → running transition for every job cost about a fifth of
 * the runtime's throughput, and tells nothing the JobContext does not.
 */
export declare const jobMachine: import("xstate").StateMachine<JobMachineContext, {
    type: "slot.enqueue";
    items: readonly SlotDelivery[];
    buffered?: boolean;
} | {
    type: "routine.done";
    activation: ActivationRef;
} | {
    type: "timer.fire";
    timer: number;
} | {
    type: "job.cancel";
    reason?: unknown;
} | {
    type: "job.timeout";
    reason?: unknown;
} | {
    type: "job.fail";
    error: unknown;
} | {
    type: "job.idle";
}, {}, never, {
    type: "slot.enqueue";
    params: unknown;
} | {
    type: "routine.activate";
    params: unknown;
} | {
    type: "job.checkEnd";
    params: import("xstate").NonReducibleUnknown;
} | {
    type: "routine.settle";
    params: unknown;
} | {
    type: "timer.wake";
    params: unknown;
} | {
    type: "job.finish";
    params: {
        outcome: JobOutcome;
    };
}, never, never, "completed" | "failed" | "cancelled" | "timedOut" | "running", string, {
    driver: JobDriver;
}, import("xstate").NonReducibleUnknown, import("xstate").EventObject, import("xstate").MetaObject, {
    id: "job";
    states: {
        readonly running: {};
        readonly completed: {};
        readonly failed: {};
        readonly cancelled: {};
        readonly timedOut: {};
    };
}, import("xstate").MetaObject>;
export type JobMachine = typeof jobMachine;
