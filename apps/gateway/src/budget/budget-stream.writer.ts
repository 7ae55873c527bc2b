import {
  budgetSnapshot,
  budgetStreamId,
  decideReservation,
  DomainError,
  evolveBudgetAll,
  type BudgetState,
  type ReservationCommand,
  type ReservationEvent,
} from '../../../../libs/domain/src/index.js';
import {
  WrongExpectedVersionError,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
  type SqlExecutor,
} from '../../../../libs/event-store/src/index.js';
import { randomUUID } from 'node:crypto';
import { applyBudgetTail, BUDGET_SNAPSHOT_TYPE, loadBudgetState } from './budget-state.loader.js';

export type Outcome = { ok: true; events: ReservationEvent[] } | { ok: false; error: DomainError };

export interface WriterHooks {
  /** Runs in the append's transaction; throwing rolls the whole group back. */
  inTransaction(tx: SqlExecutor, events: readonly RecordedEvent[], commands: readonly ReservationCommand[]): Promise<void>;
  onAppended(seconds: number): void;
}

/** Other processes kept winning the stream for longer than the deadline: fail closed, retryable. */
export class BudgetContentionError extends Error {
  constructor(readonly streamId: string, readonly attempts: number) {
    super(`budget stream ${streamId} is contended by other gateway processes (${attempts} attempts); retry the request`);
    this.name = 'BudgetContentionError';
  }
}

/** Another writer (process) or an in-transaction check invalidated the batch: decide it again. */
export class RedecideError extends Error {
  constructor(readonly suspendedAgentIds: readonly string[]) {
    super(`agents suspended while deciding: ${suspendedAgentIds.join(', ')}`);
  }
}

interface Pending {
  command: ReservationCommand;
  resolve(outcome: Outcome): void;
  reject(error: unknown): void;
}

const MAX_BATCH = 256;
/** How long a group may keep losing version races to other processes before its callers get a 503. */
const CONTENTION_DEADLINE_MS = 10_000;
const MAX_BACKOFF_MS = 50;
const SNAPSHOT_EVERY = 1000n;

/**
 * The single writer of one budget stream in this process. Commands queue up while an append is
 * in flight; the next drain decides all of them against the in-memory state, in order, and
 * appends their events in ONE transaction (group commit) with the expected stream version.
 * A writer in another process that got there first makes that append fail: reload the tail and
 * decide the batch again. Nothing is admitted against stale state, because the version check
 * is in the same transaction as the insert.
 */
export class BudgetStreamWriter {
  private state: BudgetState | null = null;
  private version = 0n;
  private lastSnapshotVersion = 0n;
  private readonly queue: Pending[] = [];
  private draining = false;
  private readonly streamId: string;

  constructor(
    private readonly rootAgentId: string,
    private readonly store: EventStore,
    private readonly hooks: WriterHooks,
  ) {
    this.streamId = budgetStreamId(rootAgentId);
  }

  submit(command: ReservationCommand): Promise<Outcome> {
    return new Promise<Outcome>((resolve, reject) => {
      this.queue.push({ command, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  /** The state as of the last load or append: good for sizing, never for admission. */
  async view(): Promise<BudgetState> {
    if (this.state === null) await this.catchUp();
    return this.state as BudgetState;
  }

  private async drain(): Promise<void> {
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

  private async commit(batch: Pending[]): Promise<void> {
    const suspended = new Set<string>();
    const deadline = Date.now() + CONTENTION_DEADLINE_MS;
    for (let attempt = 1; ; attempt++) {
      if (this.state === null) await this.catchUp();
      const decided = this.decide(this.state as BudgetState, batch, suspended);
      if (decided.events.length === 0) {
        batch.forEach((pending, i) => pending.resolve(decided.outcomes[i]));
        return;
      }
      const started = process.hrtime.bigint();
      try {
        await this.store.append(this.streamId, decided.events.map(toNewEvent), {
          expected: this.version === 0n ? 'no_stream' : this.version,
          inTransaction: (tx, _result, recorded) => this.hooks.inTransaction(tx, recorded, batch.map((p) => p.command)),
        });
      } catch (error) {
        if (error instanceof RedecideError) {
          error.suspendedAgentIds.forEach((id) => suspended.add(id));
          continue;
        }
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        if (Date.now() > deadline) throw new BudgetContentionError(this.streamId, attempt);
        // Two processes that collide and retry at once collide again: a random pause breaks
        // the symmetry; the queue meanwhile collects more commands for a bigger next group.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(MAX_BACKOFF_MS, 2 ** attempt)));
        await this.catchUp();
        continue;
      }
      this.hooks.onAppended(Number(process.hrtime.bigint() - started) / 1e9);
      this.state = decided.state;
      this.version += BigInt(decided.events.length);
      batch.forEach((pending, i) => pending.resolve(decided.outcomes[i]));
      this.maybeSnapshot();
      return;
    }
  }

  private decide(start: BudgetState, batch: Pending[], suspended: ReadonlySet<string>): { state: BudgetState; events: ReservationEvent[]; outcomes: Outcome[] } {
    let state = start;
    const events: ReservationEvent[] = [];
    const outcomes: Outcome[] = [];
    for (const { command } of batch) {
      const withStatuses = command.type === 'ReserveSpend' && suspended.size > 0
        ? { ...command, agentChain: command.agentChain.map((a) => (suspended.has(a.agentId) ? { ...a, status: 'suspended' as const } : a)) }
        : command;
      const decision = decideReservation(state, withStatuses);
      if (decision instanceof DomainError) {
        outcomes.push({ ok: false, error: decision });
        continue;
      }
      state = evolveBudgetAll(state, decision);
      events.push(...decision);
      outcomes.push({ ok: true, events: decision });
    }
    return { state, events, outcomes };
  }

  /** Loads from the latest snapshot (if none is cached) and applies the stream's tail. */
  private async catchUp(): Promise<void> {
    const loaded = this.state === null
      ? await loadBudgetState(this.store, this.rootAgentId)
      : await applyBudgetTail(this.store, this.rootAgentId, { state: this.state, version: this.version, snapshotVersion: this.lastSnapshotVersion });
    this.state = loaded.state;
    this.version = loaded.version;
    this.lastSnapshotVersion = loaded.snapshotVersion;
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

function toNewEvent(event: ReservationEvent): NewEvent {
  return { eventId: randomUUID(), type: event.type, schemaVersion: event.schemaVersion, data: event.data as Record<string, unknown>, metadata: { actor: 'gateway' } };
}
