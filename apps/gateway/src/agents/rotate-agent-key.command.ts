import { CommandHandler, type ICommandHandler, Command } from '@nestjs/cqrs';
import { agentDecider, agentStreamId, decideAgent } from '@caracal/domain';
import type { RotatedApiKey } from '@caracal/api-contract';
import { AggregateRepository, type CommandContext } from '../event-sourcing/aggregate-repository.js';
import { generateApiKey } from './api-key.js';

export class RotateAgentKeyCommand extends Command<RotatedApiKey> {
  constructor(
    readonly agentId: string,
    readonly oldKeyId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** Revokes the old key and issues its replacement in one append: never zero keys, never both. */
@CommandHandler(RotateAgentKeyCommand)
export class RotateAgentKeyHandler implements ICommandHandler<RotateAgentKeyCommand> {
  constructor(private readonly repository: AggregateRepository) {}

  async execute({ agentId, oldKeyId, context }: RotateAgentKeyCommand): Promise<RotatedApiKey> {
    const { keyId, key, keyHash } = generateApiKey();
    await this.repository.execute(agentStreamId(agentId), agentDecider, (state) =>
      decideAgent(state, { type: 'RotateAgentKey', agentId, oldKeyId, newKeyId: keyId, newKeyHash: keyHash, actor: context.actor }), context);
    return { keyId, key, revokedKeyId: oldKeyId };
  }
}
