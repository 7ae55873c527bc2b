import { CommandHandler, type ICommandHandler, Command } from '@nestjs/cqrs';
import { agentDecider, agentStreamId, decideAgent, NotFoundError } from '@caracal/domain';
import type { Agent } from '@caracal/api-contract';
import { AggregateRepository, type CommandContext } from '../event-sourcing/aggregate-repository.js';
import { AgentsReadModel } from '../read-models/agents.read-model.js';

export class ReactivateAgentCommand extends Command<Agent> {
  constructor(
    readonly agentId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(ReactivateAgentCommand)
export class ReactivateAgentHandler implements ICommandHandler<ReactivateAgentCommand> {
  constructor(
    private readonly repository: AggregateRepository,
    private readonly agents: AgentsReadModel,
  ) {}

  async execute({ agentId, context }: ReactivateAgentCommand): Promise<Agent> {
    await this.repository.execute(agentStreamId(agentId), agentDecider, (state) =>
      decideAgent(state, { type: 'ReactivateAgent', agentId, actor: context.actor }), context);
    return (await this.agents.get(agentId)) ?? Promise.reject(new NotFoundError('agent', agentId));
  }
}
