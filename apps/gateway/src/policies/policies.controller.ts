import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { NotFoundError } from '@caracal/domain';
import type { Page, Policy, PolicyVersion } from '@caracal/api-contract';
import type { CommandContext } from '../event-sourcing/aggregate-repository.js';
import { CommandCtx } from '../http/command-context.decorator.js';
import { UuidParam } from '../http/uuid-param.pipe.js';
import { PoliciesReadModel } from '../read-models/policies.read-model.js';
import { ChangePolicyCommand } from './change-policy.command.js';
import { CreatePolicyCommand } from './create-policy.command.js';
import { DeactivatePolicyCommand } from './deactivate-policy.command.js';
import { CreatePolicyDto } from './dto/create-policy.dto.js';
import { DeactivatePolicyDto } from './dto/deactivate-policy.dto.js';
import { ListPoliciesQuery } from './dto/list-policies.query.js';
import { UpdatePolicyDto } from './dto/update-policy.dto.js';

const uuid = new UuidParam('policyId');

@ApiTags('policies')
@ApiBearerAuth()
@Controller('v1/policies')
export class PoliciesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly policies: PoliciesReadModel,
  ) {}

  @Post()
  create(@Body() body: CreatePolicyDto, @CommandCtx() ctx: CommandContext): Promise<Policy> {
    return this.commands.execute(new CreatePolicyCommand(body, ctx));
  }

  @Get()
  list(@Query() query: ListPoliciesQuery): Promise<Page<Policy>> {
    return this.policies.list(query);
  }

  @Get(':policyId')
  async get(@Param('policyId', uuid) policyId: string): Promise<Policy> {
    return (await this.policies.get(policyId)) ?? notFound(policyId);
  }

  @Patch(':policyId')
  update(@Param('policyId', uuid) policyId: string, @Body() body: UpdatePolicyDto, @CommandCtx() ctx: CommandContext): Promise<Policy> {
    return this.commands.execute(new ChangePolicyCommand(policyId, body, ctx));
  }

  @Post(':policyId/deactivate')
  @HttpCode(200)
  deactivate(@Param('policyId', uuid) policyId: string, @Body() body: DeactivatePolicyDto, @CommandCtx() ctx: CommandContext): Promise<Policy> {
    return this.commands.execute(new DeactivatePolicyCommand(policyId, body.changeReason, ctx));
  }

  @Get(':policyId/history')
  async history(@Param('policyId', uuid) policyId: string): Promise<{ items: PolicyVersion[] }> {
    const items = await this.policies.history(policyId);
    return items.length === 0 ? notFound(policyId) : { items };
  }
}

function notFound(policyId: string): never {
  throw new NotFoundError('policy', policyId);
}
