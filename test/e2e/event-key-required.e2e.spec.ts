import { afterAll, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGatewayProcess, startProjectorProcess } from '@caracal/test-support/gateway-process.js';
import { createTestDatabase, shouldRunPostgresTests } from '@caracal/test-support/postgres-test-database.js';

/**
 * Fail closed (docs/leaf-format.md "Keys"): in the production profile the gateway (it writes
 * events) and a projector that runs merkle-sealer-group (it checks them) refuse to start without
 * the event authentication key, naming the variable, before they open a database connection.
 */
const NO_DATABASE = 'postgres://caracal@127.0.0.1:1/caracal';
const signingKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const runPostgres = await shouldRunPostgresTests('event key required e2e');

describe('production profile without CARACAL_EVENT_AUTH_KEY', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'caracal-event-key-'));
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));
  const refusal = /exited with 1 before it was ready:\s+caracal (gateway|projector) failed to start: configuration CARACAL_EVENT_AUTH_KEY: the production profile needs an event authentication key/;

  it('the gateway refuses to start, naming the variable', async () => {
    await expect(startGatewayProcess({ DATABASE_URL: NO_DATABASE, CARACAL_ADMIN_TOKEN: 'e2e-token' }, workDir)).rejects.toThrow(refusal);
  });

  it('a projector running the sealer refuses to start, naming the variable', async () => {
    await expect(startProjectorProcess({ DATABASE_URL: NO_DATABASE, CARACAL_MERKLE_SIGNING_KEY: signingKey }, workDir)).rejects.toThrow(refusal);
    await expect(startProjectorProcess({ DATABASE_URL: NO_DATABASE, CARACAL_MERKLE_SIGNING_KEY: signingKey, CARACAL_PROCESSORS: 'merkle-sealer-group' }, workDir))
      .rejects.toThrow(refusal);
  });

  (runPostgres ? it : it.skip)('a projector that neither writes nor seals events starts without it', async () => {
    const db = await createTestDatabase('e2e_event_key');
    try {
      const projector = await startProjectorProcess({ DATABASE_URL: db.url, CARACAL_MERKLE_SIGNING_KEY: signingKey, CARACAL_PROCESSORS: 'ledger-writer-group' }, workDir);
      expect(projector.output()).toMatch(/running ledger-writer-group on PostgreSQL/);
      // Its exit code on SIGTERM is not this test's point (once, under CI load, it ended by a signal: open).
      await projector.stop();
    } finally {
      await db.drop();
    }
  });
});
