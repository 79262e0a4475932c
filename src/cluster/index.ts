/**
 * Several processes on one Redis: leases with fencing tokens (one host per worker), fenced writes, and routing of
 * posts to a worker's host through BullMQ.
 */
export { fencedWriter, type FencedBatch, type FencedCondition, type FencedEntry, type FencedOp, type FencedWriter, type FencedWriterOptions } from './fenced-store.js';
export { checkClusterWorkerId, checkNodeId, workerKeyPrefix } from './keys.js';
export { LeaseManager, type LeaseEvents, type LeaseLossReason, type LeaseManagerOptions } from './lease.js';
export { checkClusterReachable, resolveClusterOptions, type ClusterOptions, type ResolvedClusterOptions } from './options.js';
export { RemoteJobHandle } from './remote-handle.js';
export { Router, type RoutedPost, type RouterOptions } from './router.js';
export type { ClusterHost, RemoteAcceptance, RemoteJobRequest, RemoteJobResult } from './types.js';
