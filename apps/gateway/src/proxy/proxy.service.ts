import { Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { request as upstreamRequest, type Dispatcher } from 'undici';
import type { ProxyConfig } from '@caracal/config';
import type { DenialReason } from '@caracal/domain';
import { StoreUnavailableError } from '@caracal/event-store';
import { formatAmount } from '@caracal/money';
import {
  costFromUsage,
  createStreamUsageTracker,
  endpointFromPath,
  ensureStreamUsage,
  estimateWorstCase,
  OutputBudgetExhaustedError,
  UnpricedError,
  usageFromResponse,
  type Endpoint,
  type NormalisedUsage,
  type Pricebook,
  type Provider,
  type WorstCase,
} from '@caracal/pricing';
import { BudgetStreamCommandQueue, type Hold } from '../budget/budget-stream.command-queue.js';
import { BudgetContentionError } from '../budget/budget-stream.writer.js';
import { BudgetOwnerUnavailableError } from '../budget/budget-owner-unavailable.error.js';
import { HoldRefusedError } from '../budget/hold-refused.error.js';
import { StaleAccessError } from '../budget/stale-access.error.js';
import { GATEWAY_METRICS, PROXY_CONFIG, UPSTREAM_DISPATCHERS } from '../injection-tokens.js';
import { PricebookProvider } from '../pricebook/pricebook.provider.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { agentPath, type AgentPath } from './agent-path.js';
import { AgentKeyAuthenticator, type AuthenticatedAgent } from './agent-key.authenticator.js';
import { CLIENT_CLOSED_REQUEST, ClientConnection, ClientDisconnectedError } from './client-connection.js';
import { DenialRecorder } from './denial-recorder.js';
import { holdDenial } from './hold-denial.js';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './forwarded-headers.js';
import { nonPublicAddressError } from '../targets/guarded-lookup.js';
import type { PricedRequest } from './priced-request.js';
import { ProxyDenial } from '../http/proxy-denial.js';
import { relayResponse } from './response-relay.js';
import { resolveProxyTarget, TARGET_URL_HEADER, type ProxyTarget } from '../targets/proxy-target.js';
import { resolvedAddressRefusal, TargetPolicy, type TargetVerdict } from '../targets/target-policy.js';
import { parseJsonBody, readBoundedBody } from './request-body.js';
import { upstreamCredentialHeaders } from './upstream-credentials.js';
import type { UpstreamDispatchers } from './upstream-dispatchers.js';

/** Who is asking, on which path, and which allowlist entry lets the target through. */
interface Authorized {
  agent: AuthenticatedAgent;
  path: AgentPath;
  verdict: TargetVerdict;
}

/** An admitted request: who, what it costs at worst, and its committed hold. */
interface Admitted extends Authorized {
  priced: PricedRequest;
  hold: Hold;
}

/** Responses larger than this are still streamed to the agent, but usage is not parsed from them. */
const USAGE_BODY_LIMIT_BYTES = 32 * 1024 * 1024;
const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'ECARACAL_NON_PUBLIC', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * The gateway's hot path, in the order DESIGN.md fixes: authenticate → agent active →
 * allowlist → price → reserve (committed) → forward → settle. Every refusal happens before a
 * byte leaves for the upstream; every forwarded request has a committed hold.
 */
@Injectable()
export class ProxyService {
  private readonly logger = new Logger('Proxy');

  constructor(
    private readonly authenticator: AgentKeyAuthenticator,
    private readonly targets: TargetPolicy,
    private readonly budgetStreams: BudgetStreamCommandQueue,
    private readonly denials: DenialRecorder,
    @Inject(PROXY_CONFIG) private readonly config: ProxyConfig,
    private readonly pricebooks: PricebookProvider,
    @Inject(GATEWAY_METRICS) private readonly metrics: GatewayMetrics,
    @Inject(UPSTREAM_DISPATCHERS) private readonly dispatchers: UpstreamDispatchers,
  ) {}

  /** The pricebook in force; a new version applies from the next read. */
  private get pricebook(): Pricebook {
    return this.pricebooks.current();
  }

  async handle(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const requestId = String(request.id);
    const client = new ClientConnection(reply.raw);
    const stopTimer = this.metrics.requestDuration.startTimer();
    let route = 'unknown';
    const who: { agentId: string | null } = { agentId: null };
    let resource = request.url;
    try {
      const target = resolveProxyTarget(request.url, request.headers[TARGET_URL_HEADER], this.config.upstreams);
      route = target.upstream?.name ?? 'resource';
      resource = target.resourceUrl;
      const { agent, path, verdict, priced, hold } = await this.admit(request, target, client, requestId, who);
      this.authenticator.remember(agent);
      // Only for the X-Caracal-Remaining header: the hold is committed, so a failure here must
      // not turn into an error that leaves it to expire unused.
      const remaining = await this.budgetStreams.remaining(path.rootAgentId, path.chain, priced.currency).catch(() => null);
      if (client.gone) {
        // Nothing was sent upstream, so nothing can have been spent: the hold goes back.
        void this.resolve(() => this.budgetStreams.release(hold, 'client_disconnected'), 'released');
        throw new ClientDisconnectedError('while the hold was taken');
      }
      this.metrics.decisions.inc({ outcome: 'forwarded' });
      const status = await this.forward(request, reply, target, priced, hold, verdict, requestId, remaining, client);
      if (client.gone) {
        this.metrics.requests.inc({ route, status: String(CLIENT_CLOSED_REQUEST) });
        this.logger.debug(`request ${requestId}: the client disconnected after the request was forwarded; the hold is charged`);
      } else {
        this.metrics.requests.inc({ route, status: String(status) });
      }
    } catch (error) {
      if (isClientDisconnect(error, client)) {
        this.metrics.decisions.inc({ outcome: 'client_disconnected' });
        this.metrics.requests.inc({ route, status: String(CLIENT_CLOSED_REQUEST) });
        const stage = error instanceof ClientDisconnectedError ? error.stage : 'before the hold was taken';
        this.logger.debug(`request ${requestId}: the client disconnected ${stage}; nothing was forwarded`);
        return;
      }
      const denial = this.toDenial(error);
      this.metrics.decisions.inc({ outcome: denial.code });
      this.metrics.requests.inc({ route, status: String(denial.status) });
      if (who.agentId !== null && isRecordedDenial(denial.code)) {
        this.denials.record({ requestId, agentId: who.agentId, reason: denial.code, policyId: (denial.details.policy as string | undefined) ?? null, resource, now: new Date() });
      }
      if (!reply.sent && !reply.raw.headersSent && !client.gone) {
        const headers: Record<string, string> = { 'x-caracal-request-id': requestId };
        if (typeof denial.details.remaining === 'string') headers['x-caracal-remaining'] = denial.details.remaining;
        void reply.status(denial.status).headers(headers).send({ error: denial.code, message: denial.message, request_id: requestId, ...denial.details });
      }
    } finally {
      stopTimer({ route });
    }
  }

  /**
   * authenticate → agent active → allowlist → price → reserve (committed). On remembered access a
   * refusal at any step is not the answer yet: the access is read again, and its own refusal wins
   * (it would have come first); a hold refused, or refused for stale access, is decided again on
   * it. `who` names the agent as soon as it is known, for the denial's record.
   */
  private async admit(request: FastifyRequest, target: ProxyTarget, client: ClientConnection, requestId: string, who: { agentId: string | null }): Promise<Admitted> {
    let authorized = await this.authorize(request, target, false);
    who.agentId = authorized.agent.agentId;
    let priced: PricedRequest | null = null;
    try {
      priced = target.upstream ? await this.priceLlmCall(target, authorized.path, request) : this.priceResource(target, request);
      if (client.gone) throw new ClientDisconnectedError('before the hold was taken');
      return { ...authorized, priced, hold: await this.reserve(requestId, target, priced, authorized) };
    } catch (error) {
      if (!authorized.agent.remembered || !isRefusal(error)) throw error;
      this.authenticator.forget(authorized.agent.keyId);
      authorized = await this.authorize(request, target, true);
      if (priced === null || !(error instanceof StaleAccessError || error instanceof HoldRefusedError)) throw error;
      return { ...authorized, priced, hold: await this.reserve(requestId, target, priced, authorized) };
    }
  }

  /**
   * The agent behind the key, its path and the allowlist's verdict on the target: on the access
   * remembered for the key unless `fresh`. Whatever refuses on remembered access is decided again
   * on a fresh read, so a denial always rests on what the database holds.
   */
  private async authorize(request: FastifyRequest, target: ProxyTarget, fresh: boolean): Promise<Authorized> {
    const agent = await this.authenticator.authenticate(request.headers, { fresh });
    try {
      return { agent, path: agentPath(agent.access), verdict: this.targets.judge(agent.agentId, agent.access.entries, target) };
    } catch (error) {
      if (!agent.remembered) throw error;
      this.authenticator.forget(agent.keyId);
      return this.authorize(request, target, true);
    }
  }

  /** The durable hold; on remembered access, its commit also confirms that access (RememberedAccess). */
  private reserve(requestId: string, target: ProxyTarget, priced: PricedRequest, { agent, path, verdict }: Authorized): Promise<Hold> {
    return this.budgetStreams.reserve({
      requestId,
      agentId: agent.agentId,
      rootAgentId: path.rootAgentId,
      chain: path.chain,
      resource: target.resourceUrl,
      model: priced.model,
      amountNanos: priced.amountNanos,
      currency: priced.currency,
      access: agent.remembered ? { keyId: agent.keyId, entryId: verdict.entryId } : null,
    });
  }

  /** Agent-chosen URLs go through the public-only pool (its DNS lookup judges the answers) unless exempt. */
  private dispatcherFor(verdict: TargetVerdict): Dispatcher {
    return verdict.address.method === 'exempt' ? this.dispatchers.trusted : this.dispatchers.publicOnly;
  }

  private async priceLlmCall(target: ProxyTarget, path: AgentPath, request: FastifyRequest): Promise<PricedRequest> {
    const upstream = target.upstream!;
    const endpoint = endpointFromPath(upstream.provider, target.path);
    if (endpoint === null) {
      throw new ProxyDenial(403, 'unpriced_resource', `${request.method} ${target.path} on ${upstream.name} has no price in pricebook ${this.pricebook.version}`, { resource: target.resourceUrl });
    }
    const body = parseJsonBody(await readBoundedBody(request.body as Readable | undefined, this.config.maxRequestBytes));
    let worst;
    try {
      worst = await this.worstCase(path, upstream.provider, endpoint, body);
    } catch (error) {
      if (error instanceof UnpricedError) throw new ProxyDenial(403, 'unpriced_resource', error.message, { resource: target.resourceUrl });
      if (error instanceof OutputBudgetExhaustedError) {
        throw new ProxyDenial(403, 'budget_exceeded', `budget exceeded: ${formatAmount(error.remainingNanos)} ${this.pricebook.currency} left cannot pay for this request's input and one output token`, { remaining: formatAmount(error.remainingNanos), currency: this.pricebook.currency });
      }
      throw error;
    }
    const streaming = typeof worst.body === 'object' && worst.body !== null && (worst.body as { stream?: unknown }).stream === true;
    const forwarded = streaming ? ensureStreamUsage(worst.body, endpoint) : worst.body;
    return {
      amountNanos: worst.amountNanos,
      currency: this.pricebook.currency,
      model: worst.model,
      endpoint,
      body: forwarded === undefined ? undefined : Buffer.from(JSON.stringify(forwarded)),
      pricebookVersion: worst.pricebookVersion,
    };
  }

  private priceResource(target: ProxyTarget, request: FastifyRequest): PricedRequest {
    const price = this.pricebook.priceForResource(target.resourceUrl);
    if (price === null) {
      throw new ProxyDenial(403, 'unpriced_resource', `no per-request price for ${target.resourceUrl} in pricebook ${this.pricebook.version}; add a resource entry`, { resource: target.resourceUrl });
    }
    return {
      amountNanos: price.perRequestNanos,
      currency: this.pricebook.currency,
      model: null,
      endpoint: null,
      body: request.body as Readable | undefined,
      pricebookVersion: this.pricebook.version,
    };
  }

  /** Sends the request and streams the answer back; settles (or releases) when it ends. Returns the status. */
  private async forward(
    request: FastifyRequest, reply: FastifyReply, target: ProxyTarget, priced: PricedRequest, hold: Hold,
    verdict: TargetVerdict, requestId: string, remaining: bigint | null, client: ClientConnection,
  ): Promise<number> {
    const headers = upstreamRequestHeaders(request.headers, upstreamCredentialHeaders(target.upstream));
    if (Buffer.isBuffer(priced.body)) headers['content-type'] = 'application/json';
    let response: Dispatcher.ResponseData;
    try {
      response = await upstreamRequest(target.forwardUrl, {
        method: request.method as Dispatcher.HttpMethod,
        headers,
        body: priced.body,
        dispatcher: this.dispatcherFor(verdict),
        headersTimeout: this.config.upstreamTimeoutMs,
        bodyTimeout: this.config.upstreamTimeoutMs,
        signal: client.signal,
      });
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      const causeCode = ((error as { cause?: { code?: string } }).cause?.code) ?? '';
      const refused = nonPublicAddressError(error);
      if (CONNECT_FAILURES.has(code) || CONNECT_FAILURES.has(causeCode) || refused) {
        // Nothing reached the upstream: nothing can have been spent.
        void this.resolve(() => this.budgetStreams.release(hold, 'upstream_unreachable'), 'released');
        if (refused) {
          throw resolvedAddressRefusal(target, verdict.entryId, refused);
        }
        throw new ProxyDenial(502, 'upstream_unreachable', `could not connect to ${new URL(target.forwardUrl).host}: ${(error as Error).message}`);
      }
      // The request may have reached the upstream and been billed: charge the hold (fail closed).
      void this.resolve(() => this.budgetStreams.settle(hold, hold.amountNanos, {}, priced.pricebookVersion), 'settled_at_hold');
      // The agent went away while we waited (its abort cancelled the call): not an upstream failure.
      if (client.gone) return CLIENT_CLOSED_REQUEST;
      throw new ProxyDenial(504, 'upstream_failed', `upstream failed after the request was sent: ${(error as Error).message}`);
    }

    const contentType = String(response.headers['content-type'] ?? '');
    const tracker = priced.endpoint && contentType.includes('text/event-stream') ? createStreamUsageTracker(priced.endpoint) : null;
    const collected: Buffer[] = [];
    let collectedBytes = 0;
    const observe = (chunk: Buffer): void => {
      if (tracker) tracker.feed(chunk);
      else if (priced.endpoint && collectedBytes + chunk.length <= USAGE_BODY_LIMIT_BYTES) {
        collected.push(chunk);
        collectedBytes += chunk.length;
      }
    };

    reply.hijack();
    const answerHeaders = downstreamResponseHeaders(response.headers);
    answerHeaders['x-caracal-request-id'] = requestId;
    if (remaining !== null) answerHeaders['x-caracal-remaining'] = formatAmount(remaining);
    reply.raw.writeHead(response.statusCode, answerHeaders);
    const completed = await relayResponse(response.body, reply.raw, client.signal, observe);
    tracker?.end();
    void this.settleAfterResponse(hold, priced, target, response.statusCode, completed, tracker ? tracker.result() : this.usageFromBody(priced, collected));
    return response.statusCode;
  }

  private usageFromBody(priced: PricedRequest, collected: Buffer[]): NormalisedUsage | null {
    if (!priced.endpoint || collected.length === 0) return null;
    try {
      return usageFromResponse(priced.endpoint, JSON.parse(Buffer.concat(collected).toString('utf8')));
    } catch {
      return null;
    }
  }

  private async settleAfterResponse(hold: Hold, priced: PricedRequest, target: ProxyTarget, status: number, completed: boolean, usage: NormalisedUsage | null): Promise<void> {
    if (!completed || (status < 400 && priced.endpoint !== null && usage === null)) {
      // Cut short, or no usage reported: the call ran and we cannot know its cost: charge the hold.
      return this.resolve(() => this.budgetStreams.settle(hold, hold.amountNanos, {}, priced.pricebookVersion), 'settled_at_hold');
    }
    if (status >= 400 && usage === null) {
      return this.resolve(() => this.budgetStreams.release(hold, `upstream_status_${status}`), 'released');
    }
    if (usage !== null && target.upstream && priced.model) {
      try {
        const cost = costFromUsage(this.pricebook, target.upstream.provider, priced.model, usage);
        return this.resolve(() => this.budgetStreams.settle(hold, cost.amountNanos, { ...cost.usage }, cost.pricebookVersion), 'settled');
      } catch (error) {
        this.logger.warn(`request ${hold.reservationId}: cannot price usage (${(error as Error).message}); charging the hold`);
        return this.resolve(() => this.budgetStreams.settle(hold, hold.amountNanos, {}, priced.pricebookVersion), 'settled_at_hold');
      }
    }
    return this.resolve(() => this.budgetStreams.settle(hold, priced.amountNanos, { requests: 1 }, priced.pricebookVersion), 'settled');
  }

  /**
   * Sizes the hold against the budget left. This process's view of the budget lags other
   * processes' writes (a limit raised there), so a budget that looks exhausted is read again
   * before the request is denied on it.
   */
  private async worstCase(path: AgentPath, provider: Provider, endpoint: Endpoint, body: unknown): Promise<WorstCase> {
    const estimate = (remaining: bigint | null): WorstCase =>
      estimateWorstCase(this.pricebook, provider, endpoint, body, remaining === null ? {} : { remainingNanos: remaining });
    try {
      return estimate(await this.budgetStreams.remaining(path.rootAgentId, path.chain, this.pricebook.currency));
    } catch (error) {
      if (!(error instanceof OutputBudgetExhaustedError)) throw error;
      return estimate(await this.budgetStreams.remaining(path.rootAgentId, path.chain, this.pricebook.currency, { fresh: true }));
    }
  }

  /** Settlement failures leave the hold open; the expiry sweep charges it later (fail closed). */
  private async resolve(action: () => Promise<void>, outcome: string): Promise<void> {
    try {
      await action();
      this.metrics.settlements.inc({ outcome });
    } catch (error) {
      this.metrics.settlements.inc({ outcome: 'deferred_to_expiry' });
      this.logger.warn(`could not resolve a hold now (${(error as Error).message}); it will expire and be charged`);
    }
  }

  private toDenial(error: unknown): ProxyDenial {
    if (error instanceof ProxyDenial) return error;
    if (error instanceof HoldRefusedError) return holdDenial(error);
    if (error instanceof StoreUnavailableError) {
      return new ProxyDenial(503, 'store_unavailable', 'the budget store is unreachable, so no hold can be taken; nothing was forwarded');
    }
    if (error instanceof BudgetContentionError) {
      return new ProxyDenial(503, 'budget_contention', `${error.message}; nothing was forwarded`);
    }
    if (error instanceof BudgetOwnerUnavailableError) {
      return new ProxyDenial(503, 'budget_owner_unavailable', `${error.message}; nothing was forwarded`);
    }
    this.logger.error(`proxy request failed: ${(error as Error)?.stack ?? String(error)}`);
    return new ProxyDenial(500, 'internal_error', 'internal error; nothing was forwarded');
  }
}

/**
 * A failure while the agent is gone (its request body cut short, say) is the disconnect's doing;
 * a refusal or an unreachable store is still reported as what it is.
 */
function isClientDisconnect(error: unknown, client: ClientConnection): boolean {
  if (error instanceof ClientDisconnectedError) return true;
  if (error instanceof ProxyDenial || error instanceof HoldRefusedError || error instanceof StoreUnavailableError || error instanceof BudgetContentionError || error instanceof BudgetOwnerUnavailableError) return false;
  return client.gone;
}

/** An answer that refuses the request (not a failure to decide it). */
function isRefusal(error: unknown): boolean {
  return error instanceof ProxyDenial || error instanceof HoldRefusedError || error instanceof StaleAccessError;
}

function isRecordedDenial(code: string): code is DenialReason {
  return code === 'budget_exceeded' || code === 'agent_suspended' || code === 'resource_not_allowed' || code === 'unpriced_resource';
}
