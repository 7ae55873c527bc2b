import type { GlobalCheckpoint, RecordedEvent, SqlClient } from '@caracal/event-store';
import { isConnectionFailure } from '@caracal/event-store';
import { advanceCheckpoint, ensureCheckpoint } from './checkpoint-store.js';
import { eventTypesOf, readLogPage, type LogReader } from './log-page.js';
import { ProcessorApplyError, errorMessage } from './processing.errors.js';
import { processorKey, type Processor } from './processor.js';
import { ProcessorLease } from './processor-lease.js';
import type { ProcessorLogger } from './processor-logger.js';

export interface RebuildTogetherOptions {
  client: SqlClient;
  store: LogReader;
  /** The processors and the owner each one's runner will use (so the runner keeps the lease). */
  members: readonly { processor: Processor; owner: string }[];
  batchSize: number;
  leaseMs: number;
  logger: ProcessorLogger;
  /** Polled between batches: true ends the phase (host stopping). */
  stopping: () => boolean;
  /**
   * Called at once for each member ahead of the others (e.g. the merkle sealer, which `db reset`
   * keeps): it does not take part, so its runner can start now. It keeps the lease the phase took
   * under its runner's owner.
   */
  leftOut?: (processor: Processor) => void;
}

export interface RebuildTogetherResult {
  /** Events committed past by the shared phase (the same for every member). */
  events: number;
  /** Why the phase ended: caught up with the head, or handed over to the runners early. */
  reason: 'caught-up' | 'not-aligned' | 'lease-busy' | 'stopped' | 'failed';
}

/**
 * The shared-read catch-up of ProcessorHost's `rebuildTogether`: for the members at the earliest
 * checkpoint, when there are at least two (a `db reset`, a fresh database; a member ahead, such
 * as the sealer a reset keeps, is left out and handed to its runner at once), read each batch of
 * the log ONCE (reading the next one ahead) and hand it to every member, each committing it in
 * its own transaction exactly as its runner would (checkpoint compare-and-set, apply, lease
 * fence), the members in parallel. Any
 * failure (an apply error, a conflict, a lost lease, the database) ends the phase: that member's
 * batch rolled back, and the runners carry on from each member's committed checkpoint with their
 * usual retries, one-by-one isolation and DLQ. Ends at the head; the runners take over the tail.
 */
export async function rebuildTogether(options: RebuildTogetherOptions): Promise<RebuildTogetherResult> {
  const { client, store, logger } = options;
  let members = options.members.map(({ processor, owner }) => ({
    processor,
    key: processorKey(processor),
    lease: new ProcessorLease(client, processorKey(processor), owner, options.leaseMs),
  }));
  const report = (level: 'info' | 'warn', message: string, error?: unknown) => {
    for (const member of members) {
      logger({ level, message: `rebuild together: ${message}`, processor: member.key.name, version: member.key.version, owner: member.lease.owner, error });
    }
  };
  let events = 0;
  let held: ProcessorLease[] = [];
  let renewTimer: NodeJS.Timeout | null = null;
  try {
    for (const member of members) {
      if (!(await member.lease.tryAcquire())) return { events, reason: 'lease-busy' };
      held.push(member.lease);
    }
    renewTimer = setInterval(() => {
      for (const lease of held) lease.renew().catch(() => undefined);
    }, Math.max(1, Math.floor(options.leaseMs / 3)));
    renewTimer.unref();

    // The members at the earliest checkpoint rebuild together (after `db reset`: every reset
    // processor); one ahead of them (the sealer, which a reset keeps) goes its own way at once.
    const checkpoints = await Promise.all(members.map(async (member) => (await ensureCheckpoint(client, member.key)).checkpoint));
    let checkpoint: GlobalCheckpoint = checkpoints.reduce((earliest, c) => (compareCheckpoints(c, earliest) < 0 ? c : earliest));
    const aligned = members.filter((_, i) => compareCheckpoints(checkpoints[i], checkpoint) === 0);
    if (aligned.length < 2) return { events, reason: 'not-aligned' };
    for (const member of members.filter((m) => !aligned.includes(m))) {
      held = held.filter((lease) => lease !== member.lease);
      options.leftOut?.(member.processor);
    }
    members = aligned;
    report('info', 'reading the log once for all members');
    // Read-ahead: the next page is read while the members apply this one. Only the event types
    // some member acts on are read (each member ignores the others').
    const types = eventTypesOf(members.map((member) => member.processor));
    const read = (after: GlobalCheckpoint) => readLogPage(store, after, options.batchSize, types);
    let pending = read(checkpoint);
    for (;;) {
      const page = await pending;
      if (page.scanned === 0) return { events, reason: 'caught-up' };
      if (options.stopping()) return { events, reason: 'stopped' };
      const batch = page.events;
      const expected = checkpoint;
      const next = page.end;
      pending = read(next);
      pending.catch(() => undefined);
      // Each member commits the batch in its own transaction (its own connection), as its runner
      // would: checkpoint compare-and-set, apply, lease fence. In parallel: the members' writes
      // are independent. If any fails, the phase ends; the others may have committed, and the
      // runners go on from each one's own checkpoint.
      const results = await Promise.allSettled(
        members.map((member) =>
          client.transaction(async (tx) => {
            await advanceCheckpoint(tx, member.key, expected, next, page.scanned);
            if (batch.length > 0) await applyMember(member.processor, tx, batch);
            await member.lease.fence(tx);
          }),
        ),
      );
      const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      for (const [i, member] of members.entries()) {
        if (results[i].status === 'fulfilled') await afterCommit(member.processor, batch, report);
      }
      if (failed) throw failed.reason;
      checkpoint = next;
      events += page.scanned;
    }
  } catch (error) {
    report('warn', `handing over to the runners after ${events} events: ${errorMessage(error)}`, error);
    return { events, reason: 'failed' };
  } finally {
    if (renewTimer) clearInterval(renewTimer);
    // Stopping: the runners will not start, so give the leases up here (as their stop() would).
    if (options.stopping()) await Promise.all(held.map((lease) => lease.release().catch(() => undefined)));
  }
}

async function applyMember(processor: Processor, tx: Parameters<Processor['apply']>[0], batch: readonly RecordedEvent[]): Promise<void> {
  try {
    await processor.apply(tx, batch);
  } catch (error) {
    if (isConnectionFailure(error)) throw error;
    throw new ProcessorApplyError(processorKey(processor), batch.map((event) => event.eventId), error);
  }
}

async function afterCommit(
  processor: Processor,
  batch: readonly RecordedEvent[],
  report: (level: 'warn', message: string, error?: unknown) => void,
): Promise<void> {
  if (!processor.afterCommit || batch.length === 0) return;
  try {
    await processor.afterCommit(batch);
  } catch (error) {
    report('warn', `afterCommit of ${processor.name} failed (the batch is committed)`, error);
  }
}

/** Log order of the gap-free reader: transaction id, then position. */
function compareCheckpoints(a: GlobalCheckpoint, b: GlobalCheckpoint): number {
  if (a.transactionId !== b.transactionId) return a.transactionId < b.transactionId ? -1 : 1;
  return a.globalPosition === b.globalPosition ? 0 : a.globalPosition < b.globalPosition ? -1 : 1;
}
