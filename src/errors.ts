/**
 * Every error routilux throws extends RoutiluxError: a stable `code` for programs and a message that says what was
 * wrong and how to fix it, for people. One file per area under errors/; this module is the one place to import from.
 */
export { RoutiluxError } from './errors/base.js';
export * from './errors/flow-errors.js';
export * from './errors/job-errors.js';
export * from './errors/store-errors.js';
export * from './errors/dependency-errors.js';
export * from './errors/cluster-errors.js';
