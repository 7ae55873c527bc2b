import { CommandHandler, type ICommandHandler, Command } from '@nestjs/cqrs';
import { NotFoundError } from '@caracal/domain';
import type { Policy } from '@caracal/api-contract';
import { BudgetStreamCommandQueue } from '../budget/budget-stream.command-queue.js';
import type { CommandContext } from '../event-sourcing/aggregate-repository.js';
import { PoliciesReadModel } from '../read-models/policies.read-model.js';
import { PolicyLocation } from './policy-location.js';

export class DeactivatePolicyCommand extends Command<Policy> {
  constructor(
    readonly policyId: string,
    readonly changeReason: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(DeactivatePolicyCommand)
export class DeactivatePolicyHandler implements ICommandHandler<DeactivatePolicyCommand> {
  constructor(
    private readonly budgetStreams: BudgetStreamCommandQueue,
    private readonly location: PolicyLocation,
    private readonly policies: PoliciesReadModel,
  ) {}

  async execute({ policyId, changeReason, context }: DeactivatePolicyCommand): Promise<Policy> {
    const root = await this.location.rootAgentOf(policyId);
    await this.budgetStreams.decideBudgetPolicy(root, { type: 'DeactivatePolicy', policyId, changeReason, actor: context.actor }, context);
    return (await this.policies.get(policyId)) ?? Promise.reject(new NotFoundError('policy', policyId));
  }
}
