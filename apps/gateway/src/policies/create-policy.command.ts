import { CommandHandler, type ICommandHandler, Command } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { agentDecider, agentStreamId, NotFoundError } from '@caracal/domain';
import type { Policy } from '@caracal/api-contract';
import { BudgetStreamCommandQueue } from '../budget/budget-stream.command-queue.js';
import { AggregateRepository, type CommandContext } from '../event-sourcing/aggregate-repository.js';
import { PoliciesReadModel } from '../read-models/policies.read-model.js';
import type { CreatePolicyDto } from './dto/create-policy.dto.js';

export class CreatePolicyCommand extends Command<Policy> {
  constructor(
    readonly input: CreatePolicyDto,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(CreatePolicyCommand)
export class CreatePolicyHandler implements ICommandHandler<CreatePolicyCommand> {
  constructor(
    private readonly repository: AggregateRepository,
    private readonly budgetStreams: BudgetStreamCommandQueue,
    private readonly policies: PoliciesReadModel,
  ) {}

  async execute({ input, context }: CreatePolicyCommand): Promise<Policy> {
    const agentId = input.agentId.toLowerCase();
    const { state: agent } = await this.repository.load(agentStreamId(agentId), agentDecider);
    if (agent.status === 'unregistered') throw new NotFoundError('agent', agentId);
    const policyId = randomUUID();
    await this.budgetStreams.decideBudgetPolicy(agent.rootAgentId, {
      type: 'CreatePolicy',
      policyId,
      agentId,
      agent,
      limit: input.limit,
      currency: input.currency,
      timeWindow: input.timeWindow,
      windowType: input.windowType,
      timezone: input.timezone,
      changeReason: input.changeReason,
      actor: context.actor,
    }, context);
    return (await this.policies.get(policyId)) ?? Promise.reject(new NotFoundError('policy', policyId));
  }
}
