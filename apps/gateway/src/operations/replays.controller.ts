import { Body, Controller, Get, Inject, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { ItemList, ReplayJob } from '@caracal/api-contract';
import { NotFoundError, ValidationError } from '@caracal/domain';
import type { EventStore, SqlClient } from '@caracal/event-store';
import type { Processor, ProcessorRegistry } from '@caracal/processing';
import { listReplayJobs, readReplayJob, startReplayJob } from '@caracal/recovery';
import { UuidParam } from '../http/uuid-param.pipe.js';
import { EVENT_STORE, PROCESSOR_REGISTRY, SQL_CLIENT } from '../injection-tokens.js';
import { StartReplayDto } from './dto/start-replay.dto.js';

const jobIdParam = new UuidParam('jobId');

/**
 * The runbook's `replay start|status` (docs/recovery.md): a job is recorded here; the processor
 * hosts (the projector, or this gateway in the embedded profile) run it and report its progress.
 */
@ApiTags('operations')
@ApiBearerAuth()
@Controller('v1/replays')
export class ReplaysController {
  constructor(
    @Inject(SQL_CLIENT) private readonly sql: SqlClient,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PROCESSOR_REGISTRY) private readonly registry: ProcessorRegistry,
  ) {}

  @Post()
  async start(@Body() body: StartReplayDto): Promise<ReplayJob> {
    if ((body.fromSnapshotId === undefined) === (body.fromStart !== true)) {
      throw new ValidationError([{ field: 'fromSnapshotId', message: 'give exactly one of fromSnapshotId or fromStart: true' }]);
    }
    return startReplayJob(this.sql, this.store, this.processors(body.processor), body.fromSnapshotId === undefined ? 'start' : { snapshotId: body.fromSnapshotId });
  }

  @Get()
  async list(): Promise<ItemList<ReplayJob>> {
    return { items: await listReplayJobs(this.sql) };
  }

  @Get(':jobId')
  async get(@Param('jobId', jobIdParam) jobId: string): Promise<ReplayJob> {
    return readReplayJob(this.sql, jobId);
  }

  /** The processors `db reset` empties (all, or the one named); the Merkle sealer never replays. */
  private processors(name: string | undefined): Processor[] {
    const all = this.registry.readModelProcessors();
    if (name === undefined) return all;
    const named = all.filter((processor) => processor.name === name);
    if (named.length === 0) throw new NotFoundError('processor', `${name} (replayable: ${[...new Set(all.map((p) => p.name))].join(', ')})`);
    return named;
  }
}
