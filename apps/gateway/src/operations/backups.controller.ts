import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Backup, BackupList, BackupVerification } from '@caracal/api-contract';
import type { SqlClient } from '@caracal/event-store';
import {
  BackupDirectory,
  BackupTypeNotAvailableError,
  BackupUnavailableError,
  createBackup,
  createKafkaBackup,
  verifyBackup,
} from '@caracal/recovery';
import { UuidParam } from '../http/uuid-param.pipe.js';
import type { KafkaBusRuntime } from '@caracal/runtime';
import { BACKUP_SETTINGS, KAFKA_BUS, SQL_CLIENT } from '../injection-tokens.js';
import { CreateBackupDto } from './dto/create-backup.dto.js';
import { VerifyBackupDto } from './dto/verify-backup.dto.js';

const backupIdParam = new UuidParam('backupId');

export interface BackupSettings {
  /** CARACAL_BACKUP_DIR. */
  directory: string;
  /** DATABASE_URL on the production profile (pg_dump connects with it); null on the embedded one. */
  databaseUrl: string | null;
}

/**
 * The runbook's `backup create --type postgresql [--tag]` (docs/recovery.md, "Backups"): this
 * process makes the dump (pg_dump of the server's version, or PGlite's data directory) into the
 * backup directory, with a manifest beside it.
 */
@ApiTags('operations')
@ApiBearerAuth()
@Controller('v1/backups')
export class BackupsController {
  constructor(
    @Inject(SQL_CLIENT) private readonly sql: SqlClient,
    @Inject(BACKUP_SETTINGS) private readonly settings: BackupSettings | null,
    @Inject(KAFKA_BUS) private readonly kafkaBus: KafkaBusRuntime | null,
  ) {}

  /** Answers the manifest and the file's path on this host (what `gunzip -c` reads). */
  @Post()
  async create(@Body() body: CreateBackupDto): Promise<Backup> {
    const directory = this.directory();
    if (body.type === 'kafka') {
      if (this.kafkaBus === null) throw new BackupTypeNotAvailableError('kafka');
      const { kafka, config, topic } = this.kafkaBus;
      const backup = await createKafkaBackup(this.sql, { kafka, brokers: config.brokers, topic }, directory, body.tag ?? null);
      return { ...backup, path: directory.filePath(backup.file) };
    }
    const backup = await createBackup(this.sql, directory, { tag: body.tag ?? null, databaseUrl: this.settings?.databaseUrl ?? null });
    return { ...backup, path: directory.filePath(backup.file) };
  }

  @Get()
  async list(): Promise<BackupList> {
    const directory = this.directory();
    return { items: await directory.list(), directory: directory.path };
  }

  @Get(':backupId')
  async get(@Param('backupId', backupIdParam) backupId: string): Promise<Backup> {
    const directory = this.directory();
    const backup = await directory.read(backupId);
    return { ...backup, path: directory.filePath(backup.file) };
  }

  @Post(':backupId/verify')
  @HttpCode(200)
  async verify(@Param('backupId', backupIdParam) backupId: string, @Body() body: VerifyBackupDto): Promise<BackupVerification> {
    return verifyBackup(this.sql, this.directory(), backupId, { trialRestore: body.trialRestore === true, databaseUrl: this.settings?.databaseUrl ?? null });
  }

  private directory(): BackupDirectory {
    if (this.settings === null) throw new BackupUnavailableError('this gateway has no backup directory (CARACAL_BACKUP_DIR)');
    return new BackupDirectory(this.settings.directory);
  }
}
