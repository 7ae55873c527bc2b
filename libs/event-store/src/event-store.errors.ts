/** The stream was not in the state the writer expected. */
export class WrongExpectedVersionError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: string,
    readonly actual: bigint,
  ) {
    super(`stream ${streamId}: expected ${expected}, actual version ${actual}`);
    this.name = 'WrongExpectedVersionError';
  }
}

/** A retried append whose event ids only partly match what was stored. */
export class IdempotencyConflictError extends Error {
  constructor(
    readonly streamId: string,
    readonly eventIds: readonly string[],
    detail: string,
  ) {
    super(`stream ${streamId}: event ids were already appended differently (${detail})`);
    this.name = 'IdempotencyConflictError';
  }
}

/** The store cannot be reached or answered with an infrastructure error. Callers fail closed. */
export class StoreUnavailableError extends Error {
  constructor(override readonly cause: unknown) {
    super(`event store unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'StoreUnavailableError';
  }
}

/** A second process tried to open an embedded data directory that another process owns. */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly ownerPid: number,
  ) {
    super(`data directory ${dataDir} is in use by process ${ownerPid}; stop it or use another --data-dir`);
    this.name = 'DataDirLockedError';
  }
}

/** Event text PostgreSQL cannot store (see storable-text.ts); nothing was written. */
export class UnstorableTextError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field} ${problem}`);
    this.name = 'UnstorableTextError';
  }
}
