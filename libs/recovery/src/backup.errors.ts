import { DomainError } from '@caracal/domain';

export class BackupNotFoundError extends DomainError {
  readonly code = 'not_found';

  constructor(readonly backupId: string) {
    super(`no backup ${backupId} in the backup directory; list them with: caracal backup list`);
  }
}

/** `backup create --type kafka` on a gateway without the Kafka bus. */
export class BackupTypeNotAvailableError extends DomainError {
  readonly code = 'backup_type_not_available';

  constructor(readonly type: string) {
    super(
      `backup type ${type} is not available: this gateway does not run the Kafka event bus (CARACAL_BUS=kafka, KAFKA_BROKERS); ` +
        'the events are in the event store, so caracal backup create --type postgresql preserves them',
    );
  }
}

/** The gateway cannot make or load a backup: no pg_dump/psql of the server's version, no directory. */
export class BackupUnavailableError extends DomainError {
  readonly code = 'backup_unavailable';

  constructor(detail: string) {
    super(detail);
  }
}

/** pg_dump, psql or PGlite failed while making or trial-restoring a backup. */
export class BackupFailedError extends DomainError {
  readonly code = 'backup_failed';

  constructor(detail: string) {
    super(detail);
  }
}

/** The file does not hash to the manifest's SHA-256. */
export class BackupChecksumError extends DomainError {
  readonly code = 'backup_corrupt';

  constructor(
    readonly backupId: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`backup ${backupId} is corrupt: its file hashes to ${actual}, the manifest says ${expected}; nothing was restored`);
  }
}
