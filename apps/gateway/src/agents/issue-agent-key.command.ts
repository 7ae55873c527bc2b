import { CommandHandler, type ICommandHandler, Command } from '@nestjs/cqrs';
import { agentDecider, agentStreamId, decideAgent } from '@caracal/domain';
import type { IssuedApiKey } from '@caracal/api-contract';
import { AggregateRepository, type CommandContext } from '../event-sourcing/aggregate-repository.js';
import { generateApiKey } from './api-key.js';

export class IssueAgentKeyCommand extends Command<IssuedApiKey> {
  constructor(
    readonly agentId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(IssueAgentKeyCommand)
export class IssueAgentKeyHandler implements ICommandHandler<IssueAgentKeyCommand> {
  constructor(private readonly repository: AggregateRepository) {}

  async execute({ agentId, context }: IssueAgentKeyCommand): Promise<IssuedApiKey> {
    const { keyId, key, keyHash } = generateApiKey();
    await this.repository.execute(agentStreamId(agentId), agentDecider, (state) =>
      decideAgent(state, { type: 'IssueAgentKey', agentId, keyId, keyHash, actor: context.actor }), context);
    return { keyId, key };
  }
}
