import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { NotFoundError } from '@caracal/domain';
import type { AllowlistEntry, AllowlistTestResult, Page } from '@caracal/api-contract';
import type { CommandContext } from '../event-sourcing/aggregate-repository.js';
import { CommandCtx } from '../http/command-context.decorator.js';
import { UuidParam } from '../http/uuid-param.pipe.js';
import { AllowlistsReadModel } from '../read-models/allowlists.read-model.js';
import { AddAllowlistEntryCommand } from './add-allowlist-entry.command.js';
import { AllowlistTester } from './allowlist-tester.js';
import { CreateAllowlistEntryDto } from './dto/create-allowlist-entry.dto.js';
import { ListAllowlistQuery } from './dto/list-allowlist.query.js';
import { TestAllowlistDto } from './dto/test-allowlist.dto.js';
import { RemoveAllowlistEntryCommand } from './remove-allowlist-entry.command.js';

const uuid = new UuidParam('entryId');

@ApiTags('allowlists')
@ApiBearerAuth()
@Controller('v1/allowlists')
export class AllowlistsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly entries: AllowlistsReadModel,
    private readonly tester: AllowlistTester,
  ) {}

  @Post()
  create(@Body() body: CreateAllowlistEntryDto, @CommandCtx() ctx: CommandContext): Promise<AllowlistEntry> {
    return this.commands.execute(new AddAllowlistEntryCommand(body, ctx));
  }

  @Post('test')
  @HttpCode(200)
  test(@Body() body: TestAllowlistDto): Promise<AllowlistTestResult> {
    return this.tester.test(body.agentId, body.url);
  }

  @Get()
  list(@Query() query: ListAllowlistQuery): Promise<Page<AllowlistEntry>> {
    return this.entries.list(query);
  }

  @Get(':entryId')
  async get(@Param('entryId', uuid) entryId: string): Promise<AllowlistEntry> {
    return (await this.entries.get(entryId)) ?? notFound(entryId);
  }

  @Delete(':entryId')
  remove(@Param('entryId', uuid) entryId: string, @CommandCtx() ctx: CommandContext): Promise<AllowlistEntry> {
    return this.commands.execute(new RemoveAllowlistEntryCommand(entryId, ctx));
  }
}

function notFound(entryId: string): never {
  throw new NotFoundError('allowlist entry', entryId);
}
