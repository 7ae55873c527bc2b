import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { DataDirLockedError } from './event-store.errors.js';
import { runMigrations } from './migrations.js';
import { openPgliteClient } from './pglite-client.js';
import type { SqlClient } from './sql-client.js';
import { SqlEventStore } from './sql-event-store.js';
import { describeEventStoreConformance } from './testing/event-store-conformance.js';

// jest.config.js's per-project testTimeout is not applied by Jest (a global-only option).
jest.setTimeout(120_000);

let client: SqlClient;

describeEventStoreConformance('PGlite (in memory)', {
  backend: 'pglite',
  async open() {
    client = await openPgliteClient();
    await runMigrations(client);
    return { client, store: new SqlEventStore(client) };
  },
  async close() {
    await client?.close();
  },
  // One connection in process: a second store (its own notifier) over the same client.
  async openSecondStore() {
    return { store: new SqlEventStore(client), close: async () => undefined };
  },
});

describe('PGlite with a data directory', () => {
  let dataDir: string;
  let child: ChildProcess | null = null;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'caracal-pglite-'));
  });

  afterAll(async () => {
    child?.kill();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps its data across close and reopen, and a second open while in use is refused', async () => {
    const event = { eventId: randomUUID(), type: 'Persisted', schemaVersion: 1, data: { n: 1 }, metadata: {} };
    const first = await openPgliteClient({ dataDir });
    try {
      expect((await runMigrations(first)).applied).toContain('001_event_store');
      await new SqlEventStore(first).append('persisted', [event], { expected: 'no_stream' });
      const second = await openPgliteClient({ dataDir }).catch((error: unknown) => error);
      expect(second).toBeInstanceOf(DataDirLockedError);
      expect(second).toMatchObject({ ownerPid: process.pid });
    } finally {
      await first.close();
    }
    expect(existsSync(join(dataDir, 'caracal.lock'))).toBe(false);

    const reopened = await openPgliteClient({ dataDir });
    try {
      expect((await runMigrations(reopened)).applied).toEqual([]);
      const read = await new SqlEventStore(reopened).readStream('persisted');
      expect(read.map((recorded) => recorded.eventId)).toEqual([event.eventId]);
      expect(read[0].data).toEqual({ n: 1 });
    } finally {
      await reopened.close();
    }
  });

  it('refuses a directory locked by another live process, and takes over the lock once it is gone', async () => {
    // Another process that owns the directory: its pid in the lock file, the process alive.
    const owner = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    child = owner;
    const pid = owner.pid as number;
    await writeFile(join(dataDir, 'caracal.lock'), `${pid}\n`);

    const refused = await openPgliteClient({ dataDir }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DataDirLockedError);
    expect(refused).toMatchObject({ ownerPid: pid });
    expect((refused as Error).message).toContain(String(pid));

    const exited = new Promise((resolve) => owner.once('exit', resolve));
    owner.kill();
    await exited;
    child = null;

    const takenOver = await openPgliteClient({ dataDir });
    try {
      expect(await new SqlEventStore(takenOver).streamVersion('persisted')).toBe(1n);
    } finally {
      await takenOver.close();
    }
  });
});
