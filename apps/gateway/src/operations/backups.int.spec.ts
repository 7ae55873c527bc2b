// The backup API's answers to bad input: a 4xx naming the field, nothing written. The dumps and
// restores themselves: libs/recovery/src/backups.int.spec.ts and test/e2e/runbook-backup.e2e.spec.ts.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAdminApi, type AdminApiHarness } from '@caracal/test-support/admin-api-harness.js';
import { shouldRunPostgresTests } from '@caracal/test-support/postgres-test-database.js';

const runPostgres = await shouldRunPostgresTests('backup API tests');
(runPostgres ? describe : describe.skip)('backup API input', () => {
  const backupDir = mkdtempSync(join(tmpdir(), 'caracal-backup-api-'));
  let api: AdminApiHarness;
  beforeAll(async () => {
    api = await startAdminApi('postgres', { CARACAL_BACKUP_DIR: backupDir });
  });
  afterAll(async () => {
    await api?.close();
    rmSync(backupDir, { recursive: true, force: true });
  });

  it.each([
    [{}, 'type'],
    [{ type: 'mysql' }, 'type'],
    [{ type: 'postgresql', tag: 'a\u0007b' }, 'tag'],
    [{ type: 'postgresql', tag: 'x'.repeat(201) }, 'tag'],
    [{ type: 'postgresql', extra: 1 }, 'extra'],
  ])('POST /v1/backups %j: 400 naming %s', async (body, field) => {
    const response = await api.call('POST', '/v1/backups', body);
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body)).toContain(field);
    expect(readdirSync(backupDir)).toEqual([]);
  });

  it('--type kafka: 422 naming the missing Kafka bus, nothing written', async () => {
    const response = await api.call('POST', '/v1/backups', { type: 'kafka', tag: 'corruption-evidence' });
    expect(response).toMatchObject({ status: 422, body: { error: 'backup_type_not_available' } });
    expect(response.body.message).toMatch(/does not run the Kafka event bus/);
    expect(readdirSync(backupDir)).toEqual([]);
  });

  it('unknown or malformed backup ids: 404 and 400', async () => {
    expect((await api.call('GET', '/v1/backups/not-a-uuid')).status).toBe(400);
    expect((await api.call('GET', '/v1/backups/0c1d2e3f-0000-4000-8000-0000000000ff')).status).toBe(404);
    expect((await api.call('POST', '/v1/backups/0c1d2e3f-0000-4000-8000-0000000000ff/verify', {})).status).toBe(404);
    const bad = await api.call('POST', '/v1/backups/0c1d2e3f-0000-4000-8000-0000000000ff/verify', { trialRestore: 'yes' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('trialRestore');
    expect(await api.call('GET', '/v1/backups')).toMatchObject({ status: 200, body: { items: [], directory: backupDir } });
  });
});
