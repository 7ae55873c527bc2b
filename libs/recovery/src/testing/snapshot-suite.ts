import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { waitFor } from '@caracal/test-support/wait-for.js';
import type { RecordedEvent, SqlClient, SqlEventStore } from '@caracal/event-store';
import { loadCheckpoint, ProcessorHost, ProcessorRegistry, ProcessorRunner, resetProcessors, type StopOptions } from '@caracal/processing';
import { TestProjection } from '@caracal/processing/testing';
import {
  ProcessorsRunningError,
  ReadModelsNotEmptyError,
  ReplayJobActiveError,
  ReplayNotReadyError,
  SnapshotChecksumError,
  SnapshotFormatError,
  SnapshotFromAnotherLogError,
  SnapshotNotFoundError,
} from '../recovery.errors.js';
import { startReplayJob } from '../replay-job.start.js';
import { ReplayJobTracker } from '../replay-job.tracker.js';
import { readReplayJob } from '../replay-jobs.store.js';
import { createSnapshot } from '../snapshot.create.js';
import { restoreSnapshot } from '../snapshot.restore.js';
import { deleteSnapshot, listSnapshots } from '../snapshot.store.js';
import { verifySnapshot } from '../snapshot.verify.js';

export interface SnapshotHarness {
  open(): Promise<{ client: SqlClient; store: SqlEventStore }>;
  close(): Promise<void>;
}

const quiet = () => undefined;

