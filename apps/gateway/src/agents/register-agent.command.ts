import { CommandHandler, type ICommandHandler, Command } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { agentDecider, agentStreamId, decideAgent, NotFoundError } from '@caracal/domain';
import type { CreatedAgent } from '@caracal/api-contract';
import { AggregateRepository, type CommandContext } from '../event-sourcing/aggregate-repository.js';
import { AgentsReadModel } from '../read-models/agents.read-model.js';
import { generateApiKey } from './api-key.js';
import type { CreateAgentDto } from './dto/create-agent.dto.js';

export class RegisterAgentCommand extends Command<CreatedAgent> {
  constructor(
    readonly input: CreateAgentDto,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(RegisterAgentCommand)
export class RegisterAgentHandler implements ICommandHandler<RegisterAgentCommand> {
  constructor(
    private readonly repository: AggregateRepository,
    private readonly agents: AgentsReadModel,
  ) {}

  async execute({ input, context }: RegisterAgentCommand): Promise<CreatedAgent> {
    const agentId = randomUUID();
    const parentAgentId = input.parentAgentId?.toLowerCase() ?? null;
    const parent = parentAgentId === null ? null : (await this.repository.load(agentStreamId(parentAgentId), agentDecider)).state;
    const key = generateApiKey();
    await this.repository.execute(agentStreamId(agentId), agentDecider, (state) =>
      decideAgent(state, {
        type: 'RegisterAgent',
        agentId,
        name: input.name,
        description: input.description ?? '',
        owner: input.owner,
        parentAgentId,
        parent,
        metadata: input.metadata ?? {},
        initialKey: { keyId: key.keyId, keyHash: key.keyHash },
        actor: context.actor,
      }), context);
    const agent = await this.agents.get(agentId);
    if (!agent) throw new NotFoundError('agent', agentId);
    return { agent, apiKey: { keyId: key.keyId, key: key.key } };
  }
}
