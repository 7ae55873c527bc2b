import { Injectable } from '@nestjs/common';
import type { LookupAddress } from 'node:dns';
import type { AddressCheck, AddressVerdict as ApiAddressVerdict, AllowlistTestResult } from '@caracal/api-contract';
import { agentDecider, agentStreamId, NotFoundError, ValidationError } from '@caracal/domain';
import { AggregateRepository } from '../event-sourcing/aggregate-repository.js';
import { describeAddress, judgeAddress, type AddressVerdict } from '../targets/address-policy.js';
import { AgentAccessReader } from '../agents/agent-access.reader.js';
import { nonPublicAddressError, publicOnlyLookup } from '../targets/guarded-lookup.js';
import { ProxyDenial } from '../http/proxy-denial.js';
import { targetFromUrl, type ProxyTarget } from '../targets/proxy-target.js';
import { resolvedAddressRefusal, TargetPolicy, type TargetVerdict } from '../targets/target-policy.js';
import { TargetRefusal } from '../targets/target-refusal.js';
import { AllowlistsReadModel } from '../read-models/allowlists.read-model.js';

/**
 * Answers "would the gateway let this agent call this URL?" (sent with X-Caracal-Target-URL) with
 * the proxy's own checks, in its order: URL length, allowlist, address policy (DNS answers
 * included). The agent's status, prices and budget are not part of the answer.
 */
@Injectable()
export class AllowlistTester {
  constructor(
    private readonly repository: AggregateRepository,
    private readonly entries: AllowlistsReadModel,
    private readonly access: AgentAccessReader,
    private readonly policy: TargetPolicy,
  ) {}

  async test(agentId: string, url: string): Promise<AllowlistTestResult> {
    const id = agentId.toLowerCase();
    const { state: agent } = await this.repository.load(agentStreamId(id), agentDecider);
    if (agent.status === 'unregistered') throw new NotFoundError('agent', id);
    let target: ProxyTarget;
    let verdict: TargetVerdict;
    try {
      target = targetFromUrl(url, 'url');
      verdict = this.policy.judge(id, await this.access.entriesOf(id), target);
    } catch (error) {
      if (error instanceof TargetRefusal) return this.refused(error, 'literal');
      if (error instanceof ProxyDenial) throw new ValidationError([{ field: 'url', message: error.message }]);
      throw error;
    }
    const host = new URL(target.resourceUrl).hostname;
    let addressCheck: AddressCheck;
    let note: string;
    const { address } = verdict;
    if (address.method === 'exempt') {
      addressCheck = { method: 'exempt', addresses: [] };
      note = `the entry names ${host} explicitly, so the address policy does not apply`;
    } else if (address.method === 'literal') {
      addressCheck = { method: 'literal', addresses: [view(address.verdict)] };
      note = `${describeAddress(address.verdict)} is globally reachable`;
    } else {
      let answers: AddressVerdict[] | null;
      try {
        answers = await resolve(target, verdict.entryId, address.hostname);
      } catch (error) {
        if (error instanceof TargetRefusal) return this.refused(error, 'resolved');
        throw error;
      }
      addressCheck = answers === null ? { method: 'unresolved', addresses: [] } : { method: 'resolved', addresses: answers.map(view) };
      note = answers === null
        ? `${host} does not resolve now; the gateway would answer 502 upstream_unreachable`
        : `${host} resolves to ${answers.map(describeAddress).join(', ')} now, all globally reachable; the gateway judges the answers again when it connects`;
    }
    const matchedEntry = await this.entries.get(verdict.entryId);
    return {
      allowed: true,
      normalizedUrl: target.resourceUrl,
      matchedEntry,
      refusedBy: null,
      error: null,
      addressCheck,
      message: `allowed by ${matchedEntry?.patternType ?? 'entry'} ${matchedEntry?.pattern ?? verdict.entryId}; ${note}`,
    };
  }

  private async refused(refusal: TargetRefusal, method: 'literal' | 'resolved'): Promise<AllowlistTestResult> {
    return {
      allowed: false,
      normalizedUrl: refusal.resourceUrl,
      matchedEntry: refusal.entryId === null ? null : await this.entries.get(refusal.entryId),
      refusedBy: refusal.refusedBy,
      error: refusal.code,
      addressCheck: refusal.address === null ? null : { method, addresses: [view(refusal.address)] },
      message: `refused (${refusal.code}): ${refusal.message}`,
    };
  }
}

/**
 * The host's DNS answers, through the public-only pool's own lookup so they are judged as when
 * the proxy connects; null when the name does not resolve. Throws TargetRefusal.
 */
async function resolve(target: ProxyTarget, entryId: string, hostname: string): Promise<AddressVerdict[] | null> {
  try {
    const answers = await new Promise<LookupAddress[]>((done, fail) =>
      publicOnlyLookup(hostname, { all: true }, (error, addresses) => (error ? fail(error) : done(addresses as LookupAddress[]))),
    );
    return answers.map((answer) => judgeAddress(answer.address));
  } catch (error) {
    const refusal = nonPublicAddressError(error);
    if (refusal === null) return null;
    throw resolvedAddressRefusal(target, entryId, refusal);
  }
}

function view(verdict: AddressVerdict): ApiAddressVerdict {
  return {
    address: verdict.address,
    allowed: verdict.allowed,
    block: verdict.block?.block ?? null,
    blockName: verdict.block?.name ?? null,
    embedded: verdict.embedded.map(view),
  };
}