/** Read-model snapshots, run against PGlite and PostgreSQL alike; `other` is a second, unrelated log. */
export function describeSnapshotSuite(label: string, harness: SnapshotHarness, other: SnapshotHarness): void {
  describe(`read-model snapshots (${label})`, () => {
    let client: SqlClient;
    let store: SqlEventStore;
    let seq = 0;

    beforeAll(async () => {
      ({ client, store } = await harness.open());
    });
    afterAll(async () => {
      await harness.close();
      await other.close();
    });

    async function projection(): Promise<TestProjection> {
      seq += 1;
      const id = `${Date.now().toString(36)}_${seq}`;
      const processor = new TestProjection(`snap-${id}`, 1, `snap_${id}`, `snap-${id}-`);
      await processor.createTable(client);
      return processor;
    }

    async function append(processor: TestProjection, count: number, data: (i: number) => Record<string, unknown> = () => ({})): Promise<RecordedEvent[]> {
      const recorded: RecordedEvent[] = [];
      for (let i = 0; i < count; i += 1) {
        const streamId = `${processor.streamPrefix}${i % 3}`;
        await store.append(streamId, [{ eventId: randomUUID(), type: 'Tested', schemaVersion: 1, data: data(i), metadata: {} }], { expected: 'any' });
        recorded.push((await store.readStream(streamId, { direction: 'backward', maxCount: 1 }))[0]);
      }
      return recorded;
    }

    /** Runs the projection until it has every event, then stops it (releasing its lease). */
    async function catchUp(processor: TestProjection, events: readonly RecordedEvent[], batchSize = 7): Promise<void> {
      const runner = new ProcessorRunner({ client, store, processor, pollMs: 50, batchSize, logger: quiet });
      runner.start();
      await waitFor(async () => (await processor.counts(client)).size === events.length, 'the projection to catch up');
      await runner.stop();
    }

    async function rows(processor: TestProjection): Promise<unknown[]> {
      return (await client.query(`SELECT id::text, event_id, global_position::text FROM ${processor.table} ORDER BY id`)).rows;
    }

    it('restores every row and the checkpoint after a reset, and the processor continues from there exactly once', async () => {
      const processor = await projection();
      const before = await append(processor, 40);
      await catchUp(processor, before);
      const expectedRows = await rows(processor);
      const expectedCheckpoint = await loadCheckpoint(client, processor);

      const snapshot = await createSnapshot(client, [processor], { tag: 'before-reset' });
      expect(snapshot.tag).toBe('before-reset');
      expect(snapshot.manifest.tables).toEqual([{ table: processor.table, rows: 40 }]);
      expect(snapshot.manifest.anchor).toEqual({ globalPosition: before[39].globalPosition.toString(), eventId: before[39].eventId });
      expect(snapshot.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect((await listSnapshots(client)).map((s) => s.snapshotId)).toContain(snapshot.snapshotId);

      const after = await append(processor, 9); // written after the snapshot: the processor must replay these
      await resetProcessors(client, [processor]);
      expect(await rows(processor)).toEqual([]);
      // as in a database created afresh: the table's serial starts again at 1
      await client.query(`SELECT setval(pg_get_serial_sequence($1, 'id'), 1, false)`, [processor.table]);

      const restored = await restoreSnapshot(client, [processor], snapshot.snapshotId);
      expect(restored.tables).toEqual([{ table: processor.table, rows: 40 }]);
      expect(await rows(processor)).toEqual(expectedRows);
      expect(await loadCheckpoint(client, processor)).toMatchObject({
        checkpoint: expectedCheckpoint?.checkpoint,
        eventsProcessed: expectedCheckpoint?.eventsProcessed,
      });

      await catchUp(processor, [...before, ...after]);
      const counts = await processor.counts(client);
      expect([...before, ...after].map((event) => counts.get(event.eventId) ?? 0)).toEqual([...before, ...after].map(() => 1));
      // serial ids continue past the restored rows instead of colliding with them
      expect((await rows(processor)).length).toBe(49);
    });

    it('a table of many pages is written in several chunks and restored row for row, dead rows left out', async () => {
      const processor = await projection();
      await client.query(
        `INSERT INTO ${processor.table} (event_id, global_position) SELECT gen_random_uuid(), g FROM generate_series(1, 20000) g`,
      );
      await client.query(`DELETE FROM ${processor.table} WHERE global_position % 7 = 0`);
      const fingerprint = async () =>
        (await client.query(`SELECT count(*)::int AS n, md5(string_agg(t::text, ',' ORDER BY id)) AS md5 FROM ${processor.table} t`)).rows[0];
      const before = await fingerprint();

      const snapshot = await createSnapshot(client, [processor]);
      const chunks = await client.query('SELECT count(*)::int AS n FROM read_model_snapshot_chunks WHERE snapshot_id = $1', [snapshot.snapshotId]);
      expect(chunks.rows[0].n).toBeGreaterThan(1);
      expect(snapshot.manifest.tables).toEqual([{ table: processor.table, rows: before.n }]);
      await resetProcessors(client, [processor]);
      await restoreSnapshot(client, [processor], snapshot.snapshotId);
      expect(await fingerprint()).toEqual(before);
    });

    it('refuses a restore into read models that are not empty, and while the processor runs; nothing is written', async () => {
      const processor = await projection();
      const events = await append(processor, 5);
      await catchUp(processor, events);
      const snapshot = await createSnapshot(client, [processor]);
      await expect(restoreSnapshot(client, [processor], snapshot.snapshotId)).rejects.toBeInstanceOf(ReadModelsNotEmptyError);
      expect((await rows(processor)).length).toBe(5);

      await resetProcessors(client, [processor]);
      const runner = new ProcessorRunner({ client, store, processor, pollMs: 50, logger: quiet });
      runner.start();
      await waitFor(() => runner.status().state === 'active', 'the processor to hold its lease');
      await runner.stop({ releaseLease: false }); // a live lease, as a running instance elsewhere holds it
      await resetProcessors(client, [processor]); // empties what the runner wrote; removes the lease as well
      await client.query(
        `INSERT INTO processor_leases (processor, version, owner, expires_at) VALUES ($1, $2, 'other-host', clock_timestamp() + interval '1 minute')`,
        [processor.name, processor.version],
      );
      const running = restoreSnapshot(client, [processor], snapshot.snapshotId);
      await expect(running).rejects.toBeInstanceOf(ProcessorsRunningError);
      await expect(running).rejects.toThrow(/other-host/);
      expect(await rows(processor)).toEqual([]);
      expect(await loadCheckpoint(client, processor)).toBeNull();
    });

    it('refuses a snapshot whose stored bytes, chunk labels or listed manifest were altered, and verify reports it; nothing is written', async () => {
      const processor = await projection();
      const events = await append(processor, 12);
      await catchUp(processor, events);
      const snapshot = await createSnapshot(client, [processor]);
      const relabelled = await createSnapshot(client, [processor]);
      const second = await createSnapshot(client, [processor]);
      expect(snapshot.checksumState).toBe('verified');
      await resetProcessors(client, [processor]);

      await client.query(
        `UPDATE read_model_snapshot_chunks SET data = overlay(data placing '\\x20'::bytea from 20 for 1) WHERE snapshot_id = $1 AND chunk_no = 0`,
        [snapshot.snapshotId],
      );
      await expect(restoreSnapshot(client, [processor], snapshot.snapshotId)).rejects.toBeInstanceOf(SnapshotChecksumError);
      expect(await rows(processor)).toEqual([]);
      expect((await listSnapshots(client)).find((s) => s.snapshotId === snapshot.snapshotId)?.checksumState).toBe('failed');
      const verification = await verifySnapshot(client, snapshot.snapshotId);
      expect(verification.ok).toBe(false);
      expect(verification.actual).not.toBe(snapshot.sha256);

      expect((await verifySnapshot(client, relabelled.snapshotId)).ok).toBe(true);
      await client.query('UPDATE read_model_snapshot_chunks SET row_count = row_count - 1 WHERE snapshot_id = $1 AND chunk_no = 0', [relabelled.snapshotId]);
      await expect(restoreSnapshot(client, [processor], relabelled.snapshotId)).rejects.toBeInstanceOf(SnapshotChecksumError);

      await client.query(
        `UPDATE read_model_snapshots SET manifest = jsonb_set(manifest, '{processors,0,globalPosition}', '"1"') WHERE snapshot_id = $1`,
        [second.snapshotId],
      );
      await expect(restoreSnapshot(client, [processor], second.snapshotId)).rejects.toBeInstanceOf(SnapshotChecksumError);
      expect(await loadCheckpoint(client, processor)).toBeNull();
    });

    it('refuses a snapshot of format 1 (written by an earlier version) with a message that says what to do', async () => {
      const processor = await projection();
      const snapshot = await createSnapshot(client, [processor]);
      await client.query(`UPDATE read_model_snapshots SET manifest = jsonb_set(manifest, '{format}', '1') WHERE snapshot_id = $1`, [snapshot.snapshotId]);
      const refused = restoreSnapshot(client, [processor], snapshot.snapshotId);
      await expect(refused).rejects.toBeInstanceOf(SnapshotFormatError);
      await expect(refused).rejects.toThrow(/caracal snapshot create/);
    });

    it('refuses a snapshot taken from another event log', async () => {
      const processor = await projection();
      const events = await append(processor, 6);
      await catchUp(processor, events);
      const snapshot = await createSnapshot(client, [processor]);

      // An operator copies the snapshot's rows into another deployment's database.
      const elsewhere = await other.open();
      await processor.createTable(elsewhere.client);
      for (let i = 0; i < 6; i += 1) {
        await elsewhere.store.append(`other-${i}`, [{ eventId: randomUUID(), type: 'Tested', schemaVersion: 1, data: {}, metadata: {} }], { expected: 'any' });
      }
      const [meta] = (await client.query('SELECT tag, manifest::text AS manifest, compressed_bytes, uncompressed_bytes, sha256 FROM read_model_snapshots WHERE snapshot_id = $1', [snapshot.snapshotId])).rows;
      expect(snapshot.manifest.tables[0].rows).toBe(6);
      await elsewhere.client.query(
        'INSERT INTO read_model_snapshots (snapshot_id, tag, manifest, compressed_bytes, uncompressed_bytes, sha256) VALUES ($1, $2, $3::jsonb, $4, $5, $6)',
        [snapshot.snapshotId, meta.tag, meta.manifest, meta.compressed_bytes, meta.uncompressed_bytes, meta.sha256],
      );
      for (const chunk of (await client.query('SELECT chunk_no, table_name, row_count, data FROM read_model_snapshot_chunks WHERE snapshot_id = $1', [snapshot.snapshotId])).rows) {
        await elsewhere.client.query('INSERT INTO read_model_snapshot_chunks (snapshot_id, chunk_no, table_name, row_count, data) VALUES ($1, $2, $3, $4, $5)', [
          snapshot.snapshotId, chunk.chunk_no, chunk.table_name, chunk.row_count, chunk.data,
        ]);
      }
      const refused = restoreSnapshot(elsewhere.client, [processor], snapshot.snapshotId);
      await expect(refused).rejects.toBeInstanceOf(SnapshotFromAnotherLogError);
      await expect(refused).rejects.toThrow(snapshot.manifest.anchor?.eventId ?? 'anchor');
      expect((await elsewhere.client.query(`SELECT count(*)::int AS n FROM ${processor.table}`)).rows[0].n).toBe(0);
    });

    it('lists newest first, deletes, and keeps only the newest N when asked', async () => {
      const processor = await projection();
      await client.query(`INSERT INTO ${processor.table} (event_id, global_position) VALUES (gen_random_uuid(), 1)`);
      const first = await createSnapshot(client, [processor], { tag: 'one' });
      const second = await createSnapshot(client, [processor], { tag: 'two' });
      const listed = (await listSnapshots(client)).map((s) => s.snapshotId);
      expect(listed.indexOf(second.snapshotId)).toBeLessThan(listed.indexOf(first.snapshotId));

      await deleteSnapshot(client, first.snapshotId);
      expect((await listSnapshots(client)).map((s) => s.snapshotId)).not.toContain(first.snapshotId);
      await expect(deleteSnapshot(client, first.snapshotId)).rejects.toBeInstanceOf(SnapshotNotFoundError);

      // A snapshot still being written (or whose writer died) has no checksum yet: not listed,
      // not restorable; retention removes it once it is an hour old.
      const halfWritten = randomUUID();
      await client.query(
        `INSERT INTO read_model_snapshots (snapshot_id, created_at, manifest, compressed_bytes, uncompressed_bytes, sha256)
         VALUES ($1, clock_timestamp() - interval '2 hours', '{}'::jsonb, 0, 0, '')`,
        [halfWritten],
      );
      expect((await listSnapshots(client)).map((s) => s.snapshotId)).not.toContain(halfWritten);
      await expect(restoreSnapshot(client, [processor], halfWritten)).rejects.toBeInstanceOf(SnapshotNotFoundError);
      const third = await createSnapshot(client, [processor], { keep: 2 });
      expect((await listSnapshots(client)).map((s) => s.snapshotId)).toEqual([third.snapshotId, second.snapshotId]);
      expect((await client.query('SELECT 1 FROM read_model_snapshots WHERE snapshot_id = $1', [halfWritten])).rows).toEqual([]);
      const chunks = await client.query('SELECT DISTINCT snapshot_id FROM read_model_snapshot_chunks');
      expect(chunks.rows.map((row) => row.snapshot_id).sort()).toEqual([second.snapshotId, third.snapshotId].sort());
    });

    /** A processor host with its replay tracker, as the projector (or the embedded gateway) runs them. */
    function processorHost(processor: TestProjection, owner: string, leaseMs = 3_000, failAfterMs?: number) {
      const host = new ProcessorHost({
        client, store, registry: new ProcessorRegistry([processor]), names: null, owner, logger: quiet,
        // retries without end: a failing event holds the runner (no DLQ), as a bug or an outage would
        tuning: { pollMs: 50, leaseMs, batchSize: 4, retry: { maxAttempts: 1_000_000, initialDelayMs: 10, maxDelayMs: 20 } },
      });
      const tracker = new ReplayJobTracker({ client, owner, status: () => host.status(), intervalMs: 30, failAfterMs });
      host.start();
      tracker.start();
      return { host, tracker, stop: async (options?: StopOptions) => {
        await tracker.stop();
        await host.stop(options);
      } };
    }

    it('replays from a restored snapshot to the head the log had at the start, reporting progress, then goes on live; refuses a second job and a replay that does not start where the read models are', async () => {
      const processor = await projection();
      const before = await append(processor, 20);
      await catchUp(processor, before);
      const snapshot = await createSnapshot(client, [processor]);
      const after = await append(processor, 30);
      await resetProcessors(client, [processor]);

      const notRestored = startReplayJob(client, store, [processor], { snapshotId: snapshot.snapshotId });
      await expect(notRestored).rejects.toBeInstanceOf(ReplayNotReadyError);
      await expect(notRestored).rejects.toThrow(`snapshot restore --snapshot-id ${snapshot.snapshotId}`);
      await restoreSnapshot(client, [processor], snapshot.snapshotId);
      await expect(startReplayJob(client, store, [processor], 'start')).rejects.toBeInstanceOf(ReplayNotReadyError);

      const job = await startReplayJob(client, store, [processor], { snapshotId: snapshot.snapshotId });
      expect(job).toMatchObject({ state: 'waiting', eventsTotal: '30', eventsProcessed: '0', fromSnapshotId: snapshot.snapshotId });
      await expect(startReplayJob(client, store, [processor], { snapshotId: snapshot.snapshotId })).rejects.toBeInstanceOf(ReplayJobActiveError);

      const running = processorHost(processor, 'host-a');
      await waitFor(async () => (await readReplayJob(client, job.jobId)).state === 'completed', 'the replay to complete');
      const done = await readReplayJob(client, job.jobId);
      expect(done).toMatchObject({ eventsProcessed: '30', owner: 'host-a', error: null, etaSeconds: 0 });
      expect(done.completedAt).not.toBeNull();

      const live = await append(processor, 5); // after the handover: the same runners project new events
      await waitFor(async () => (await processor.counts(client)).size === 55, 'live events projected');
      await running.stop();
      const counts = await processor.counts(client);
      expect([...before, ...after, ...live].map((event) => counts.get(event.eventId) ?? 0)).toEqual([...before, ...after, ...live].map(() => 1));
    });

    it('a replay that fails says why; its host dies mid-way (lease not released) and the next host resumes from the committed checkpoints: no event missing or doubled', async () => {
      const processor = await projection();
      const events = await append(processor, 60, (i) => (i === 30 ? { poison: true } : {}));
      const job = await startReplayJob(client, store, [processor], 'start');
      expect(job.eventsTotal).toBe(String((await client.query<{ n: string }>('SELECT count(*)::text AS n FROM events')).rows[0].n));

      const doomed = processorHost(processor, 'host-doomed', 1_000, 200);
      await waitFor(async () => (await readReplayJob(client, job.jobId)).state === 'failed', 'the job to fail on the poison event');
      const failed = await readReplayJob(client, job.jobId);
      expect(failed.error).toContain('poison event');
      expect(failed.owner).toBe('host-doomed');
      expect(BigInt(failed.eventsProcessed)).toBeLessThan(BigInt(failed.eventsTotal));
      await doomed.stop({ releaseLease: false }); // the "kill -9": no lease release, no more progress

      processor.fixed = true; // the fix is deployed; the next host resumes the job
      const next = processorHost(processor, 'host-next', 1_000);
      await waitFor(async () => (await readReplayJob(client, job.jobId)).state === 'completed', 'the next host to finish the replay', 30_000);
      await next.stop();
      const done = await readReplayJob(client, job.jobId);
      expect(done).toMatchObject({ owner: 'host-next', error: null });
      expect(done.eventsProcessed).toBe(done.eventsTotal);
      const counts = await processor.counts(client);
      expect(events.map((event) => counts.get(event.eventId) ?? 0)).toEqual(events.map(() => 1));
      expect(counts.size).toBe(60);
    });
  });
}
