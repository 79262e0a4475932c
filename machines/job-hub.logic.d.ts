import { type AnyEventObject } from 'xstate';
/** What the hub does when one of its job actors ends (reached a final state) or crashed. */
export interface JobHubContext {
    jobEnded(jobId: string): void;
    jobCrashed(jobId: string, error: unknown): void;
    /** What the inspector shows for the hub's context. */
    toJSON(): unknown;
}
/**
 * The parent of a worker's job actors (it is itself the worker's child, id `jobs`). XState reports a child's end
 * to its parent as `xstate.done.actor.<childId>`; a machine memoizes its transition candidates per event type, so
 * a worker *machine* receiving one uniquely named event per job grows without bound (~350 bytes a job). This hub
 * is plain transition logic: no memo, and one machine transition fewer per job.
 */
export declare const jobHubLogic: import("xstate").TransitionActorLogic<JobHubContext, AnyEventObject, JobHubContext, import("xstate").EventObject>;
export type JobHubLogic = typeof jobHubLogic;
