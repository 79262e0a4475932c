import { RoutiluxError } from '../errors.js';

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

/** An optional package a store needs (ioredis, better-sqlite3) is not installed. */
export class MissingDependencyError extends RoutiluxError {
  constructor(
    readonly packageName: string,
    readonly neededBy: string,
    options?: { cause?: unknown },
  ) {
    super(
      'MISSING_DEPENDENCY',
      `${neededBy} needs the "${packageName}" package, which could not be loaded. Install it with ` +
        `\`npm install ${packageName}\`, or choose another store (MemoryStore needs nothing).`,
      options,
    );
  }
}
