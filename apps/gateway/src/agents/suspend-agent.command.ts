import { CommandHandler, type ICommandHandler, Command } from '@nestjs/cqrs';
import { agentDecider, agentStreamId, decideAgent, NotFoundError } from '@caracal/domain';
import type { Agent } from '@caracal/api-contract';
import { AggregateRepository, type CommandContext } from '../event-sourcing/aggregate-repository.js';
import { AgentsReadModel } from '../read-models/agents.read-model.js';

export class SuspendAgentCommand extends Command<Agent> {
  constructor(
    readonly agentId: string,
    readonly reason: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(SuspendAgentCommand)
export class SuspendAgentHandler implements ICommandHandler<SuspendAgentCommand> {
  constructor(
    private readonly repository: AggregateRepository,
    private readonly agents: AgentsReadModel,
  ) {}

  async execute({ agentId, reason, context }: SuspendAgentCommand): Promise<Agent> {
    await this.repository.execute(agentStreamId(agentId), agentDecider, (state) =>
      decideAgent(state, { type: 'SuspendAgent', agentId, reason, actor: context.actor }), context);
    return (await this.agents.get(agentId)) ?? Promise.reject(new NotFoundError('agent', agentId));
  }
}
