import {
  budgetSnapshot,
  budgetStreamId,
  decideBudget,
  decideBudgetBatch,
  DomainError,
  evolveBudgetAll,
  type BudgetCommand,
  type BudgetEvent,
  type BudgetState,
} from '@caracal/domain';
import {
  newEventId,
  WrongExpectedVersionError,
  type EventStore,
  type NewEvent,
} from '@caracal/event-store';
import type { BudgetCommitGroup } from './budget-commit.group.js';
import { applyBudgetTail, BUDGET_SNAPSHOT_TYPE, loadBudgetState, toBudgetEvent } from './budget-state.loader.js';
import { budgetCommitFailure, budgetCommitStatement } from './budget-transaction.hook.js';
import { openHoldsOf } from './open-holds.js';
import { RedecideError } from './redecide.error.js';
import type { RememberedAccess } from './remembered-access.js';
import { StaleAccessError } from './stale-access.error.js';
import { reservationEventId } from './reservation-event-id.js';

export type Outcome = { ok: true; events: BudgetEvent[] } | { ok: false; error: DomainError };

/** Who asked: recorded in the metadata of the events a command produces. */
export interface CommandOrigin {
  actor: string;
  correlationId?: string;
}

export interface WriterHooks {
  onAppended(seconds: number): void;
  /** Another process wrote to the stream (a version race lost, or its events found under the lock). */
  onContended?(): void;
}

/**
 * The stream's lock could not be had within the database's lock_timeout (set it on the gateway's
 * role to bound the wait): fail closed, retryable.
 */
export class BudgetContentionError extends Error {
  constructor(readonly streamId: string) {
    super(`budget stream ${streamId} is contended by other gateway processes (lock_timeout reached); retry the request`);
    this.name = 'BudgetContentionError';
  }
}

interface Pending {
  /** null: no command, the caller wants the state as the stream is now (see view). */
  command: BudgetCommand | null;
  origin: CommandOrigin;
  /** A hold admitted on remembered access: its commit confirms it. */
  access: RememberedAccess | null;
  resolve(outcome: Outcome): void;
  reject(error: unknown): void;
}

/** A batch decided: the state after it, the events to append (with who asked), each caller's outcome. */
interface Decided {
  state: BudgetState;
  events: { event: BudgetEvent; origin: CommandOrigin }[];
  outcomes: Outcome[];
  /** The remembered access of the holds admitted, for the commit to confirm. */
  accessChecks: RememberedAccess[];
}

/** What the batch's commit found changed since it was decided (RedecideError), for deciding it again. */
interface Changed {
  suspendedAgentIds: Set<string>;
  staleKeyIds: Set<string>;
}

const MAX_BATCH = 256;
/**
 * How long a settlement, release or expiry may wait for a hold to share its commit. Nobody waits
 * on them (the answer has gone to the agent), and a hold that stays open a little longer only
 * counts against the budget a little longer (fail closed); at low concurrency this halves the
 * commits per request: the settlement rides on the next request's hold.
 */
const RESOLUTION_LINGER_MS = 20;
/** How long a stream counts as contended after another process last wrote to it (see commit). */
const CONTENDED_FOR_MS = 5_000;
/** PostgreSQL's lock_not_available: a lock_timeout set for the role ran out. */
const LOCK_NOT_AVAILABLE = '55P03';
const SNAPSHOT_EVERY = 1000n;
const GATEWAY: CommandOrigin = { actor: 'gateway' };

/**
 * The single writer of one budget stream in this process. Commands queue up while an append is
 * in flight; the next drain decides all of them against the in-memory state, in order, and
 * appends their events in ONE transaction (group commit) with the expected stream version
 * (through the BudgetCommitGroup, where other streams' commits may share that transaction).
 * A writer in another process that got there first makes that append fail; the batch is then
 * decided again under the stream's row lock, as are the next ones while the stream stays
 * contended (see commit). Nothing is admitted against stale state, because the version check
 * (or the lock) is in the same transaction as the insert. A batch that appends nothing (all denied) has no
 * version check, so it is decided again after reading the stream's tail: another process may
 * have raised a limit, and a denial must not rest on what this process saw last.
 *
 * Policy commands go through the same queue: under load they join a group commit instead of
 * racing it with a separate load-decide-append that keeps losing the version.
 */
