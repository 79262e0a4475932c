import { fromTransition, type AnyEventObject } from 'xstate';

/** What the hub does when one of its job actors ends (reached a final state) or crashed. */
export interface JobHubContext {
  /** The job actor `jobId` reached a final state. */
  jobEnded(jobId: string): void;
  /** The job actor `jobId` threw out of XState (a bug, not a failed job): `error` is what it threw. */
  jobCrashed(jobId: string, error: unknown): void;
  /** What the inspector shows for the hub's context. */
  toJSON(): unknown;
}

const DONE = 'xstate.done.actor.';
const ERROR = 'xstate.error.actor.';

/**
 * The parent of a worker's job actors (it is itself the worker's child, id `jobs`). XState reports a child's end
 * to its parent as `xstate.done.actor.<childId>`; a machine memoizes its transition candidates per event type, so
 * a worker *machine* receiving one uniquely named event per job grows without bound (~350 bytes a job). This hub
 * is plain transition logic: no memo, and one machine transition fewer per job.
 */
export const jobHubLogic = fromTransition(
  (context: JobHubContext, event: AnyEventObject) => {
    if (event.type.startsWith(DONE)) context.jobEnded(event.type.slice(DONE.length));
    else if (event.type.startsWith(ERROR)) context.jobCrashed(event.type.slice(ERROR.length), (event as { error?: unknown }).error);
    return context;
  },
  ({ input }: { input: JobHubContext }) => input,
);

/** The type of {@link jobHubLogic}. */
export type JobHubLogic = typeof jobHubLogic;
