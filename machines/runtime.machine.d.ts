export type RuntimeMachineEvent = {
    type: 'worker.exec';
    worker: unknown;
} | {
    type: 'shutdown';
} | {
    type: `xstate.done.actor.${string}`;
    output?: unknown;
} | {
    type: `xstate.error.actor.${string}`;
    error: unknown;
};
/**
 * The root of one runtime's actor system. Workers are created as its children, so an inspector attached here
 * sees every worker and job. Worker crashes arrive as `xstate.error.actor.<workerId>` and are recorded, never
 * rethrown: one broken worker does not stop the others.
 */
export declare const runtimeMachine: import("xstate").StateMachine<import("xstate").MachineContext, {
    type: "worker.exec";
    worker: unknown;
} | {
    type: "shutdown";
} | {
    type: `xstate.done.actor.${string}`;
    output?: unknown;
} | {
    type: `xstate.error.actor.${string}`;
    error: unknown;
}, {}, never, {
    type: "worker.stopped";
    params: unknown;
} | {
    type: "worker.start";
    params: unknown;
} | {
    type: "worker.crashed";
    params: unknown;
}, never, never, "running" | "shutDown", string, import("xstate").NonReducibleUnknown, import("xstate").NonReducibleUnknown, import("xstate").EventObject, import("xstate").MetaObject, {
    id: "runtime";
    states: {
        readonly running: {};
        readonly shutDown: {};
    };
}, import("xstate").MetaObject>;
export type RuntimeMachine = typeof runtimeMachine;
