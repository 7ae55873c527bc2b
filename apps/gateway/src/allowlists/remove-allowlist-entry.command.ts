import { CommandHandler, type ICommandHandler, Command } from '@nestjs/cqrs';
import { allowlistDecider, allowlistStreamId, decideAllowlist, NotFoundError } from '@caracal/domain';
import type { AllowlistEntry } from '@caracal/api-contract';
import { AggregateRepository, type CommandContext } from '../event-sourcing/aggregate-repository.js';
import { AllowlistsReadModel } from '../read-models/allowlists.read-model.js';

export class RemoveAllowlistEntryCommand extends Command<AllowlistEntry> {
  constructor(
    readonly entryId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(RemoveAllowlistEntryCommand)
export class RemoveAllowlistEntryHandler implements ICommandHandler<RemoveAllowlistEntryCommand> {
  constructor(
    private readonly repository: AggregateRepository,
    private readonly entries: AllowlistsReadModel,
  ) {}

  async execute({ entryId, context }: RemoveAllowlistEntryCommand): Promise<AllowlistEntry> {
    // The read model says which agent's stream holds the entry; the stream then decides.
    const entry = await this.entries.get(entryId);
    if (!entry) throw new NotFoundError('allowlist entry', entryId);
    await this.repository.execute(allowlistStreamId(entry.agentId), allowlistDecider(entry.agentId), (state) =>
      decideAllowlist(state, { type: 'RemoveAllowlistEntry', entryId, actor: context.actor }), context);
    return (await this.entries.get(entryId)) ?? Promise.reject(new NotFoundError('allowlist entry', entryId));
  }
}
