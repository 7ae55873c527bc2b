import { describeProcessor, type ProcessorKey } from './processor.js';

/** Another instance committed past the checkpoint this runner read: its batch is discarded. */
export class CheckpointConflictError extends Error {
  constructor(readonly processor: ProcessorKey) {
    super(`${describeProcessor(processor)}: the checkpoint moved under this instance (another instance committed)`);
    this.name = 'CheckpointConflictError';
  }
}

/** This instance no longer holds an unexpired lease: its batch is rolled back, it becomes standby. */
export class LeaseLostError extends Error {
  constructor(
    readonly processor: ProcessorKey,
    readonly owner: string,
  ) {
    super(`${describeProcessor(processor)}: instance ${owner} no longer holds the lease`);
    this.name = 'LeaseLostError';
  }
}

/** The processor's own code failed on these events (as opposed to the database being down). */
export class ProcessorApplyError extends Error {
  constructor(
    readonly processor: ProcessorKey,
    readonly eventIds: readonly string[],
    override readonly cause: unknown,
  ) {
    super(`${describeProcessor(processor)} failed to apply ${eventIds.length} event(s): ${errorMessage(cause)}`);
    this.name = 'ProcessorApplyError';
  }
}

/** A processor name/version that the registry (or the DLQ store) does not know. */
export class UnknownProcessorError extends Error {
  constructor(
    readonly processorName: string,
    readonly version?: number,
  ) {
    super(
      `unknown processor ${version === undefined ? processorName : describeProcessor({ name: processorName, version })}`,
    );
    this.name = 'UnknownProcessorError';
  }
}

export class DuplicateProcessorError extends Error {
  constructor(readonly processor: ProcessorKey) {
    super(`processor ${describeProcessor(processor)} is registered twice`);
    this.name = 'DuplicateProcessorError';
  }
}

/** No DLQ entry for this event id (and processor, when given). */
export class DlqEntryNotFoundError extends Error {
  constructor(readonly eventId: string) {
    super(`no DLQ entry for event ${eventId}`);
    this.name = 'DlqEntryNotFoundError';
  }
}

/** The parked event is no longer in the log's readable part (should not happen: events are append-only). */
export class DlqEventMissingError extends Error {
  constructor(readonly eventId: string) {
    super(`event ${eventId} of a DLQ entry was not found in the log`);
    this.name = 'DlqEventMissingError';
  }
}

/** A read-model table name that is not a plain (optionally schema-qualified) identifier. */
export class InvalidTableNameError extends Error {
  constructor(readonly table: string) {
    super(`read-model table name ${JSON.stringify(table)} is not a plain identifier`);
    this.name = 'InvalidTableNameError';
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'message' in error) return String(error.message);
  return String(error);
}
