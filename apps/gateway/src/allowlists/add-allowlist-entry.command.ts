import { CommandHandler, type ICommandHandler, Command } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { agentDecider, agentStreamId, allowlistDecider, allowlistStreamId, decideAllowlist, NotFoundError } from '@caracal/domain';
import type { AllowlistEntry } from '@caracal/api-contract';
import { AggregateRepository, type CommandContext } from '../event-sourcing/aggregate-repository.js';
import { AllowlistsReadModel } from '../read-models/allowlists.read-model.js';
import type { CreateAllowlistEntryDto } from './dto/create-allowlist-entry.dto.js';

export class AddAllowlistEntryCommand extends Command<AllowlistEntry> {
  constructor(
    readonly input: CreateAllowlistEntryDto,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(AddAllowlistEntryCommand)
export class AddAllowlistEntryHandler implements ICommandHandler<AddAllowlistEntryCommand> {
  constructor(
    private readonly repository: AggregateRepository,
    private readonly entries: AllowlistsReadModel,
  ) {}

  async execute({ input, context }: AddAllowlistEntryCommand): Promise<AllowlistEntry> {
    const agentId = input.agentId.toLowerCase();
    const { state: agent } = await this.repository.load(agentStreamId(agentId), agentDecider);
    const entryId = randomUUID();
    await this.repository.execute(allowlistStreamId(agentId), allowlistDecider(agentId), (state) =>
      decideAllowlist(state, {
        type: 'AddAllowlistEntry',
        entryId,
        agentId,
        agent,
        pattern: input.pattern,
        patternType: input.patternType,
        actor: context.actor,
      }), context);
    return (await this.entries.get(entryId)) ?? Promise.reject(new NotFoundError('allowlist entry', entryId));
  }
}
