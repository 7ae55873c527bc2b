import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { NotFoundError } from '@caracal/domain';
import type { Agent, ApiKeyInfo, CreatedAgent, HistoryEntry, IssuedApiKey, Page, RotatedApiKey } from '@caracal/api-contract';
import type { CommandContext } from '../event-sourcing/aggregate-repository.js';
import { CommandCtx } from '../http/command-context.decorator.js';
import { UuidParam } from '../http/uuid-param.pipe.js';
import { AgentsReadModel } from '../read-models/agents.read-model.js';
import { CreateAgentDto } from './dto/create-agent.dto.js';
import { ListAgentsQuery } from './dto/list-agents.query.js';
import { SuspendAgentDto } from './dto/suspend-agent.dto.js';
import { UpdateAgentDto } from './dto/update-agent.dto.js';
import { IssueAgentKeyCommand } from './issue-agent-key.command.js';
import { ReactivateAgentCommand } from './reactivate-agent.command.js';
import { RegisterAgentCommand } from './register-agent.command.js';
import { RevokeAgentKeyCommand } from './revoke-agent-key.command.js';
import { RotateAgentKeyCommand } from './rotate-agent-key.command.js';
import { SuspendAgentCommand } from './suspend-agent.command.js';
import { UpdateAgentCommand } from './update-agent.command.js';

const uuid = new UuidParam('agentId');

@ApiTags('agents')
@ApiBearerAuth()
@Controller('v1/agents')
export class AgentsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly agents: AgentsReadModel,
  ) {}

  @Post()
  create(@Body() body: CreateAgentDto, @CommandCtx() ctx: CommandContext): Promise<CreatedAgent> {
    return this.commands.execute(new RegisterAgentCommand(body, ctx));
  }

  @Get()
  list(@Query() query: ListAgentsQuery): Promise<Page<Agent>> {
    return this.agents.list(query);
  }

  @Get(':agentId')
  async get(@Param('agentId', uuid) agentId: string): Promise<Agent> {
    return (await this.agents.get(agentId)) ?? notFound(agentId);
  }

  @Patch(':agentId')
  update(@Param('agentId', uuid) agentId: string, @Body() body: UpdateAgentDto, @CommandCtx() ctx: CommandContext): Promise<Agent> {
    return this.commands.execute(new UpdateAgentCommand(agentId, body, ctx));
  }

  @Post(':agentId/suspend')
  @HttpCode(200)
  suspend(@Param('agentId', uuid) agentId: string, @Body() body: SuspendAgentDto, @CommandCtx() ctx: CommandContext): Promise<Agent> {
    return this.commands.execute(new SuspendAgentCommand(agentId, body.reason, ctx));
  }

  @Post(':agentId/reactivate')
  @HttpCode(200)
  reactivate(@Param('agentId', uuid) agentId: string, @CommandCtx() ctx: CommandContext): Promise<Agent> {
    return this.commands.execute(new ReactivateAgentCommand(agentId, ctx));
  }

  @Get(':agentId/history')
  async history(@Param('agentId', uuid) agentId: string): Promise<{ items: HistoryEntry[] }> {
    const items = await this.agents.history(agentId);
    return items.length === 0 ? notFound(agentId) : { items };
  }

  @Get(':agentId/keys')
  async keys(@Param('agentId', uuid) agentId: string): Promise<{ items: ApiKeyInfo[] }> {
    if (!(await this.agents.get(agentId))) notFound(agentId);
    return { items: await this.agents.keys(agentId) };
  }

  @Post(':agentId/keys')
  issueKey(@Param('agentId', uuid) agentId: string, @CommandCtx() ctx: CommandContext): Promise<IssuedApiKey> {
    return this.commands.execute(new IssueAgentKeyCommand(agentId, ctx));
  }

  @Post(':agentId/keys/:keyId/rotate')
  rotateKey(@Param('agentId', uuid) agentId: string, @Param('keyId') keyId: string, @CommandCtx() ctx: CommandContext): Promise<RotatedApiKey> {
    return this.commands.execute(new RotateAgentKeyCommand(agentId, keyId, ctx));
  }

  @Delete(':agentId/keys/:keyId')
  revokeKey(@Param('agentId', uuid) agentId: string, @Param('keyId') keyId: string, @CommandCtx() ctx: CommandContext): Promise<ApiKeyInfo> {
    return this.commands.execute(new RevokeAgentKeyCommand(agentId, keyId, ctx));
  }
}

function notFound(agentId: string): never {
  throw new NotFoundError('agent', agentId);
}
