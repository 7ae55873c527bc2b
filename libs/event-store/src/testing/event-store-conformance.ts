import { randomUUID } from 'node:crypto';
import { copyFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { IdempotencyConflictError, UnstorableTextError, WrongExpectedVersionError } from '../event-store.errors.js';
import type { AppendResult, EventStore, ExpectedState, GlobalCheckpoint, NewEvent, RecordedEvent } from '../event-store.port.js';
import {
  findMigrationsDirectory,
  MigrationChecksumMismatchError,
  pendingMigrations,
  runMigrations,
} from '../migrations.js';
import type { SqlBackend, SqlClient } from '../sql-client.js';

export interface ConformanceContext {
  client: SqlClient;
  store: EventStore;
}

export interface ConformanceSetup {
  backend: SqlBackend;
  /** Opens a migrated store; called once per suite (opening PGlite takes seconds). */
  open(): Promise<ConformanceContext>;
  /** Closes the store and removes its database. */
  close(): Promise<void>;
  /**
   * Another store on the same database, as another process would have: its own client where
   * the backend allows it (PostgreSQL), otherwise its own store over the same client (PGlite).
   */
  openSecondStore(): Promise<{ store: EventStore; close(): Promise<void> }>;
}

const DEADLINE_MS = 10_000;
// Opening PGlite takes seconds, more on a busy 2-core machine; the 10,000-event setup too.
const SETUP_TIMEOUT_MS = 120_000;

/**
 * The behaviour every EventStore must have, run against each backend. Tests share one database,
 * so each uses stream ids of its own and filters the global log down to them.
 */
export function describeEventStoreConformance(name: string, setup: ConformanceSetup): void {
  describe(`event store conformance: ${name}`, () => {
    let client: SqlClient;
    let store: EventStore;

    beforeAll(async () => {
      ({ client, store } = await setup.open());
      await client.query(
        'CREATE TABLE IF NOT EXISTS conformance_projection (event_id uuid PRIMARY KEY, stream_id text NOT NULL, position bigint NOT NULL)',
      );
    }, SETUP_TIMEOUT_MS);

    afterAll(async () => {
      await setup.close();
    }, SETUP_TIMEOUT_MS);

    describe('migrations', () => {
      it('are idempotent: a second run applies nothing and nothing is pending', async () => {
        const again = await runMigrations(client);
        expect(again.applied).toEqual([]);
        expect(again.current).toContain('001_event_store');
        expect(await pendingMigrations(client)).toEqual([]);
      });

      it('apply only the new files to an existing database with events, and refuse an edited file', async () => {
        const streamId = streamName('existing-db');
        await store.append(streamId, [newEvent()], { expected: 'no_stream' });
        const directory = await mkdtemp(join(tmpdir(), 'caracal-migrations-'));
        try {
          const source = findMigrationsDirectory();
          for (const file of await readdir(source)) await copyFile(join(source, file), join(directory, file));
          const table = `conformance_extra_${randomUUID().slice(0, 8)}`;
          const extra = `999_${table}`;
          await writeFile(join(directory, `${extra}.sql`), `CREATE TABLE ${table} (id int);`);

          expect(await pendingMigrations(client, { directory })).toEqual([extra]);
          expect((await runMigrations(client, { directory })).applied).toEqual([extra]);
          expect((await runMigrations(client, { directory })).applied).toEqual([]);
          expect(await store.streamVersion(streamId)).toBe(1n);

          await writeFile(join(directory, `${extra}.sql`), `CREATE TABLE ${table} (id bigint);`);
          await expect(runMigrations(client, { directory })).rejects.toBeInstanceOf(MigrationChecksumMismatchError);
        } finally {
          await rm(directory, { recursive: true, force: true });
        }
      });
    });

    describe('expected state', () => {
      it('any: appends to a new and to an existing stream', async () => {
        const streamId = streamName('any');
        expect((await store.append(streamId, [newEvent()], { expected: 'any' })).nextExpectedVersion).toBe(1n);
        expect((await store.append(streamId, [newEvent(), newEvent()], { expected: 'any' })).nextExpectedVersion).toBe(3n);
      });

      it('no_stream: appends to a new stream, refuses an existing one', async () => {
        const streamId = streamName('no-stream');
        expect((await store.append(streamId, [newEvent()], { expected: 'no_stream' })).nextExpectedVersion).toBe(1n);
        await expectWrongVersion(store.append(streamId, [newEvent()], { expected: 'no_stream' }), streamId, 'no_stream', 1n);
      });

      it('stream_exists: refuses a new stream, appends to an existing one', async () => {
        const streamId = streamName('exists');
        await expectWrongVersion(store.append(streamId, [newEvent()], { expected: 'stream_exists' }), streamId, 'stream_exists', 0n);
        expect(await store.streamVersion(streamId)).toBe(0n);
        await store.append(streamId, [newEvent()], { expected: 'any' });
        expect((await store.append(streamId, [newEvent()], { expected: 'stream_exists' })).nextExpectedVersion).toBe(2n);
      });

      it('exact n: appends at the version, refuses any other', async () => {
        const streamId = streamName('exact');
        await expectWrongVersion(store.append(streamId, [newEvent()], { expected: 3n }), streamId, '3', 0n);
        expect((await store.append(streamId, [newEvent(), newEvent()], { expected: 0n })).nextExpectedVersion).toBe(2n);
        expect((await store.append(streamId, [newEvent()], { expected: 2n })).nextExpectedVersion).toBe(3n);
        await expectWrongVersion(store.append(streamId, [newEvent()], { expected: 2n }), streamId, '2', 3n);
        await expectWrongVersion(store.append(streamId, [newEvent()], { expected: 4n }), streamId, '4', 3n);
        expect(await store.streamVersion(streamId)).toBe(3n);
      });
    });

    describe('append', () => {
      it('returns positions and records every field', async () => {
        const streamId = streamName('fields');
        const events = [
          newEvent('Opened', { amount: '100.000000000', nested: { list: [1, 'two', null, true] }, text: 'žluť 🐆' }),
          newEvent('Closed', {}),
        ];
        const result = await store.append(streamId, events, { expected: 'no_stream' });
        expect(result.nextExpectedVersion).toBe(2n);
        expect(result.lastGlobalPosition).toBeGreaterThan(result.firstGlobalPosition);
        const read = await store.readStream(streamId);
        expect(read.map(withoutStorageFields)).toEqual(events);
        expect(read.map((event) => event.streamPosition)).toEqual([1n, 2n]);
        expect(read.map((event) => event.globalPosition)).toEqual([result.firstGlobalPosition, result.lastGlobalPosition]);
        expect(read.every((event) => event.transactionId === result.transactionId && event.streamId === streamId)).toBe(true);
        expect(read[0].recordedAt).toBeInstanceOf(Date);
      });

      it('records text that needs escaping in every field, under every expected state', async () => {
        const tricky = ['"quoted"', 'back\\slash', '{braces, commas}', 'NULL', '', ' padded ', "it's", 'line\nbreak', 'žluť 🐆', 'record\u001eseparator', 'tab\tand\u0001'];
        const streamId = streamName('escaping');
        const events = tricky.map((text, index) => ({
          ...newEvent(`Type ${text}`, { text, list: [text, { [text]: text }] }),
          metadata: { actor: text, [`key ${text}`]: [text] },
          schemaVersion: index + 1,
        }));
        const expectations: ExpectedState[] = ['no_stream', 3n, 'stream_exists', 'any'];
        await store.append(streamId, events.slice(0, 3), { expected: expectations[0] });
        await store.append(streamId, events.slice(3, 5), { expected: expectations[1] });
        await store.append(streamId, events.slice(5, 7), { expected: expectations[2] });
        await store.append(streamId, events.slice(7), { expected: expectations[3] });
        expect((await store.readStream(streamId)).map(withoutStorageFields)).toEqual(events);
      });

      it('an event id already stored, with the expected state holding, is an IdempotencyConflictError (also in a hook transaction)', async () => {
        const streamId = streamName('stored-id');
        const taken = newEvent();
        await store.append(streamName('stored-id-other'), [taken], { expected: 'no_stream' });
        await store.append(streamId, [newEvent()], { expected: 'no_stream' });
        for (const expected of [1n, 'any', 'stream_exists'] as ExpectedState[]) {
          await expect(store.append(streamId, [newEvent(), taken], { expected })).rejects.toBeInstanceOf(IdempotencyConflictError);
          await expect(
            store.append(streamId, [taken], { expected, inTransaction: async () => undefined }),
          ).rejects.toBeInstanceOf(IdempotencyConflictError);
        }
        const newStream = streamName('stored-id-new');
        for (const inTransaction of [undefined, async () => undefined]) {
          await expect(store.append(newStream, [taken], { expected: 'no_stream', inTransaction })).rejects.toBeInstanceOf(
            IdempotencyConflictError,
          );
        }
        expect(await store.streamVersion(streamId)).toBe(1n);
        expect(await store.streamVersion(newStream)).toBe(0n);
      });

      it('is atomic: an append that fails on its last event leaves nothing, not even the stream', async () => {
        const taken = newEvent();
        await store.append(streamName('atomic-other'), [taken], { expected: 'no_stream' });
        const streamId = streamName('atomic');
        await expect(store.append(streamId, [newEvent(), newEvent(), taken], { expected: 'no_stream' })).rejects.toBeInstanceOf(
          IdempotencyConflictError,
        );
        const invalid = { ...newEvent(), eventId: 'not-a-uuid' };
        await expect(store.append(streamId, [newEvent(), invalid], { expected: 'any' })).rejects.toThrow();
        expect(await store.readStream(streamId)).toEqual([]);
        expect(await store.streamVersion(streamId)).toBe(0n);
      });

      it('refuses text PostgreSQL cannot store (NUL, lone surrogates) with UnstorableTextError naming the field, writing nothing', async () => {
        const streamId = streamName('unstorable');
        await store.append(streamId, [newEvent()], { expected: 'no_stream' });
        const cases: [Partial<NewEvent>, string][] = [
          [{ data: { owner: 'a\u0000b' } }, 'owner'],
          [{ data: { metadata: { ['k\u0000']: 'v' } } }, 'metadata.k\u0000'],
          [{ data: { list: ['ok', '\ud800'] } }, 'list[1]'],
          [{ data: { nested: { low: 'x\udc00' } } }, 'nested.low'],
          [{ metadata: { actor: 'admin:\u0000' } }, 'eventMetadata.actor'],
        ];
        for (const [override, field] of cases) {
          for (const expected of [1n, 'any', 'stream_exists'] as ExpectedState[]) {
            const refused = store.append(streamId, [newEvent(), { ...newEvent(), ...override }], { expected, inTransaction: async () => undefined });
            await expect(refused).rejects.toBeInstanceOf(UnstorableTextError);
            await expect(refused).rejects.toMatchObject({ field });
          }
          const locked = store.appendLocked(streamId, { knownVersion: 1n, decide: () => [{ ...newEvent(), ...override }] });
          await expect(locked).rejects.toMatchObject({ field });
        }
        expect(await store.streamVersion(streamId)).toBe(1n);
        // A surrogate pair is a real character (U+1F406), and a backslash before "u0000" is text.
        await store.append(streamId, [newEvent('Stored', { text: '\ud83d\udc06 \\u0000' })], { expected: 1n });
        expect((await store.readStream(streamId))[1].data).toEqual({ text: '🐆 \\u0000' });
      });

      it('refuses an empty append and an append with the same event id twice', async () => {
        const streamId = streamName('invalid');
        const event = newEvent();
        await expect(store.append(streamId, [], { expected: 'any' })).rejects.toBeInstanceOf(RangeError);
        await expect(store.append(streamId, [event, event], { expected: 'any' })).rejects.toBeInstanceOf(RangeError);
      });

      it('8 concurrent appenders with exact versions and retry: one winner per version, no duplicates', async () => {
        const streamId = streamName('contended');
        const writers = 8;
        const appendsPerWriter = 10;
        const winners = new Map<bigint, number>();
        let conflicts = 0;
        await Promise.all(
          Array.from({ length: writers }, async (_, writer) => {
            for (let done = 0; done < appendsPerWriter; ) {
              const version = await store.streamVersion(streamId);
              try {
                const result = await store.append(streamId, [newEvent('Appended', { writer })], { expected: version });
                expect(winners.has(result.nextExpectedVersion)).toBe(false);
                winners.set(result.nextExpectedVersion, writer);
                done += 1;
              } catch (error) {
                if (!(error instanceof WrongExpectedVersionError)) throw error;
                conflicts += 1;
              }
            }
          }),
        );
        const total = writers * appendsPerWriter;
        expect(await store.streamVersion(streamId)).toBe(BigInt(total));
        expect([...winners.keys()].sort(compareBigint)).toEqual(range(1, total));
        const read = await store.readStream(streamId);
        expect(read.map((event) => event.streamPosition)).toEqual(range(1, total));
        expect(new Set(read.map((event) => event.eventId)).size).toBe(total);
        for (let writer = 0; writer < writers; writer += 1) {
          expect(read.filter((event) => event.data.writer === writer)).toHaveLength(appendsPerWriter);
        }
        if (setup.backend === 'postgres') expect(conflicts).toBeGreaterThan(0); // they really raced
      });
    });

    describe('locked append', () => {
      it('returns null for a stream that does not exist, and writes nothing', async () => {
        const streamId = streamName('locked-missing');
        expect(await store.appendLocked(streamId, { knownVersion: 0n, decide: () => [newEvent()] })).toBeNull();
        expect(await store.streamVersion(streamId)).toBe(0n);
      });

      it('hands decide what others appended since the known version, and appends after it', async () => {
        const streamId = streamName('locked-tail');
        await store.append(streamId, [newEvent('First')], { expected: 'no_stream' });
        await store.append(streamId, [newEvent('ByAnother'), newEvent('ByAnother')], { expected: 1n });
        const seen: string[] = [];
        const result = await store.appendLocked(streamId, {
          knownVersion: 1n,
          decide: (tail) => {
            seen.push(...tail.map((event) => `${event.streamPosition}:${event.type}`));
            return [newEvent('Decided')];
          },
        });
        expect(seen).toEqual(['2:ByAnother', '3:ByAnother']);
        expect(result?.tail.map((event) => event.streamPosition)).toEqual([2n, 3n]);
        expect(result?.appended?.nextExpectedVersion).toBe(4n);
        expect((await store.readStream(streamId)).map((event) => event.type)).toEqual(['First', 'ByAnother', 'ByAnother', 'Decided']);
      });

      it('writes nothing when decide returns no events, and rolls back when the hook throws', async () => {
        const streamId = streamName('locked-nothing');
        await store.append(streamId, [newEvent()], { expected: 'no_stream' });
        expect((await store.appendLocked(streamId, { knownVersion: 1n, decide: () => [] }))?.appended).toBeNull();
        await expect(store.appendLocked(streamId, {
          knownVersion: 1n,
          decide: () => [newEvent()],
          inTransaction: async () => {
            throw new Error('hook refused');
          },
        })).rejects.toThrow('hook refused');
        expect(await store.streamVersion(streamId)).toBe(1n);
      });

      it('commits the commit statement with the events after the tail, and nothing when it fails', async () => {
        const streamId = streamName('locked-statement');
        await client.query('CREATE TABLE IF NOT EXISTS locked_after (stream_id text, n int)');
        // $3 = 0 makes the statement fail (division by zero) after the insert has run.
        const after = (n: number, divisor = 1) => ({ sql: 'INSERT INTO locked_after VALUES ($1, $2::int / $3::int)', params: [streamId, n, divisor], preparedName: 'locked_after_insert' });
        const afterRows = async () => (await client.query<{ n: number }>('SELECT n FROM locked_after WHERE stream_id = $1 ORDER BY n', [streamId])).rows.map((row) => row.n);
        await store.append(streamId, [newEvent('First')], { expected: 'no_stream' });
        await store.append(streamId, [newEvent('ByAnother')], { expected: 1n });
        let given: string[] = [];
        const result = await store.appendLocked(streamId, {
          knownVersion: 1n,
          decide: () => [newEvent('Decided'), newEvent('Decided')],
          commitStatement: (events) => {
            given = events.map((event) => event.type);
            return after(3);
          },
        });
        expect(given).toEqual(['Decided', 'Decided']);
        expect(result?.tail.map((event) => event.streamPosition)).toEqual([2n]);
        expect(result?.appended?.nextExpectedVersion).toBe(4n);
        expect(await afterRows()).toEqual([3]);

        await expect(store.appendLocked(streamId, { knownVersion: 4n, decide: () => [newEvent()], commitStatement: () => after(5, 0) }))
          .rejects.toMatchObject({ code: '22012' });
        expect(await store.streamVersion(streamId)).toBe(4n);
        expect(await afterRows()).toEqual([3]);
        // Nothing decided, nothing run.
        expect((await store.appendLocked(streamId, { knownVersion: 4n, decide: () => [], commitStatement: () => after(6) }))?.appended).toBeNull();
        expect(await afterRows()).toEqual([3]);
      });

      it.each([false, true])('8 concurrent writers with stale versions queue on the lock: every decision appends, none races (flushAfterUnlock %s)', async (flushAfterUnlock) => {
        const streamId = streamName('locked-contended');
        await store.append(streamId, [newEvent('Start')], { expected: 'no_stream' });
        const second = await setup.openSecondStore();
        try {
          const stores = [store, second.store];
          const writers = 8;
          const appendsPerWriter = 5;
          await Promise.all(Array.from({ length: writers }, async (_, writer) => {
            let known = 1n;
            for (let done = 0; done < appendsPerWriter; done += 1) {
              const result = await stores[writer % 2].appendLocked(streamId, {
                knownVersion: known,
                flushAfterUnlock,
                decide: (tail) => {
                  // Each decision sees the stream exactly as it is: the known version plus the tail.
                  expect(tail.map((event) => event.streamPosition)).toEqual(range(Number(known) + 1, Number(known) + tail.length));
                  return [newEvent('Appended', { writer })];
                },
              });
              known = result?.appended?.nextExpectedVersion ?? -1n;
            }
          }));
          const read = await store.readStream(streamId);
          expect(read.map((event) => event.streamPosition)).toEqual(range(1, 1 + writers * appendsPerWriter));
          for (let writer = 0; writer < writers; writer += 1) {
            expect(read.filter((event) => event.data.writer === writer)).toHaveLength(appendsPerWriter);
          }
        } finally {
          await second.close();
        }
      });
    });

    describe('multi-stream append', () => {
      async function existingStream(purpose: string, events = 1): Promise<string> {
        const streamId = streamName(purpose);
        await store.append(streamId, Array.from({ length: events }, () => newEvent('First')), { expected: 'no_stream' });
        return streamId;
      }

      it('appends to several streams in one transaction, in the order given, and hands the hook each stream\'s events', async () => {
        const a = await existingStream('multi-a');
        const b = await existingStream('multi-b', 3);
        const seen: (readonly RecordedEvent[] | null)[] = [];
        const outcomes = await store.appendToStreams(
          [
            { streamId: a, events: [newEvent('A1'), newEvent('A2')], expectedVersion: 1n },
            { streamId: b, events: [newEvent('B1')], expectedVersion: 3n },
          ],
          { inTransaction: async (_tx, appended) => void seen.push(...appended) },
        );
        expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, true]);
        const [first, second] = outcomes.map((outcome) => (outcome.ok ? outcome : null));
        expect(first?.result.nextExpectedVersion).toBe(3n);
        expect(second?.result.nextExpectedVersion).toBe(4n);
        expect(first?.events.map((event) => [event.type, event.streamPosition])).toEqual([['A1', 2n], ['A2', 3n]]);
        expect(second?.events.map((event) => [event.type, event.streamPosition])).toEqual([['B1', 4n]]);
        // One transaction, global positions in the order given.
        expect(second?.result.transactionId).toBe(first?.result.transactionId);
        expect(second?.result.firstGlobalPosition).toBeGreaterThan(first?.result.lastGlobalPosition ?? 0n);
        expect(seen.map((events) => events?.map((event) => event.type))).toEqual([['A1', 'A2'], ['B1']]);
        expect((await store.readStream(a)).map((event) => event.type)).toEqual(['First', 'A1', 'A2']);
        expect((await store.readStream(b)).map((event) => event.type)).toEqual(['First', 'First', 'First', 'B1']);
      });

      it('records text that needs escaping, data and metadata, in every stream', async () => {
        const a = await existingStream('multi-text-a');
        const b = await existingStream('multi-text-b');
        const text = '"q" back\\slash \u001e\u001f tab\t žluť 🐆';
        const tricky = (type: string) => ({ ...newEvent(type, { text, [text]: [text] }), metadata: { actor: text } });
        const events = { [a]: [tricky('A1'), tricky('A2')], [b]: [tricky('B1')] };
        await store.appendToStreams([
          { streamId: a, events: events[a], expectedVersion: 1n },
          { streamId: b, events: events[b], expectedVersion: 1n },
        ]);
        expect((await store.readStream(a)).slice(1).map(withoutStorageFields)).toEqual(events[a]);
        expect((await store.readStream(b)).slice(1).map(withoutStorageFields)).toEqual(events[b]);
      });

      it('leaves out a stream whose version moved, reporting it, and commits the others', async () => {
        const moved = await existingStream('multi-moved');
        const kept = await existingStream('multi-kept');
        await store.append(moved, [newEvent('ByAnother')], { expected: 1n });
        const seen: (readonly RecordedEvent[] | null)[] = [];
        const outcomes = await store.appendToStreams(
          [
            { streamId: moved, events: [newEvent('Stale')], expectedVersion: 1n },
            { streamId: kept, events: [newEvent('Kept')], expectedVersion: 1n },
          ],
          { inTransaction: async (_tx, appended) => void seen.push(...appended) },
        );
        expect(outcomes[0].ok).toBe(false);
        expect(outcomes[0].ok ? null : outcomes[0].error).toBeInstanceOf(WrongExpectedVersionError);
        expect(outcomes[0].ok ? null : outcomes[0].error.actual).toBe(2n);
        expect(outcomes[1].ok).toBe(true);
        expect(seen[0]).toBeNull();
        expect(seen[1]?.map((event) => event.type)).toEqual(['Kept']);
        expect((await store.readStream(moved)).map((event) => event.type)).toEqual(['First', 'ByAnother']);
        expect((await store.readStream(kept)).map((event) => event.type)).toEqual(['First', 'Kept']);
      });

      it('rolls every stream back when the hook throws or an event id is already stored', async () => {
        const a = await existingStream('multi-rollback-a');
        const b = await existingStream('multi-rollback-b');
        await expect(store.appendToStreams(
          [
            { streamId: a, events: [newEvent()], expectedVersion: 1n },
            { streamId: b, events: [newEvent()], expectedVersion: 1n },
          ],
          { inTransaction: async () => { throw new Error('hook refused'); } },
        )).rejects.toThrow('hook refused');
        const stored = (await store.readStream(a))[0];
        await expect(store.appendToStreams([
          { streamId: a, events: [newEvent()], expectedVersion: 1n },
          { streamId: b, events: [{ ...newEvent(), eventId: stored.eventId }], expectedVersion: 1n },
        ])).rejects.toThrow();
        expect(await store.streamVersion(a)).toBe(1n);
        expect(await store.streamVersion(b)).toBe(1n);
      });

      it('runs the commit statement last in the transaction, for the streams that commit, in one trip or after a moved stream', async () => {
        const a = await existingStream('multi-commit-a');
        const b = await existingStream('multi-commit-b');
        // The statement's own write (a stream row at version 7) shows that it ran and committed.
        const markers = [streamName('multi-commit-marker'), streamName('multi-commit-marker'), streamName('multi-commit-marker')];
        const calls: boolean[][] = [];
        const markCall = (committed: readonly boolean[]) => {
          calls.push([...committed]);
          return { sql: 'INSERT INTO streams (stream_id, version) VALUES ($1, 7)', params: [markers[calls.length - 1]] };
        };
        const together = await store.appendToStreams(
          [{ streamId: a, events: [newEvent('A1')], expectedVersion: 1n }, { streamId: b, events: [newEvent('B1')], expectedVersion: 1n }],
          { commitStatement: markCall },
        );
        expect(together.map((outcome) => outcome.ok)).toEqual([true, true]);
        expect(calls).toEqual([[true, true]]);
        expect(await store.streamVersion(markers[0])).toBe(7n);

        // b moved: the one-trip attempt commits nothing; the streams go again, and only a's commits.
        await store.append(b, [newEvent('ByAnother')], { expected: 2n });
        calls.length = 0;
        markers.shift();
        const moved = await store.appendToStreams(
          [{ streamId: a, events: [newEvent('A2')], expectedVersion: 2n }, { streamId: b, events: [newEvent('Stale')], expectedVersion: 2n }],
          { commitStatement: markCall },
        );
        expect(moved.map((outcome) => outcome.ok)).toEqual([true, false]);
        // Made for both streams for the one trip (which committed nothing), then for a alone.
        expect(calls).toEqual([[true, true], [true, false]]);
        expect(await store.streamVersion(markers[0])).toBe(0n);
        expect(await store.streamVersion(markers[1])).toBe(7n);
        expect((await store.readStream(a)).map((event) => event.type)).toEqual(['First', 'A1', 'A2']);
        expect((await store.readStream(b)).map((event) => event.type)).toEqual(['First', 'B1', 'ByAnother']);

        // A statement that fails rolls every stream back.
        await expect(store.appendToStreams(
          [{ streamId: a, events: [newEvent()], expectedVersion: 3n }, { streamId: b, events: [newEvent()], expectedVersion: 3n }],
          { commitStatement: () => ({ sql: 'SELECT 1 / (SELECT count(*) FROM streams WHERE stream_id = $1)', params: [streamName('nowhere')] }) },
        )).rejects.toThrow();
        expect(await store.streamVersion(a)).toBe(3n);
        expect(await store.streamVersion(b)).toBe(3n);
      });

      it('refuses no streams, the same stream twice, a stream that does not exist yet and one with no events', async () => {
        const a = await existingStream('multi-invalid');
        await expect(store.appendToStreams([])).rejects.toBeInstanceOf(RangeError);
        await expect(store.appendToStreams([
          { streamId: a, events: [newEvent()], expectedVersion: 1n },
          { streamId: a, events: [newEvent()], expectedVersion: 1n },
        ])).rejects.toBeInstanceOf(RangeError);
        await expect(store.appendToStreams([{ streamId: streamName('multi-new'), events: [newEvent()], expectedVersion: 0n }])).rejects.toBeInstanceOf(RangeError);
        await expect(store.appendToStreams([{ streamId: a, events: [], expectedVersion: 1n }])).rejects.toBeInstanceOf(RangeError);
        expect(await store.streamVersion(a)).toBe(1n);
      });

      it('two writers over the same streams in opposite orders: every version won once, nothing lost', async () => {
        const streams = [await existingStream('multi-race-a'), await existingStream('multi-race-b'), await existingStream('multi-race-c')];
        const second = await setup.openSecondStore();
        try {
          const rounds = 15;
          await Promise.all([store, second.store].map(async (writer, w) => {
            const order = w === 0 ? streams : [...streams].reverse();
            for (let done = 0; done < rounds; ) {
              const versions = await Promise.all(order.map((streamId) => writer.streamVersion(streamId)));
              const outcomes = await writer.appendToStreams(order.map((streamId, i) => ({
                streamId, events: [newEvent('Raced', { writer: w })], expectedVersion: versions[i],
              })));
              for (const outcome of outcomes) if (!outcome.ok) expect(outcome.error).toBeInstanceOf(WrongExpectedVersionError);
              if (outcomes.every((outcome) => outcome.ok)) done += 1;
            }
          }));
          for (const streamId of streams) {
            const read = await store.readStream(streamId);
            expect(read.map((event) => event.streamPosition)).toEqual(range(1, read.length));
            expect(read.filter((event) => event.type === 'Raced').length).toBeGreaterThanOrEqual(2 * rounds);
          }
        } finally {
          await second.close();
        }
      });
    });

    describe('idempotency', () => {
      it('a retry with the same event ids at the same positions returns the earlier result and writes nothing', async () => {
        const streamId = streamName('retry');
        const events = [newEvent(), newEvent()];
        const first = await store.append(streamId, events, { expected: 'no_stream' });
        await store.append(streamId, [newEvent()], { expected: 2n });
        expect(await store.append(streamId, events, { expected: 'no_stream' })).toEqual(first);
        expect(await store.append(streamId, events, { expected: 0n })).toEqual(first);
        expect(await store.append(streamId, events, { expected: 'any' })).toEqual(first);
        expect(await store.streamVersion(streamId)).toBe(3n);
      });

      it('a partial match, other positions or another stream is an IdempotencyConflictError', async () => {
        const streamId = streamName('partial');
        const [a, b] = [newEvent(), newEvent()];
        await store.append(streamId, [a, b], { expected: 'no_stream' });
        await expect(store.append(streamId, [b, newEvent()], { expected: 'any' })).rejects.toBeInstanceOf(IdempotencyConflictError);
        await expect(store.append(streamId, [b, a], { expected: 'any' })).rejects.toBeInstanceOf(IdempotencyConflictError);
        await expect(store.append(streamId, [a, b], { expected: 1n })).rejects.toBeInstanceOf(IdempotencyConflictError);
        const conflict = await store.append(streamName('partial-other'), [a, b], { expected: 'any' }).catch((error: unknown) => error);
        expect(conflict).toBeInstanceOf(IdempotencyConflictError);
        expect(conflict).toMatchObject({ eventIds: [a.eventId, b.eventId] });
        expect(await store.streamVersion(streamId)).toBe(2n);
      });

      for (const expected of ['no_stream', 1n, 'any', 'stream_exists'] as ExpectedState[]) {
        (setup.backend === 'pglite' ? it.skip : it)(
          setup.backend === 'pglite'
            ? `a retry sent while the first attempt is still open waits for it (${expected}; not possible on PGlite: one connection)`
            : `a retry sent while the first attempt is still open waits for it, then returns its result (${expected})`,
          async () => {
            const streamId = streamName('retry-in-flight');
            // Every expected state but no_stream appends to a stream of one event.
            if (expected !== 'no_stream') await store.append(streamId, [newEvent()], { expected: 'no_stream' });
            const before = await store.streamVersion(streamId);
            const events = [newEvent(), newEvent()];
            const inserted = deferred<void>('the first attempt to insert');
            const hold = deferred<void>('the test to release the first attempt');
            const firstAttempt = store.append(streamId, events, {
              expected,
              inTransaction: async () => {
                inserted.resolve();
                await hold.promise;
              },
            });
            let retry: Promise<AppendResult>;
            try {
              await inserted.promise;
              retry = store.append(streamId, events, { expected });
              await waitUntil('the retry to wait for the stream lock', async () => {
                const { rows } = await client.query<{ waiting: string }>(
                  "SELECT count(*) AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
                );
                return rows[0].waiting === '1';
              });
            } finally {
              hold.resolve();
            }
            const [first, retried] = await Promise.all([firstAttempt, retry]);
            expect(retried).toEqual(first);
            expect(await store.streamVersion(streamId)).toBe(before + 2n);
          },
        );
      }
    });

    describe('append-only', () => {
      it('the database refuses UPDATE, DELETE and TRUNCATE on events', async () => {
        const streamId = streamName('immutable');
        await store.append(streamId, [newEvent('Kept', { value: 1 })], { expected: 'no_stream' });
        await expect(client.query(`UPDATE events SET data_text = '{}' WHERE stream_id = $1`, [streamId])).rejects.toThrow(/append-only/);
        await expect(client.query('DELETE FROM events WHERE stream_id = $1', [streamId])).rejects.toThrow(/append-only/);
        await expect(client.query('TRUNCATE events')).rejects.toThrow(/append-only/);
        expect((await store.readStream(streamId))[0].data).toEqual({ value: 1 });
      });
    });

    describe('reading a stream', () => {
      const streamId = streamName('large');
      const written: NewEvent[] = [];

      beforeAll(async () => {
        for (let batch = 0; batch < 10; batch += 1) {
          const events = Array.from({ length: 1_000 }, (_, index) =>
            newEvent('Counted', { n: batch * 1_000 + index + 1, tags: ['a', 'b'], note: `event ${index}` }),
          );
          await store.append(streamId, events, { expected: BigInt(batch * 1_000) });
          written.push(...events);
        }
      }, SETUP_TIMEOUT_MS);

      it('reads a 10,000-event stream back identical, forward and backward', async () => {
        const forward = await store.readStream(streamId);
        expect(forward).toHaveLength(10_000);
        expect(forward.map(withoutStorageFields)).toEqual(written);
        expect(forward.map((event) => event.streamPosition)).toEqual(range(1, 10_000));
        const backward = await store.readStream(streamId, { direction: 'backward' });
        expect(backward.map((event) => event.eventId)).toEqual(forward.map((event) => event.eventId).reverse());
      });

      it('reads from a version with a maximum count, in both directions', async () => {
        const forward = await store.readStream(streamId, { fromVersion: 2_500n, maxCount: 100 });
        expect(forward.map((event) => event.streamPosition)).toEqual(range(2_500, 2_599));
        expect(forward.map(withoutStorageFields)).toEqual(written.slice(2_499, 2_599));
        const backward = await store.readStream(streamId, { direction: 'backward', fromVersion: 7_000n, maxCount: 50 });
        expect(backward.map((event) => event.streamPosition)).toEqual(range(6_951, 7_000).reverse());
        expect(await store.readStream(streamId, { fromVersion: 10_001n })).toEqual([]);
        expect(await store.readStream(streamName('absent'))).toEqual([]);
      });
    });

    describe('reading the global log', () => {
      it('pages by checkpoint through every event in append order; head and lag follow', async () => {
        const before = await store.headCheckpoint();
        const streams = [streamName('all-a'), streamName('all-b'), streamName('all-c')];
        const appended: string[] = [];
        for (let index = 0; index < 25; index += 1) {
          const event = newEvent('Paged', { index });
          await store.append(streams[index % 3], [event], { expected: 'any' });
          appended.push(event.eventId);
        }
        // Visible once no older transaction anywhere in the cluster is open (the store's own
        // commit notify is one, briefly): wait for it, with a deadline.
        await waitUntil('all 25 events visible', async () => (await store.countEventsAfter(before)) === 25n);

        const pages: RecordedEvent[][] = [];
        let checkpoint: GlobalCheckpoint = before;
        for (;;) {
          const page = await store.readAll({ after: checkpoint, maxCount: 7 });
          if (page.length === 0) break;
          pages.push(page);
          checkpoint = checkpointOf(page[page.length - 1]);
        }
        expect(pages.map((page) => page.length)).toEqual([7, 7, 7, 4]);
        const read = pages.flat();
        expect(read.map((event) => event.eventId)).toEqual(appended);
        expect(read.map((event) => event.globalPosition)).toEqual([...read.map((event) => event.globalPosition)].sort(compareBigint));
        expect(await store.headCheckpoint()).toEqual(checkpoint);
        expect(await store.countEventsAfter(checkpoint)).toBe(0n);
      });

      it('pages by type: the same pages as readAll, only the wanted events with their payload, and where each page ended', async () => {
        const before = await store.headCheckpoint();
        const appended: { eventId: string; type: string }[] = [];
        for (let index = 0; index < 20; index += 1) {
          const event = newEvent(index % 4 === 0 ? 'Wanted' : index % 4 === 1 ? 'AlsoWanted' : 'Skipped', { index });
          await store.append(streamName('typed'), [event], { expected: 'any' });
          appended.push({ eventId: event.eventId, type: event.type });
        }
        await waitUntil('all 20 events visible', async () => (await store.countEventsAfter(before)) === 20n);

        const unfiltered: RecordedEvent[][] = [];
        for (let checkpoint = before; ;) {
          const page = await store.readAll({ after: checkpoint, maxCount: 6 });
          if (page.length === 0) break;
          unfiltered.push(page);
          checkpoint = checkpointOf(page[page.length - 1]);
        }
        const pages = [];
        for (let checkpoint = before; ;) {
          const page = await store.readAllOfTypes({ after: checkpoint, maxCount: 6, types: ['Wanted', 'AlsoWanted'] });
          pages.push(page);
          if (page.scanned === 0) {
            expect(page).toEqual({ events: [], scanned: 0, end: checkpoint });
            break;
          }
          checkpoint = page.end;
        }
        expect(pages.map((page) => page.scanned)).toEqual([6, 6, 6, 2, 0]);
        // Each page ends where readAll's page of the same size ends, wanted event or not.
        expect(pages.slice(0, 4).map((page) => page.end)).toEqual(unfiltered.map((page) => checkpointOf(page[page.length - 1])));
        // The wanted events come whole, equal to what readAll returns for them.
        const wanted = unfiltered.flat().filter((event) => event.type !== 'Skipped');
        expect(pages.flatMap((page) => page.events)).toEqual(wanted);
        expect(wanted.map((event) => event.eventId)).toEqual(appended.filter((e) => e.type !== 'Skipped').map((e) => e.eventId));
        expect(wanted[0].data).toEqual({ index: 0 });
      });

      (setup.backend === 'pglite' ? it.skip : it)(
        setup.backend === 'pglite'
          ? 'holds back a later commit while an earlier transaction is open (not possible on PGlite: one connection, transactions run one at a time)'
          : 'holds back a later commit while an earlier transaction is open, then returns both in commit-safe order',
        async () => {
          const before = await store.headCheckpoint();
          const [early, late] = [newEvent('Early'), newEvent('Late')];
          const inserted = deferred<void>('the early append to insert');
          const hold = deferred<void>('the test to release the early transaction');
          const earlyAppend = store.append(streamName('gap-early'), [early], {
            expected: 'no_stream',
            inTransaction: async () => {
              inserted.resolve();
              await hold.promise;
            },
          });
          const mine = (events: RecordedEvent[]) =>
            events.filter((event) => [early.eventId, late.eventId].includes(event.eventId)).map((event) => event.eventId);
          let lateResult: AppendResult;
          let readWhileOpen: string[];
          try {
            await inserted.promise;
            lateResult = await store.append(streamName('gap-late'), [late], { expected: 'no_stream' });
            readWhileOpen = mine(await store.readAll({ after: before }));
          } finally {
            hold.resolve();
          }
          const earlyResult = await earlyAppend;

          // The late event committed first but has the higher position: a reader that returned
          // it now would move its checkpoint past the early event and never see that one.
          expect(earlyResult.firstGlobalPosition).toBeLessThan(lateResult.firstGlobalPosition);
          expect(readWhileOpen).toEqual([]);
          await waitUntil('both events visible', async () => mine(await store.readAll({ after: before })).length === 2);
          expect(mine(await store.readAll({ after: before }))).toEqual([early.eventId, late.eventId]);
        },
      );
    });

    describe('inline projection hook', () => {
      it('commits its writes with the events', async () => {
        const streamId = streamName('hook');
        const events = [newEvent(), newEvent()];
        let seen: RecordedEvent[] = [];
        const result = await store.append(streamId, events, {
          expected: 'no_stream',
          inTransaction: async (tx, appendResult, recorded) => {
            expect(appendResult.nextExpectedVersion).toBe(2n);
            seen = [...recorded];
            for (const event of recorded) {
              await tx.query('INSERT INTO conformance_projection (event_id, stream_id, position) VALUES ($1, $2, $3)', [
                event.eventId,
                event.streamId,
                event.globalPosition.toString(),
              ]);
            }
          },
        });
        expect(seen.map((event) => event.globalPosition)).toEqual([result.firstGlobalPosition, result.lastGlobalPosition]);
        expect(await projectedIds(streamId)).toEqual(events.map((event) => event.eventId).sort());
      });

      it('rolls the append back when it throws', async () => {
        const streamId = streamName('hook-fails');
        const failure = new Error('projection failed');
        await expect(
          store.append(streamId, [newEvent()], {
            expected: 'no_stream',
            inTransaction: async (tx, _result, recorded) => {
              await tx.query('INSERT INTO conformance_projection (event_id, stream_id, position) VALUES ($1, $2, 0)', [
                recorded[0].eventId,
                streamId,
              ]);
              throw failure;
            },
          }),
        ).rejects.toBe(failure);
        expect(await store.streamVersion(streamId)).toBe(0n);
        expect(await store.readStream(streamId)).toEqual([]);
        expect(await projectedIds(streamId)).toEqual([]);
      });

      it('does not run again for an idempotent retry', async () => {
        const streamId = streamName('hook-retry');
        const events = [newEvent()];
        let calls = 0;
        const options = { expected: 'no_stream' as ExpectedState, inTransaction: async () => void (calls += 1) };
        await store.append(streamId, events, options);
        await store.append(streamId, events, options);
        expect(calls).toBe(1);
      });
    });

    describe('subscribeAll', () => {
      it('catches up, then delivers live events woken by the commit notification', async () => {
        const streamId = streamName('subscribe');
        const from = await store.headCheckpoint();
        const catchUp = [newEvent(), newEvent(), newEvent()];
        await store.append(streamId, catchUp, { expected: 'no_stream' });

        const received: RecordedEvent[] = [];
        const caughtUp = deferred<void>('the three catch-up events');
        const live = deferred<void>('the two live events');
        const subscription = store.subscribeAll(
          async (batch) => {
            received.push(...batch.filter((event) => event.streamId === streamId));
            if (received.length >= 3) caughtUp.resolve();
            if (received.length >= 5) live.resolve();
          },
          // A poll interval far beyond the deadline: only the notification can deliver in time.
          { from, batchSize: 2, pollIntervalMs: 60_000 },
        );
        try {
          await caughtUp.promise;
          const liveEvents = [newEvent(), newEvent()];
          await store.append(streamId, liveEvents, { expected: 3n });
          await live.promise;
          expect(received.map((event) => event.eventId)).toEqual([...catchUp, ...liveEvents].map((event) => event.eventId));
          expect(received.map((event) => event.streamPosition)).toEqual(range(1, 5));
        } finally {
          await subscription.stop();
        }
      });

      it('an append from a second client wakes a subscriber well before the poll interval', async () => {
        const second = await setup.openSecondStore();
        const streamId = streamName('subscribe-other-client');
        const from = await store.headCheckpoint();
        const primer = newEvent();
        await store.append(streamId, [primer], { expected: 'no_stream' });
        const received: string[] = [];
        const listening = deferred<void>('the subscriber to read the primer event');
        const woken = deferred<void>("the second client's event");
        const subscription = store.subscribeAll(
          async (batch) => {
            received.push(...batch.filter((event) => event.streamId === streamId).map((event) => event.eventId));
            if (received.length >= 1) listening.resolve(); // it listens before its first read
            if (received.length >= 2) woken.resolve();
          },
          // Only the notification can deliver before the deadline (10 s, far below 60 s).
          { from, pollIntervalMs: 60_000 },
        );
        try {
          await listening.promise;
          const other = newEvent();
          await second.store.append(streamId, [other], { expected: 1n });
          await woken.promise;
          expect(received).toEqual([primer.eventId, other.eventId]);
        } finally {
          await subscription.stop();
          await second.close();
        }
      });

      it('stop() lets the batch in hand finish, then delivers nothing more', async () => {
        const streamId = streamName('stop');
        const from = await store.headCheckpoint();
        await store.append(streamId, [newEvent()], { expected: 'no_stream' });
        const entered = deferred<void>('the handler to start');
        const release = deferred<void>('the test to release the handler');
        let batches = 0;
        let inHandler = false;
        const subscription = store.subscribeAll(
          async () => {
            batches += 1;
            inHandler = true;
            entered.resolve();
            await release.promise;
            inHandler = false;
          },
          { from, pollIntervalMs: 60_000 },
        );
        await entered.promise;
        await store.append(streamId, [newEvent()], { expected: 1n });
        const stopped = subscription.stop();
        release.resolve();
        await stopped;
        expect(inHandler).toBe(false);
        expect(batches).toBe(1);
      });
    });

    describe('aggregate snapshots', () => {
      it('round-trip, and an older snapshot never replaces a newer one', async () => {
        const streamId = streamName('snapshot');
        expect(await store.loadSnapshot(streamId, 'budget')).toBeNull();
        const state = { limit: '100.00', held: ['1', '2'], nested: { ok: true } };
        await store.saveSnapshot({ streamId, snapshotType: 'budget', version: 3n, state });
        expect(await store.loadSnapshot(streamId, 'budget')).toEqual({ streamId, snapshotType: 'budget', version: 3n, state });
        await store.saveSnapshot({ streamId, snapshotType: 'budget', version: 5n, state: { v: 5 } });
        await store.saveSnapshot({ streamId, snapshotType: 'budget', version: 4n, state: { v: 4 } });
        expect(await store.loadSnapshot(streamId, 'budget')).toMatchObject({ version: 5n, state: { v: 5 } });
        expect(await store.loadSnapshot(streamId, 'other')).toBeNull();
      });
    });

    async function projectedIds(streamId: string): Promise<string[]> {
      const { rows } = await client.query<{ event_id: string }>(
        'SELECT event_id FROM conformance_projection WHERE stream_id = $1 ORDER BY event_id',
        [streamId],
      );
      return rows.map((row) => row.event_id);
    }
  });
}

