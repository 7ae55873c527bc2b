import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Snapshot, SnapshotList, SnapshotRestore, SnapshotVerification } from '@caracal/api-contract';
import type { SqlClient } from '@caracal/event-store';
import type { ProcessorRegistry } from '@caracal/processing';
import {
  createSnapshot,
  deleteSnapshot,
  listSnapshots,
  readSnapshotSummary,
  restoreSnapshot,
  type SnapshotSettings,
  verifySnapshot,
} from '@caracal/recovery';
import { UuidParam } from '../http/uuid-param.pipe.js';
import { PROCESSOR_REGISTRY, SNAPSHOT_SETTINGS, SQL_CLIENT } from '../injection-tokens.js';
import { CreateSnapshotDto } from './dto/create-snapshot.dto.js';

const snapshotIdParam = new UuidParam('snapshotId');

/**
 * The runbook's `snapshot create|list|restore`: read-model snapshots (docs/recovery.md). They
 * cover the processors that `db reset` empties; the Merkle sealer's batches are never reset, so
 * they are not in a snapshot either.
 */
@ApiTags('operations')
@ApiBearerAuth()
@Controller('v1/snapshots')
export class SnapshotsController {
  constructor(
    @Inject(SQL_CLIENT) private readonly sql: SqlClient,
    @Inject(PROCESSOR_REGISTRY) private readonly registry: ProcessorRegistry,
    @Inject(SNAPSHOT_SETTINGS) private readonly settings: Required<SnapshotSettings>,
  ) {}

  @Post()
  async create(@Body() body: CreateSnapshotDto): Promise<Snapshot> {
    return createSnapshot(this.sql, this.registry.readModelProcessors(), { tag: body.tag ?? null, ...this.settings });
  }

  @Get()
  async list(): Promise<SnapshotList> {
    return { items: await listSnapshots(this.sql), keep: this.settings.keep };
  }

  /** Answers the deleted snapshot, as allowlist and key deletions answer what they removed. */
  @Delete(':snapshotId')
  async delete(@Param('snapshotId', snapshotIdParam) snapshotId: string): Promise<Snapshot> {
    const snapshot = await readSnapshotSummary(this.sql, snapshotId);
    await deleteSnapshot(this.sql, snapshotId);
    return snapshot;
  }

  @Post(':snapshotId/verify')
  @HttpCode(200)
  async verify(@Param('snapshotId', snapshotIdParam) snapshotId: string): Promise<SnapshotVerification> {
    return verifySnapshot(this.sql, snapshotId);
  }

  @Post(':snapshotId/restore')
  @HttpCode(200)
  async restore(@Param('snapshotId', snapshotIdParam) snapshotId: string): Promise<SnapshotRestore> {
    return restoreSnapshot(this.sql, this.registry.readModelProcessors(), snapshotId);
  }
}
