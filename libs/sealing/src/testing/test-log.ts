// Test code only: the logs the sealing suites seal, verify, prove and tamper with.
import { randomUUID } from 'node:crypto';
import { waitFor } from '@caracal/test-support/wait-for.js';
import { START_OF_LOG, type RecordedEvent, type SqlClient, type SqlEventStore, type SqlExecutor } from '@caracal/event-store';
import { MERKLE_SEALER_TABLES } from '../merkle-sealer.processor.js';

/** Runs statements as a superuser would to tamper: user triggers of events (append-only guard) off. */
export async function tamper(client: SqlClient, fn: (tx: SqlExecutor) => Promise<void>): Promise<void> {
  await client.transaction(async (tx) => {
    await tx.query('ALTER TABLE events DISABLE TRIGGER USER');
    await fn(tx);
    await tx.query('ALTER TABLE events ENABLE TRIGGER USER');
  });
}

/** Empties the log, the sealer's tables, its keys and the processors' rows. */
export async function emptyLog(client: SqlClient): Promise<void> {
  await tamper(client, async (tx) => {
    await tx.query(`TRUNCATE events, streams, ${[...MERKLE_SEALER_TABLES, 'merkle_keys', 'processor_checkpoints', 'processor_leases'].join(', ')}`);
  });
}

/**
 * Appends `count` events, three per append over four streams, with a hole in global_position
 * after each append; returns them as the gap-free reader delivers them.
 */
export async function appendTestEvents(client: SqlClient, store: SqlEventStore, count: number, actor: string): Promise<RecordedEvent[]> {
  const before = (await store.readAll({ after: START_OF_LOG, maxCount: 10_000 })).length;
  const tag = randomUUID().slice(0, 8);
  for (let i = 0; i < count; i += 3) {
    await store.append(`${tag}-${i % 4}`, Array.from({ length: Math.min(3, count - i) }, (_, k) => ({
      eventId: randomUUID(), type: 'TestHappened', schemaVersion: 1,
      data: { tag, i: i + k, nested: { text: `é ${i + k}` } }, metadata: { actor },
    })), { expected: 'any' });
    await client.query("SELECT nextval('events_global_position_seq')"); // a hole after each append
  }
  let all: RecordedEvent[] = [];
  await waitFor(async () => {
    all = await store.readAll({ after: START_OF_LOG, maxCount: 10_000 });
    return all.length === before + count;
  }, 'readAll to return every event');
  return all.slice(before);
}
