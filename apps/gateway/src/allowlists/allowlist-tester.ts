import { Injectable } from '@nestjs/common';
import {
  agentStreamId,
  allowlistStreamId,
  compileAllowlist,
  InvalidUrlError,
  NotFoundError,
  ValidationError,
} from '../../../../libs/domain/src/index.js';
import { agentAggregate } from '../agents/agent.aggregate.js';
import { AggregateRepository } from '../event-sourcing/aggregate-repository.js';
import { AllowlistsReadModel, type AllowlistEntryView } from '../read-models/allowlists.read-model.js';
import { allowlistAggregate } from './allowlist.aggregate.js';

export interface AllowlistTestResult {
  allowed: boolean;
  normalizedUrl: string;
  matchedEntry: AllowlistEntryView | null;
  message: string;
}

/** Answers "would the gateway let this agent call this URL?" with the same matcher it uses. */
@Injectable()
export class AllowlistTester {
  constructor(
    private readonly repository: AggregateRepository,
    private readonly entries: AllowlistsReadModel,
  ) {}

  async test(agentId: string, url: string): Promise<AllowlistTestResult> {
    const id = agentId.toLowerCase();
    const { state: agent } = await this.repository.load(agentStreamId(id), agentAggregate);
    if (agent.status === 'unregistered') throw new NotFoundError('agent', id);
    const { state } = await this.repository.load(allowlistStreamId(id), allowlistAggregate(id));
    let match;
    try {
      match = compileAllowlist(state.entries.values()).match(url);
    } catch (error) {
      if (error instanceof InvalidUrlError) throw new ValidationError([{ field: 'url', message: error.message }]);
      throw error;
    }
    const matchedEntry = match.matchedEntryId === null ? null : await this.entries.get(match.matchedEntryId);
    return {
      allowed: match.allowed,
      normalizedUrl: match.normalizedUrl,
      matchedEntry,
      message: match.allowed
        ? `allowed by ${matchedEntry?.patternType ?? 'entry'} ${matchedEntry?.pattern ?? match.matchedEntryId}`
        : state.entries.size === 0
          ? `denied: agent ${id} has no allowlist entries; add one with: caracal allowlist create --agent-id ${id} --pattern <pattern> --pattern-type glob`
          : `denied: no allowlist entry of agent ${id} matches ${match.normalizedUrl}`,
    };
  }
}
