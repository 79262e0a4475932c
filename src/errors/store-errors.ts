import { RoutiluxError } from './base.js';

/** `STORE_CONNECTION`: a store could not reach or open its backend (Redis unreachable or closed, SQLite file not openable). */
export class StoreConnectionError extends RoutiluxError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORE_CONNECTION', message, options);
  }
}

/** `STORE_CLOSED`: an operation on a store after close(). */
export class StoreClosedError extends RoutiluxError {
  constructor(readonly operation: string) {
    super('STORE_CLOSED', `Cannot ${operation}: the store has been closed. Create a new store instance to keep using it.`);
  }
}

/** `STORE_READONLY`: a write through a view made by store.readonly(). */
export class ReadonlyStoreError extends RoutiluxError {
  constructor(readonly operation: string) {
    super(
      'STORE_READONLY',
      `Cannot ${operation} through a read-only view. Write through the store it was made from (store.readonly() returns a view that only reads).`,
    );
  }
}

/** One reason a value failed a store's schema, as the schema (Standard Schema) reported it. */
export interface SchemaIssue {
  readonly message: string;
  /** Where in the value the issue is, outermost key first; absent when it concerns the whole value. */
  readonly path?: readonly PropertyKey[];
}

/**
 * `SCHEMA_INVALID`: a value written to, or read from, a typedStore does not match its schema; `direction` says
 * which, `issues` what the schema reported.
 */
export class SchemaValidationError extends RoutiluxError {
  constructor(
    readonly key: string,
    readonly issues: readonly SchemaIssue[],
    /** `write`: the value given was refused and nothing was written. `read`: the stored value no longer matches. */
    readonly direction: 'write' | 'read',
  ) {
    const lines = issues.map((i) => `  - ${i.path?.length ? `${i.path.map(String).join('.')}: ` : ''}${i.message}`);
    super(
      'SCHEMA_INVALID',
      `Value ${direction === 'write' ? 'written to' : 'read from'} "${key}" does not match the schema:\n${lines.join('\n')}\n` +
        (direction === 'write'
          ? 'Fix the value before writing it.'
          : 'The stored data predates the schema or was written without it: migrate or delete it.'),
    );
  }
}

/**
 * The backend refused an operation for a reason other than a lost connection (Redis `WRONGTYPE` or `OOM`,
 * SQLite `SQLITE_FULL`, ...). The message names the operation, the key and the backend's own error.
 */
export class StoreOperationError extends RoutiluxError {
  constructor(
    readonly operation: string,
    readonly backend: string,
    detail: string,
    hint: string,
    options?: { cause?: unknown },
  ) {
    super('STORE_OPERATION', `${backend} refused ${operation}: ${detail}. ${hint}`, options);
  }
}

/** A worker's durable log in the store is not a gapless sequence: the store lost or altered writes. */
export class DurableLogCorruptError extends RoutiluxError {
  constructor(
    readonly workerId: string,
    readonly detail: string,
  ) {
    super(
      'DURABLE_LOG_CORRUPT',
      `The durable log of worker "${workerId}" cannot be restored: ${detail}. The store lost or altered writes ` +
        `(e.g. Redis without "appendonly yes", or keys under "routilux:{${workerId}}:" written by another program). ` +
        `Restore the store from a backup, or delete those keys to start the worker afresh.`,
    );
  }
}

/**
 * `increment()` met a key that does not hold a whole number (or would pass ±Number.MAX_SAFE_INTEGER). Nothing
 * was changed.
 */
export class StoreValueTypeError extends RoutiluxError {
  constructor(
    readonly key: string,
    readonly problem: string,
  ) {
    super(
      'STORE_VALUE_TYPE',
      `Cannot increment "${key}": ${problem}; nothing was changed. increment() works on keys that are missing or hold a ` +
        'whole number within ±Number.MAX_SAFE_INTEGER: delete the key or set it to a number first, or count under another key.',
    );
  }
}
