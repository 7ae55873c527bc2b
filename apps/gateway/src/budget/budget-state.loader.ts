import {
  budgetFromSnapshot,
  budgetStreamId,
  evolveBudgetAll,
  initialBudgetState,
  type BudgetEvent,
  type BudgetState,
} from '@caracal/domain';
import type { EventStore, RecordedEvent } from '@caracal/event-store';

// v2: no resolved ids, spend in days of quarter-hours (v1 snapshots are caches: no longer read).
export const BUDGET_SNAPSHOT_TYPE = 'budget-v2';

export interface LoadedBudget {
  state: BudgetState;
  version: bigint;
  snapshotVersion: bigint;
}

/**
 * A budget stream's state: the latest snapshot (a cache), or `known` where that is as new, plus
 * the events after it.
 */
export async function loadBudgetState(store: EventStore, rootAgentId: string, known: LoadedBudget | null = null): Promise<LoadedBudget> {
  const streamId = budgetStreamId(rootAgentId);
  const snapshot = await store.loadSnapshot(streamId, BUDGET_SNAPSHOT_TYPE);
  const fromSnapshot: LoadedBudget = snapshot
    ? { state: budgetFromSnapshot(snapshot.state), version: snapshot.version, snapshotVersion: snapshot.version }
    : { state: initialBudgetState(rootAgentId), version: 0n, snapshotVersion: 0n };
  return applyBudgetTail(store, rootAgentId, known !== null && known.version >= fromSnapshot.version ? known : fromSnapshot);
}

/** Applies the events written after `loaded.version` (by this or another process). */
export async function applyBudgetTail(store: EventStore, rootAgentId: string, loaded: LoadedBudget): Promise<LoadedBudget> {
  const tail = await store.readStream(budgetStreamId(rootAgentId), { fromVersion: loaded.version + 1n });
  if (tail.length === 0) return loaded;
  return { ...loaded, state: evolveBudgetAll(loaded.state, tail.map(toBudgetEvent)), version: tail[tail.length - 1].streamPosition };
}

export function toBudgetEvent(event: RecordedEvent): BudgetEvent {
  return { type: event.type, schemaVersion: event.schemaVersion, data: event.data } as unknown as BudgetEvent;
}
