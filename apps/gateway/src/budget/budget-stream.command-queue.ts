import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import {
  budgetStreamId,
  ConflictError,
  NotFoundError,
  remainingFor,
  type BudgetEvent,
  type BudgetPolicyCommand,
  type ChainAgent,
  type SpendUsage,
} from '@caracal/domain';
import { newEventId, StoreUnavailableError, type EventStore, type SqlClient } from '@caracal/event-store';
import { ADMIN_TOKEN, EVENT_STORE, GATEWAY_METRICS, PROXY_CONFIG, SQL_CLIENT } from '../injection-tokens.js';
import type { ProxyConfig } from '@caracal/config';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { BudgetContentionError, BudgetStreamWriter, type CommandOrigin, type Outcome } from './budget-stream.writer.js';
import { BudgetCommitGroup } from './budget-commit.group.js';
import { BudgetOwnerUnavailableError } from './budget-owner-unavailable.error.js';
import { BudgetOwnership } from './budget-ownership.js';
import { BudgetPeerClient, PeerUnreachableError } from './budget-peer.client.js';
import { BudgetWriterRegistry } from './budget-writer.registry.js';
import { HoldRefusedError } from './hold-refused.error.js';
import type { RememberedAccess } from './remembered-access.js';
import type { ForwardedCommand, ForwardedResult } from './forwarded-command.codec.js';
import { resolutionEventId } from './reservation-event-id.js';
import { StaleAccessError } from './stale-access.error.js';

export interface HoldRequest {
  requestId: string;
  agentId: string;
  rootAgentId: string;
  /** Root first, ending with the agent. */
  chain: readonly ChainAgent[];
  resource: string;
  model: string | null;
  amountNanos: bigint;
  currency: string;
  /** Set when the agent's access was remembered, not read for this request: the hold's commit confirms it. */
  access: RememberedAccess | null;
}

export interface Hold {
  reservationId: string;
  rootAgentId: string;
  amountNanos: bigint;
}

const EXPIRY_SWEEP_MS = 1000;
/** A budget's writer unused this long is dropped (BudgetWriterRegistry); checked every minute. */
const WRITER_IDLE_MS = 5 * 60_000;
const WRITER_EVICTION_MS = 60_000;
const RESOLVE_RETRY_DELAYS_MS = [250, 1000, 2000, 4000, 8000, 16000];
/**
 * How old what this process knows of a budget it forwards may be when it sizes a request or
 * reports X-Caracal-Remaining (never for admission: the owner decides): the owner's report with a
 * hold of the agent's, or this process's view of the stream, which only a read of the tail brings
 * up to date now that its own writer no longer appends to it.
 */
const FORWARDED_VIEW_MAX_AGE_MS = 500;

/**
 * The budget streams' command queue: every command on a budget stream goes through here, the
 * gateway's holds (reserve durably before forwarding, then settle, release, or let the hold
 * expire) and the operators' policy commands alike. One writer per budget stream in this
 * process; an expiry sweep finds holds past their TTL (also those a crashed process left) and
 * charges them. A stream that another process owns (budget-ownership.ts) has its holds and
 * resolutions decided by that process's writer: they are forwarded to it.
 */
