import { CommandHandler, type ICommandHandler, Command } from '@nestjs/cqrs';
import { NotFoundError } from '@caracal/domain';
import type { Policy } from '@caracal/api-contract';
import { BudgetStreamCommandQueue } from '../budget/budget-stream.command-queue.js';
import type { CommandContext } from '../event-sourcing/aggregate-repository.js';
import { PoliciesReadModel } from '../read-models/policies.read-model.js';
import type { UpdatePolicyDto } from './dto/update-policy.dto.js';
import { PolicyLocation } from './policy-location.js';

export class ChangePolicyCommand extends Command<Policy> {
  constructor(
    readonly policyId: string,
    readonly input: UpdatePolicyDto,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(ChangePolicyCommand)
export class ChangePolicyHandler implements ICommandHandler<ChangePolicyCommand> {
  constructor(
    private readonly budgetStreams: BudgetStreamCommandQueue,
    private readonly location: PolicyLocation,
    private readonly policies: PoliciesReadModel,
  ) {}

  async execute({ policyId, input, context }: ChangePolicyCommand): Promise<Policy> {
    const root = await this.location.rootAgentOf(policyId);
    await this.budgetStreams.decideBudgetPolicy(root, { type: 'ChangePolicy', policyId, ...input, actor: context.actor }, context);
    return (await this.policies.get(policyId)) ?? Promise.reject(new NotFoundError('policy', policyId));
  }
}
