import { RoutiluxError } from './base.js';

/**
 * A fenced write of a worker's durable data was refused: another node took the worker over with a newer fencing
 * token, so this node no longer hosts it. Nothing of the write was applied.
 */
export class FencedOutError extends RoutiluxError {
  constructor(
    readonly workerId: string,
    readonly token: number,
    readonly currentToken: number,
  ) {
    super(
      'FENCED_OUT',
      `Worker "${workerId}" was taken over by another node (fencing token ${currentToken} is newer than this node's ${token}), ` +
        'so this write was refused and nothing of it was applied. Stop the worker on this node and discard what its in-flight ' +
        'logic produced: the new host restores it from the durable log and resumes its jobs.',
    );
  }
}

/** The `cluster` option cannot work as given (no store, a store that is not on Redis, a bad nodeId or leaseTtl). */
export class ClusterConfigurationError extends RoutiluxError {
  constructor(
    readonly problem: string,
    readonly fix: string,
  ) {
    super('CLUSTER_CONFIG', `The cluster option cannot be used: ${problem}. ${fix}`);
  }
}

/** A job that ran on another node ended with an error; this carries that error's name, code and message. */
export class RemoteJobError extends RoutiluxError {
  constructor(
    readonly remoteName: string,
    readonly remoteCode: string | undefined,
    readonly remoteMessage: string,
    readonly nodeId: string | undefined,
  ) {
    super(
      'REMOTE_JOB_ERROR',
      `The job failed on node "${nodeId ?? '?'}" with ${remoteName}${remoteCode ? ` (${remoteCode})` : ''}: ${remoteMessage}`,
    );
  }
}

/**
 * This node stopped hosting a worker (its lease lapsed or was taken, e.g. Redis was unreachable or the process was
 * paused past leaseTtl): its copies of the worker's jobs were dropped here, unrecorded, and the new host resumes them.
 */
export class WorkerLeaseLostError extends RoutiluxError {
  constructor(
    readonly workerId: string,
    readonly reason: 'taken' | 'expired' | 'released',
  ) {
    super(
      'LEASE_LOST',
      `This node no longer hosts worker "${workerId}" (its lease was ${reason === 'expired' ? 'not renewed in time: Redis unreachable, or this process paused past leaseTtl' : reason === 'taken' ? 'taken by another node' : 'released'}), ` +
        'so this job was dropped here unfinished and is not reported here. The worker\'s new host resumes it from the durable log: ' +
        'post it again with the same idempotencyKey (from any node) to follow it to its end.',
    );
  }
}
