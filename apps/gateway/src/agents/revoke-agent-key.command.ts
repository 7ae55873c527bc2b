import { CommandHandler, type ICommandHandler, Command } from '@nestjs/cqrs';
import { agentDecider, agentStreamId, decideAgent, NotFoundError } from '@caracal/domain';
import type { ApiKeyInfo } from '@caracal/api-contract';
import { AggregateRepository, type CommandContext } from '../event-sourcing/aggregate-repository.js';
import { AgentsReadModel } from '../read-models/agents.read-model.js';

export class RevokeAgentKeyCommand extends Command<ApiKeyInfo> {
  constructor(
    readonly agentId: string,
    readonly keyId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(RevokeAgentKeyCommand)
export class RevokeAgentKeyHandler implements ICommandHandler<RevokeAgentKeyCommand> {
  constructor(
    private readonly repository: AggregateRepository,
    private readonly agents: AgentsReadModel,
  ) {}

  async execute({ agentId, keyId, context }: RevokeAgentKeyCommand): Promise<ApiKeyInfo> {
    await this.repository.execute(agentStreamId(agentId), agentDecider, (state) =>
      decideAgent(state, { type: 'RevokeAgentKey', agentId, keyId, actor: context.actor }), context);
    return (await this.agents.key(keyId)) ?? Promise.reject(new NotFoundError('key', keyId));
  }
}
