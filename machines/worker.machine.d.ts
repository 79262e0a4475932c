/** The immutable data of a WorkerState: the worker actor's whole context. */
export interface WorkerStateData {
    readonly workerId: string;
    readonly flowId: string;
    readonly routineStates: Readonly<Record<string, unknown>>;
}
/** Filled in by the worker while it processes a `state.update`, so the sender gets the result synchronously. */
export interface StateUpdateReply {
    value?: unknown;
    error?: unknown;
    done?: boolean;
    /** Set by a sender that could not wait (the worker was busy): the update must then not be applied at all. */
    abandoned?: boolean;
}
export type WorkerMachineEvent = {
    type: 'job.post';
    job: unknown;
} | {
    type: 'state.update';
    routineId: string;
    update: unknown;
    reply: StateUpdateReply;
} | {
    type: 'pause';
} | {
    type: 'resume';
} | {
    type: 'stop';
    reason?: unknown;
}
/** Sent by the worker's job hub when its last live job has ended. */
 | {
    type: 'jobs.drained';
};
/**
 * A worker runs one flow. Its context is the WorkerState, changed only by `state.update` events, which XState
 * processes one at a time: a recipe always sees the latest state, so concurrent jobs never lose an update.
 * It starts a job actor per `job.post` (actor id = job id). Job actors are children of the worker's job hub
 * (`job-hub.logic.ts`), which hears when each one ends or crashes: a failing job never takes its worker down.
 *
 * The actions are declared here by name and implemented by the runtime (`workerMachine.provide(...)`), so the
 * machine stays viewable on its own and the inspector shows what each step is.
 */
export declare const workerMachine: import("xstate").StateMachine<WorkerStateData, {
    type: "job.post";
    job: unknown;
} | {
    type: "state.update";
    routineId: string;
    update: unknown;
    reply: StateUpdateReply;
} | {
    type: "pause";
} | {
    type: "resume";
} | {
    type: "stop";
    reason?: unknown;
} | {
    type: "jobs.drained";
}, {}, never, {
    type: "job.spawn";
    params: unknown;
} | {
    type: "job.refuse";
    params: unknown;
} | {
    type: "activations.hold";
    params: unknown;
} | {
    type: "activations.release";
    params: unknown;
} | {
    type: "jobs.cancelAll";
    params: unknown;
} | {
    type: "state.apply";
    params: unknown;
} | {
    type: "worker.stopped";
    params: unknown;
} | {
    type: "jobs.stopHub";
    params: unknown;
}, {
    type: "hasNoLiveJobs";
    params: unknown;
}, never, "stopped" | "running" | "starting" | "paused" | "stopping", string, WorkerStateData, import("xstate").NonReducibleUnknown, import("xstate").EventObject, import("xstate").MetaObject, {
    id: "worker";
    states: {
        readonly starting: {};
        readonly running: {};
        readonly paused: {};
        readonly stopping: {};
        readonly stopped: {};
    };
}, import("xstate").MetaObject>;
export type WorkerMachine = typeof workerMachine;