@Injectable()
export class BudgetStreamCommandQueue implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('BudgetStreamCommandQueue');
  private readonly writers: BudgetWriterRegistry;
  private readonly ownership: BudgetOwnership;
  private readonly peers: BudgetPeerClient;
  /** The budget left on an agent's path as the owner last reported it (with a forwarded hold), by `agentId|currency`. */
  private readonly reportedRemaining = new Map<string, { nanos: bigint | null; atMs: number }>();
  private sweepTimer: NodeJS.Timeout | null = null;
  private evictionTimer: NodeJS.Timeout | null = null;
  private sweeping = false;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SQL_CLIENT) private readonly sql: SqlClient,
    @Inject(PROXY_CONFIG) private readonly config: ProxyConfig,
    @Inject(GATEWAY_METRICS) private readonly metrics: GatewayMetrics,
    @Inject(ADMIN_TOKEN) adminToken: string,
  ) {
    const commits = new BudgetCommitGroup(store);
    this.ownership = new BudgetOwnership(sql);
    this.peers = new BudgetPeerClient(adminToken);
    this.writers = new BudgetWriterRegistry(
      (rootAgentId) => new BudgetStreamWriter(rootAgentId, store, commits, {
        onAppended: (seconds) => metrics.appendDuration.observe(seconds),
        onContended: () => void this.ownership.contended(rootAgentId),
      }),
      WRITER_IDLE_MS,
    );
  }

  /**
   * Where other gateway processes reach this one: from then on it may own budget streams that
   * several processes write (budget-ownership.ts). Not called: it forwards, but never owns.
   */
  advertise(url: string): void {
    this.ownership.advertise(url);
  }

  onModuleInit(): void {
    this.sweepTimer = setInterval(() => void this.sweepExpired(), EXPIRY_SWEEP_MS);
    this.sweepTimer.unref();
    this.evictionTimer = setInterval(() => {
      this.writers.evictIdle();
      this.ownership.forgetIdle();
      this.forgetReportedRemaining();
    }, WRITER_EVICTION_MS);
    this.evictionTimer.unref();
  }

  /** Settlements still lingering for a shared commit are committed before the process goes. */
  async onModuleDestroy(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.evictionTimer) clearInterval(this.evictionTimer);
    await Promise.allSettled(this.writers.all().map((writer) => writer.flush()));
    await this.ownership.resign().catch(() => undefined);
    await this.peers.close();
  }

  /**
   * The smallest remaining budget on the agent's path, or null when no policy applies; as this
   * process last saw it unless `fresh` (another process may have written since). For a stream
   * whose commands another process decides, this process's own view is not kept up to date: the
   * figure is what the owner reported with this agent's last hold, if that is at most
   * FORWARDED_VIEW_MAX_AGE_MS old, else the stream's tail is read.
   */
  async remaining(rootAgentId: string, chain: readonly ChainAgent[], currency: string, options: { fresh?: boolean } = {}): Promise<bigint | null> {
    if (this.ownership.peerFor(rootAgentId) === null) return remainingFor(await this.writer(rootAgentId).view(options), chain, currency, new Date());
    const reported = this.reportedRemaining.get(`${chain[chain.length - 1].agentId}|${currency}`);
    if (options.fresh !== true && reported !== undefined && Date.now() - reported.atMs <= FORWARDED_VIEW_MAX_AGE_MS) return reported.nanos;
    const state = await this.writer(rootAgentId).view({ ...options, maxAgeMs: FORWARDED_VIEW_MAX_AGE_MS });
    return remainingFor(state, chain, currency, new Date());
  }

  /**
   * Creates, changes or deactivates a policy: queued on the stream's writer, which decides it
   * with decideBudgetPolicy. Throws the domain's refusal.
   */
  async decideBudgetPolicy(rootAgentId: string, command: BudgetPolicyCommand, origin: CommandOrigin): Promise<void> {
    let outcome: Outcome;
    try {
      outcome = await this.writer(rootAgentId).submit(command, origin);
    } catch (error) {
      if (error instanceof BudgetContentionError) throw new ConflictError(error.message);
      throw error;
    }
    if (!outcome.ok) throw outcome.error;
  }

  /**
   * Queued on the stream's writer, which decides it with decideReservation. Throws
   * HoldRefusedError, or StaleAccessError when the remembered access no longer holds.
   */
  async reserve(request: HoldRequest): Promise<Hold> {
    // Time-ordered: it is also its hold's event id (reservation-event-id.ts).
    const reservationId = newEventId();
    const outcome = await this.submit(request.rootAgentId, {
      type: 'ReserveSpend',
      reservationId,
      requestId: request.requestId,
      agentId: request.agentId,
      agentChain: request.chain,
      resource: request.resource,
      model: request.model,
      amountNanos: request.amountNanos,
      currency: request.currency,
      now: new Date(),
      ttlMs: this.config.reservationTtlMs,
    }, request.access);
    if (!outcome.ok) {
      if (outcome.error instanceof StaleAccessError) throw outcome.error;
      throw new HoldRefusedError(outcome.error, request.currency);
    }
    return { reservationId, rootAgentId: request.rootAgentId, amountNanos: request.amountNanos };
  }

  async settle(hold: Hold, amountNanos: bigint, usage: SpendUsage, pricebookVersion: string): Promise<void> {
    const settledAt = new Date();
    await this.resolveWithRetries(hold, () => ({ type: 'SettleSpend', reservationId: hold.reservationId, amountNanos, usage, pricebookVersion, now: settledAt }));
  }

  async release(hold: Hold, reason: string): Promise<void> {
    const releasedAt = new Date();
    await this.resolveWithRetries(hold, () => ({ type: 'ReleaseReservation', reservationId: hold.reservationId, reason, now: releasedAt }));
  }

  /**
   * Settling and releasing are idempotent, so a failure (store briefly down, contention) is
   * retried for a while; only if that fails too does the hold wait for expiry, charged in full.
   */
  private async resolveWithRetries(hold: Hold, command: () => ForwardedCommand['command']): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const outcome = await this.submit(hold.rootAgentId, command());
        if (!outcome.ok) await this.reportUnresolvable(hold, outcome.error);
        else this.countOverages(outcome.events);
        return;
      } catch (error) {
        if (attempt >= RESOLVE_RETRY_DELAYS_MS.length) throw error;
        await new Promise((resolve) => setTimeout(resolve, RESOLVE_RETRY_DELAYS_MS[attempt]).unref());
      }
    }
  }

  /** Charged in full, but counted: an upstream that reports more than the hold allowed is worth an alert. */
  private countOverages(events: readonly BudgetEvent[]): void {
    for (const event of events) {
      if (event.type !== 'SpendSettled') continue;
      const overage = BigInt(event.data.overageNanos);
      if (overage > 0n) this.metrics.countOverage(event.data.currency, overage);
    }
  }

  /**
   * A hold that is no longer open was resolved already (it expired first, or an earlier attempt
   * whose answer was lost committed): the store holds its one resolution event. Anything else
   * is worth a warning.
   */
  private async reportUnresolvable(hold: Hold, error: Error): Promise<void> {
    if (error instanceof NotFoundError) {
      const { rows } = await this.sql.query('SELECT 1 FROM events WHERE event_id = $1', [resolutionEventId(hold.reservationId)]);
      if (rows.length > 0) {
        this.logger.log(`hold ${hold.reservationId} was already resolved (expired, or settled by an earlier attempt)`);
        return;
      }
    }
    this.logger.warn(`resolving ${hold.reservationId}: ${error.message}`);
  }

  /** Charges every hold past its TTL, on every budget stream that has one (any process's). */
  async sweepExpired(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const { rows } = await this.sql.query<{ root_agent_id: string }>(
        'SELECT root_agent_id FROM budget_open_holds WHERE next_expires_at <= now()',
      );
      for (const row of rows) {
        await this.writer(String(row.root_agent_id)).submit({ type: 'ExpireReservations', now: new Date() });
      }
    } catch (error) {
      this.logger.warn(`expiry sweep failed (will retry): ${(error as Error).message}`);
    } finally {
      this.sweeping = false;
    }
  }

  /** A command another process forwarded to this one, the stream's owner: decided by this process's writer. */
  async decideForwarded({ rootAgentId, command, access }: ForwardedCommand): Promise<ForwardedResult> {
    this.ownership.used(rootAgentId);
    const writer = this.writer(rootAgentId);
    try {
      const outcome = await writer.submit(command, undefined, access);
      if (!outcome.ok || command.type !== 'ReserveSpend') return outcome;
      // The forwarding process reports it in X-Caracal-Remaining and sizes the agent's next calls on it.
      return { ...outcome, remainingNanos: remainingFor(await writer.view(), command.agentChain, command.currency, new Date()) };
    } catch (error) {
      // What failed is named, never described: the message may hold details of the database.
      if (error instanceof StoreUnavailableError) return { failed: 'store_unavailable' };
      if (error instanceof BudgetContentionError) return { failed: 'budget_contention' };
      this.logger.error(`deciding a forwarded ${command.type}: ${(error as Error)?.stack ?? String(error)}`);
      return { failed: 'internal_error' };
    }
  }

  /**
   * Decided by this process's writer, or by the owner's when another process owns the stream. An
   * owner that cannot be reached is skipped until its lease would lapse: the command is committed
   * here (correct either way: the stream's version check orders every commit). A hold whose
   * answer was lost after it was sent is refused and released, never taken twice.
   */
  private async submit(rootAgentId: string, command: ForwardedCommand['command'], access: RememberedAccess | null = null): Promise<Outcome> {
    const peer = this.ownership.peerFor(rootAgentId);
    if (peer === null) return this.writer(rootAgentId).submit(command, undefined, access);
    let result: ForwardedResult;
    try {
      result = await this.peers.forward(peer, { rootAgentId, command, access });
    } catch (error) {
      if (!(error instanceof PeerUnreachableError)) throw error;
      this.metrics.budgetForwards.inc({ outcome: 'unreachable' });
      this.ownership.unreachable(rootAgentId);
      this.logger.warn(`${error.message}; committing budget ${rootAgentId} here until its claim lapses`);
      if (!error.delivered) return this.writer(rootAgentId).submit(command, undefined, access);
      if (command.type === 'ReserveSpend') {
        this.release({ reservationId: command.reservationId, rootAgentId, amountNanos: command.amountNanos }, 'owner_unreachable')
          .catch((failure: unknown) => this.logger.warn(`releasing ${command.reservationId} after its owner did not answer: ${(failure as Error).message}; it expires instead`));
        throw new BudgetOwnerUnavailableError(rootAgentId, error.message);
      }
      throw error;
    }
    if ('failed' in result) {
      this.metrics.budgetForwards.inc({ outcome: 'failed' });
      if (result.failed === 'store_unavailable') throw new StoreUnavailableError(new Error('the owner of the budget stream could not reach the store'));
      if (result.failed === 'budget_contention') throw new BudgetContentionError(budgetStreamId(rootAgentId));
      throw new BudgetOwnerUnavailableError(rootAgentId, result.failed);
    }
    this.metrics.budgetForwards.inc({ outcome: 'decided' });
    if (command.type === 'ReserveSpend' && result.ok && result.remainingNanos !== undefined) {
      this.reportedRemaining.set(`${command.agentId}|${command.currency}`, { nanos: result.remainingNanos, atMs: Date.now() });
    }
    return result;
  }

  private forgetReportedRemaining(nowMs: number = Date.now()): void {
    for (const [key, reported] of this.reportedRemaining) {
      if (nowMs - reported.atMs > FORWARDED_VIEW_MAX_AGE_MS) this.reportedRemaining.delete(key);
    }
  }

  private writer(rootAgentId: string): BudgetStreamWriter {
    return this.writers.get(rootAgentId);
  }
}
