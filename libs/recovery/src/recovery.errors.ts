import { DomainError } from '@caracal/domain';
import { describeProcessor, type ProcessorKey } from '@caracal/processing';

export class SnapshotNotFoundError extends DomainError {
  readonly code = 'not_found';

  constructor(readonly snapshotId: string) {
    super(`no snapshot ${snapshotId}; list them with: caracal snapshot list`);
  }
}

/** The stored bytes do not hash to the checksum recorded when the snapshot was written. */
export class SnapshotChecksumError extends DomainError {
  readonly code = 'snapshot_corrupt';

  constructor(
    readonly snapshotId: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`snapshot ${snapshotId} is corrupt: its bytes hash to ${actual}, recorded ${expected}; restore refused, nothing was written`);
  }
}

/** The stored bytes hash correctly but do not hold what the manifest says (written by a bug or by hand). */
export class SnapshotContentError extends DomainError {
  readonly code = 'snapshot_corrupt';

  constructor(
    readonly snapshotId: string,
    detail: string,
  ) {
    super(`snapshot ${snapshotId} does not match its manifest: ${detail}; restore refused, nothing was written`);
  }
}

/** A snapshot written by an earlier version in a layout this one does not load. */
export class SnapshotFormatError extends DomainError {
  readonly code = 'snapshot_format_unsupported';

  constructor(
    readonly snapshotId: string,
    readonly format: number,
  ) {
    super(
      `snapshot ${snapshotId} is in format ${format}, written by an earlier version; this version restores format 2 only. ` +
        'Take a new snapshot (caracal snapshot create), or restore this one with the version that wrote it; nothing was written',
    );
  }
}

/** The snapshot was taken from another event log (or this log lost events since). */
export class SnapshotFromAnotherLogError extends DomainError {
  readonly code = 'snapshot_from_another_log';

  constructor(
    readonly snapshotId: string,
    detail: string,
  ) {
    super(`snapshot ${snapshotId} does not belong to this event log: ${detail}; restore refused, nothing was written`);
  }
}

/** Restoring under a running processor would mix its writes with the snapshot's rows. */
export class ProcessorsRunningError extends DomainError {
  readonly code = 'processors_running';

  constructor(readonly running: readonly (ProcessorKey & { owner: string })[]) {
    super(
      `processors are running: ${running.map((p) => `${describeProcessor(p)} (instance ${p.owner})`).join(', ')}; ` +
        'stop them (runbook: scale the consumers to 0) and retry; nothing was written',
    );
  }
}

/** Restore loads into empty read models only, as after `db reset --confirm`. */
export class ReadModelsNotEmptyError extends DomainError {
  readonly code = 'read_models_not_empty';

  constructor(readonly nonEmpty: readonly string[]) {
    super(`the read models are not empty (${nonEmpty.join(', ')}); run caracal db reset --confirm first; nothing was written`);
  }
}

export class ReplayJobNotFoundError extends DomainError {
  readonly code = 'not_found';

  constructor(readonly jobId: string) {
    super(`no replay job ${jobId}; list them with: caracal replay status`);
  }
}

/** One replay at a time: two would race for the same checkpoints. */
export class ReplayJobActiveError extends DomainError {
  readonly code = 'replay_job_active';

  constructor(readonly jobId: string) {
    super(`replay job ${jobId} has not completed yet; follow it with: caracal replay status --watch`);
  }
}

/** The read models are not where the replay would start from (restore or reset first). */
export class ReplayNotReadyError extends DomainError {
  readonly code = 'replay_not_ready';

  constructor(detail: string) {
    super(`cannot start the replay: ${detail}; nothing was started`);
  }
}
