import type { BudgetCommand } from '@caracal/domain';
import type { EventStore, NewEvent } from '@caracal/event-store';
import { budgetCommitFailure, budgetCommitStatement, type BudgetStreamCommitted } from './budget-transaction.hook.js';
import type { OpenHolds } from './open-holds.js';
import type { RememberedAccess } from './remembered-access.js';

/** One budget stream's group commit, decided by its writer against the stream at expectedVersion. */
export interface BudgetStreamCommit {
  rootAgentId: string;
  streamId: string;
  events: readonly NewEvent[];
  /** 0n: the stream's first append. */
  expectedVersion: bigint;
  commands: readonly BudgetCommand[];
  /** The stream's open holds once this commit is in. */
  openHolds: OpenHolds;
  /** The admitted holds that rest on remembered access, for the commit to confirm. */
  accessChecks: readonly RememberedAccess[];
}

/** Streams in one transaction at most: bounds the statement and the time a failed group takes to redo. */
const MAX_STREAMS = 128;
/**
 * Transactions in flight at once. The second lets a commit start while the first is flushed to
 * disk (PostgreSQL flushes both in one go); more only splits the waiting streams into smaller groups.
 */
const MAX_IN_FLIGHT = 2;

/**
 * Group commit across budget streams. Each stream's writer already puts the commands that queued
 * on its stream into one commit; with many budgets each of those holds one request, and a
 * transaction per request is what bounds a gateway serving many agents (docs/decisions.md). Here
 * the commits of different streams that are ready while others are in flight share ONE
 * transaction (appendToStreams). A lone commit goes out at once, as it would without this.
 *
 * Every stream keeps its own optimistic version check: a stream whose version moved (another
 * process wrote to it) is reported to its writer as WrongExpectedVersionError, exactly as its
 * own append would have been, while the others commit. Anything that fails the whole
 * transaction (an agent suspended on an admitted path, an event id already stored, the database)
 * is sorted out by committing each stream on its own, so each writer gets the answer its own
 * commit gets.
 */
export class BudgetCommitGroup {
  private readonly queue: { commit: BudgetStreamCommit; resolve(): void; reject(error: unknown): void }[] = [];
  private inFlight = 0;

  constructor(private readonly store: EventStore) {}

  append(commit: BudgetStreamCommit): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ commit, resolve, reject });
      this.startNext();
    });
  }

  private startNext(): void {
    while (this.queue.length > 0 && this.inFlight < MAX_IN_FLIGHT) {
      const batch = this.queue.splice(0, MAX_STREAMS);
      this.inFlight += 1;
      void this.commit(batch).finally(() => {
        this.inFlight -= 1;
        this.startNext();
      });
    }
  }

  private async commit(batch: typeof this.queue): Promise<void> {
    // A stream's first append creates it: alone, with its no_stream check.
    const grouped = batch.filter(({ commit }) => commit.expectedVersion > 0n);
    const alone = grouped.length >= 2 ? batch.filter(({ commit }) => commit.expectedVersion === 0n) : batch;
    await Promise.all([
      ...alone.map((entry) => this.commitAlone(entry)),
      ...(grouped.length >= 2 ? [this.commitTogether(grouped)] : []),
    ]);
  }

  private async commitTogether(batch: typeof this.queue): Promise<void> {
    // Row locks in stream id order, the same in every process.
    const sorted = [...batch].sort((a, b) => (a.commit.streamId < b.commit.streamId ? -1 : 1));
    let outcomes;
    try {
      outcomes = await this.store.appendToStreams(
        sorted.map(({ commit }) => ({ streamId: commit.streamId, events: commit.events, expectedVersion: commit.expectedVersion })),
        // With the insert and the COMMIT in one round trip while every stream is where its writer saw it.
        { commitStatement: (committed) => budgetCommitStatement(sorted.filter((_, i) => committed[i]).map(({ commit }) => committedPart(commit))) },
      );
    } catch {
      await Promise.all(sorted.map((entry) => this.commitAlone(entry)));
      return;
    }
    outcomes.forEach((outcome, i) => (outcome.ok ? sorted[i].resolve() : sorted[i].reject(outcome.error)));
  }

  private async commitAlone({ commit, resolve, reject }: typeof this.queue[number]): Promise<void> {
    try {
      await this.store.append(commit.streamId, commit.events, {
        expected: commit.expectedVersion === 0n ? 'no_stream' : commit.expectedVersion,
        // With the insert and the COMMIT in one round trip: this is the request path's hold at low load.
        commitStatement: budgetCommitStatement([committedPart(commit)]),
      });
      resolve();
    } catch (error) {
      reject(budgetCommitFailure(error));
    }
  }
}

function committedPart(commit: BudgetStreamCommit): BudgetStreamCommitted {
  return { rootAgentId: commit.rootAgentId, events: commit.events, commands: commit.commands, openHolds: commit.openHolds, accessChecks: commit.accessChecks };
}