export class BudgetStreamWriter {
  private state: BudgetState | null = null;
  private version = 0n;
  private lastSnapshotVersion = 0n;
  private readonly queue: Pending[] = [];
  private draining = false;
  private lingerTimer: NodeJS.Timeout | null = null;
  /** Until when group commits take the stream's lock (another process wrote to it lately). */
  private contendedUntil = 0;
  private lastUsedAtMs = Date.now();
  /** When the state was last brought level with the stream: loaded, its tail read, or appended to by this writer. */
  private levelAtMs = 0;
  /** The next catch-up loads from the latest snapshot: the state may be far behind (see view). */
  private reloadOnCatchUp = false;
  private readonly streamId: string;

  constructor(
    private readonly rootAgentId: string,
    private readonly store: EventStore,
    private readonly commits: BudgetCommitGroup,
    private readonly hooks: WriterHooks,
  ) {
    this.streamId = budgetStreamId(rootAgentId);
  }

  submit(command: BudgetCommand, origin: CommandOrigin = GATEWAY, access: RememberedAccess | null = null): Promise<Outcome> {
    return this.enqueue(command, origin, access);
  }

  /**
   * The state as of the last load or append: good for sizing, never for admission. `fresh`
   * reads the stream's tail first (queued behind any append in flight), for a caller about to
   * deny on what it sees. `maxAgeMs`, for a caller whose commands another process's writer
   * decides (budget-ownership.ts): a state older than that is loaded again from the latest
   * snapshot and what follows it, not from its own version on, which may be a long way back.
   */
  async view(options: { fresh?: boolean; maxAgeMs?: number } = {}): Promise<BudgetState> {
    this.lastUsedAtMs = Date.now();
    const stale = options.maxAgeMs !== undefined && this.lastUsedAtMs - this.levelAtMs > options.maxAgeMs;
    if (stale) this.reloadOnCatchUp = true;
    if (options.fresh === true || stale || this.state === null) await this.enqueue(null, GATEWAY);
    return this.state as BudgetState;
  }

  /** Commits whatever is queued now, lingering resolutions included; resolves when the queue is empty. */
  async flush(): Promise<void> {
    if (this.queue.length > 0) await this.enqueue(null, GATEWAY);
  }

  /** Nothing queued, lingering or being committed, and not used since `sinceMs`: the writer may be dropped. */
  idleSince(sinceMs: number): boolean {
    return this.queue.length === 0 && !this.draining && this.lingerTimer === null && this.lastUsedAtMs < sinceMs;
  }

  private enqueue(command: BudgetCommand | null, origin: CommandOrigin, access: RememberedAccess | null = null): Promise<Outcome> {
    this.lastUsedAtMs = Date.now();
    return new Promise<Outcome>((resolve, reject) => {
      this.queue.push({ command, origin, access, resolve, reject });
      if (this.draining) return;
      if (canLinger(command)) {
        this.lingerTimer ??= setTimeout(() => void this.drain(), RESOLUTION_LINGER_MS).unref();
      } else {
        void this.drain();
      }
    });
  }

