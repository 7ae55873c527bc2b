import { CommandHandler, type ICommandHandler, Command } from '@nestjs/cqrs';
import { agentDecider, agentStreamId, decideAgent, NotFoundError } from '@caracal/domain';
import type { Agent } from '@caracal/api-contract';
import { AggregateRepository, type CommandContext } from '../event-sourcing/aggregate-repository.js';
import { AgentsReadModel } from '../read-models/agents.read-model.js';
import type { UpdateAgentDto } from './dto/update-agent.dto.js';

export class UpdateAgentCommand extends Command<Agent> {
  constructor(
    readonly agentId: string,
    readonly input: UpdateAgentDto,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(UpdateAgentCommand)
export class UpdateAgentHandler implements ICommandHandler<UpdateAgentCommand> {
  constructor(
    private readonly repository: AggregateRepository,
    private readonly agents: AgentsReadModel,
  ) {}

  async execute({ agentId, input, context }: UpdateAgentCommand): Promise<Agent> {
    await this.repository.execute(agentStreamId(agentId), agentDecider, (state) =>
      decideAgent(state, { type: 'UpdateAgent', agentId, ...input, actor: context.actor }), context);
    return (await this.agents.get(agentId)) ?? Promise.reject(new NotFoundError('agent', agentId));
  }
}