async function expectWrongVersion(append: Promise<unknown>, streamId: string, expected: string, actual: bigint): Promise<void> {
  const error = await append.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(WrongExpectedVersionError);
  expect(error).toMatchObject({ streamId, expected, actual });
}

function streamName(purpose: string): string {
  return `conformance-${purpose}-${randomUUID()}`;
}

function newEvent(type = 'SomethingHappened', data: Record<string, unknown> = { value: 1 }): NewEvent {
  return {
    eventId: randomUUID(),
    type,
    schemaVersion: 1,
    data,
    metadata: { correlationId: randomUUID(), actor: 'conformance' },
  };
}

function withoutStorageFields(event: RecordedEvent): NewEvent {
  const { eventId, type, schemaVersion, data, metadata } = event;
  return { eventId, type, schemaVersion, data, metadata };
}

function checkpointOf(event: RecordedEvent): GlobalCheckpoint {
  return { transactionId: event.transactionId, globalPosition: event.globalPosition };
}

function range(first: number, last: number): bigint[] {
  return Array.from({ length: last - first + 1 }, (_, index) => BigInt(first + index));
}

function compareBigint(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Polls a condition of the database (not a fixed sleep), failing after the deadline. */
async function waitUntil(what: string, condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${DEADLINE_MS} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A promise resolved by the code under test, failing the test if that does not happen in time. */
function deferred<T>(what: string): { promise: Promise<T>; resolve(value: T): void } {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const timer = setTimeout(() => reject(new Error(`timed out after ${DEADLINE_MS} ms waiting for ${what}`)), DEADLINE_MS);
  void promise.then(
    () => clearTimeout(timer),
    () => clearTimeout(timer),
  );
  return { promise, resolve };
}