  private async drain(): Promise<void> {
    if (this.lingerTimer !== null) clearTimeout(this.lingerTimer);
    this.lingerTimer = null;
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          await this.commit(batch);
        } catch (error) {
          // Infrastructure failure (e.g. store unreachable): every caller fails closed.
          this.state = null;
          for (const pending of batch) pending.reject(error);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /**
   * Optimistic while this process has the stream to itself (one statement, no lock). Once another
   * process wins a version race, the stream is contended: for a while every group commit takes
   * the stream's row lock and decides on what it reads under it (appendLocked), so writers queue
   * for the stream instead of each losing races and redoing work. A tail written by another
   * process during that time keeps the stream marked contended.
   */
  private async commit(batch: Pending[]): Promise<void> {
    if (this.state !== null && Date.now() < this.contendedUntil) return this.commitLocked(batch, nothingChanged());
    return this.commitOptimistic(batch);
  }

  private async commitOptimistic(batch: Pending[]): Promise<void> {
    const changed = nothingChanged();
    let fresh = false;
    for (;;) {
      if (this.state === null) {
        await this.catchUp();
        fresh = true;
      }
      const decided = this.decide(this.state as BudgetState, batch, changed);
      if (decided.events.length === 0) {
        if (!fresh) {
          await this.catchUp();
          fresh = true;
          continue;
        }
        batch.forEach((pending, i) => pending.resolve(decided.outcomes[i]));
        return;
      }
      const started = process.hrtime.bigint();
      try {
        await this.commits.append({
          rootAgentId: this.rootAgentId,
          streamId: this.streamId,
          events: decided.events.map(({ event, origin }) => toNewEvent(event, origin)),
          expectedVersion: this.version,
          commands: commandsOf(batch),
          openHolds: openHoldsOf(decided.state),
          accessChecks: decided.accessChecks,
        });
      } catch (error) {
        if (error instanceof RedecideError) {
          noteChanged(changed, error);
          continue;
        }
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        this.contendedUntil = Date.now() + CONTENDED_FOR_MS;
        this.hooks.onContended?.();
        return this.commitLocked(batch, changed);
      }
      this.hooks.onAppended(Number(process.hrtime.bigint() - started) / 1e9);
      this.state = decided.state;
      this.version += BigInt(decided.events.length);
      this.levelAtMs = Date.now();
      batch.forEach((pending, i) => pending.resolve(decided.outcomes[i]));
      this.maybeSnapshot();
      return;
    }
  }

  /** Decides under the stream's row lock, on the stream as it is: no version race to lose. */
  private async commitLocked(batch: Pending[], changed: Changed): Promise<void> {
    for (;;) {
      if (this.state === null) await this.catchUp();
      const known = { state: this.state as BudgetState, version: this.version };
      const under: { decided: Decided | null } = { decided: null };
      const started = process.hrtime.bigint();
      let result;
      try {
        result = await this.store.appendLocked(this.streamId, {
          knownVersion: known.version,
          decide: (tail) => {
            const current = tail.length === 0 ? known.state : evolveBudgetAll(known.state, tail.map(toBudgetEvent));
            under.decided = this.decide(current, batch, changed);
            return under.decided.events.map(({ event, origin }) => toNewEvent(event, origin));
          },
          // With the insert and the COMMIT in one round trip: the lock is held for one trip less.
          commitStatement: (events) => budgetCommitStatement([{
            rootAgentId: this.rootAgentId, events, commands: commandsOf(batch), openHolds: openHoldsOf((under.decided as Decided).state),
            accessChecks: (under.decided as Decided).accessChecks,
          }]),
          // The next process's group decides while this one's commit is flushed.
          flushAfterUnlock: true,
        });
      } catch (caught) {
        const error = budgetCommitFailure(caught);
        if (error instanceof RedecideError) {
          noteChanged(changed, error);
          continue;
        }
        if ((error as { code?: string }).code === LOCK_NOT_AVAILABLE) throw new BudgetContentionError(this.streamId);
        throw error;
      }
      // No stream to lock yet: its first append creates it, optimistically.
      if (result === null || under.decided === null) return this.commitOptimistic(batch);
      const { state, events, outcomes } = under.decided;
      if (result.tail.length > 0) {
        this.contendedUntil = Date.now() + CONTENDED_FOR_MS;
        this.hooks.onContended?.();
      }
      if (result.appended !== null) this.hooks.onAppended(Number(process.hrtime.bigint() - started) / 1e9);
      this.state = state;
      this.version = known.version + BigInt(result.tail.length + events.length);
      this.levelAtMs = Date.now();
      batch.forEach((pending, i) => pending.resolve(outcomes[i]));
      this.maybeSnapshot();
      return;
    }
  }

  private decide(start: BudgetState, batch: Pending[], changed: Changed): Decided {
    const { state, decisions } = decideBudgetBatch(start, batch, (current, { command, access }) => {
      if (command === null) return [];
      if (access !== null && changed.staleKeyIds.has(access.keyId)) return new StaleAccessError(access.keyId);
      return decideOnBudget(current, command, changed.suspendedAgentIds);
    });
    const events: { event: BudgetEvent; origin: CommandOrigin }[] = [];
    const accessChecks: RememberedAccess[] = [];
    const outcomes = decisions.map((decision, i): Outcome => {
      if (decision instanceof DomainError) return { ok: false, error: decision };
      events.push(...decision.map((event) => ({ event, origin: batch[i].origin })));
      const { access } = batch[i];
      if (access !== null) accessChecks.push(access);
      return { ok: true, events: decision };
    });
    return { state, events, outcomes, accessChecks };
  }

  /** Loads from the latest snapshot (if none is cached, or a reload is due) and applies the stream's tail. */
  private async catchUp(): Promise<void> {
    const known = this.state === null ? null : { state: this.state, version: this.version, snapshotVersion: this.lastSnapshotVersion };
    const reload = this.reloadOnCatchUp;
    this.reloadOnCatchUp = false;
    const loaded = known === null || reload
      ? await loadBudgetState(this.store, this.rootAgentId, known)
      : await applyBudgetTail(this.store, this.rootAgentId, known);
    this.state = loaded.state;
    this.version = loaded.version;
    this.lastSnapshotVersion = loaded.snapshotVersion;
    this.levelAtMs = Date.now();
  }

  private maybeSnapshot(): void {
    if (this.state === null || this.version - this.lastSnapshotVersion < SNAPSHOT_EVERY) return;
    this.lastSnapshotVersion = this.version;
    // A snapshot is a cache: losing one only makes the next load read more events.
    void this.store
      .saveSnapshot({ streamId: this.streamId, version: this.version, snapshotType: BUDGET_SNAPSHOT_TYPE, state: budgetSnapshot(this.state) })
      .catch(() => undefined);
  }
}

/** The budget stream's decide (decideBudget: policies by decideBudgetPolicy, holds by decideReservation). */
function decideOnBudget(state: BudgetState, command: BudgetCommand, suspended: ReadonlySet<string>): BudgetEvent[] | DomainError {
  if (command.type !== 'ReserveSpend' || suspended.size === 0) return decideBudget(state, command);
  // Agents found suspended inside an earlier attempt's transaction count as suspended now.
  return decideBudget(state, {
    ...command,
    agentChain: command.agentChain.map((a) => (suspended.has(a.agentId) ? { ...a, status: 'suspended' as const } : a)),
  });
}

function nothingChanged(): Changed {
  return { suspendedAgentIds: new Set(), staleKeyIds: new Set() };
}

function noteChanged(changed: Changed, error: RedecideError): void {
  error.suspendedAgentIds.forEach((id) => changed.suspendedAgentIds.add(id));
  error.staleKeyIds.forEach((id) => changed.staleKeyIds.add(id));
}

/** Resolutions have no caller waiting on them: they may wait a moment for a hold to share its commit. */
function canLinger(command: BudgetCommand | null): boolean {
  return command !== null && (command.type === 'SettleSpend' || command.type === 'ReleaseReservation' || command.type === 'ExpireReservations');
}

function commandsOf(batch: readonly Pending[]): BudgetCommand[] {
  return batch.flatMap((pending) => (pending.command === null ? [] : [pending.command]));
}

function toNewEvent(event: BudgetEvent, origin: CommandOrigin): NewEvent {
  return { eventId: reservationEventId(event) ?? newEventId(), type: event.type, schemaVersion: event.schemaVersion, data: event.data as Record<string, unknown>, metadata: { ...origin } };
}
