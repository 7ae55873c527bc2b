import { generateKeyPairSync } from 'node:crypto';
import { SqlEventStore } from '@caracal/event-store';
import { ProcessorHost } from '@caracal/processing';
import { ReplayJobTracker } from '@caracal/recovery';
import { startSealTimer } from '@caracal/runtime';
import type { AdminApiHarness } from './admin-api-harness.js';
import { openHoldsInAllBudgets } from './open-holds.js';
import { waitFor } from './wait-for.js';

/** Settings for a gateway under test that seals: a fresh signing key and small, quick batches. */
export function sealingTestEnv(): Record<string, string> {
  return {
    CARACAL_MERKLE_SIGNING_KEY: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    CARACAL_MERKLE_BATCH_LEAVES: '4',
    CARACAL_MERKLE_MAX_BATCH_AGE_MS: '200',
  };
}

/**
 * The processors of an admin-API harness run as a processor host would run them (projector or
 * embedded gateway): every registered processor, the seal timer and the replay tracker. Tests
 * stop and start them as the runbook's "stop consumers" does.
 */
export class InProcessProcessors {
  private host: ProcessorHost | null = null;
  private sealTimer: { stop(): Promise<void> } | null = null;
  private tracker: ReplayJobTracker | null = null;

  constructor(
    private readonly api: AdminApiHarness,
    readonly owner = 'test-host',
  ) {}

  start(): void {
    const { client, deps } = this.api;
    const host = new ProcessorHost({
      client, store: new SqlEventStore(client), registry: deps.registry, names: null, owner: this.owner,
      tuning: { pollMs: 100, leaseMs: 3000 }, rebuildTogether: true,
    });
    host.start();
    this.host = host;
    this.sealTimer = startSealTimer({ client, sealer: deps.sealer!, status: () => host.status(), intervalMs: 100 });
    this.tracker = new ReplayJobTracker({ client, owner: this.owner, status: () => host.status(), intervalMs: 50 });
    this.tracker.start();
  }

  async stop(): Promise<void> {
    await this.sealTimer?.stop();
    await this.tracker?.stop();
    await this.host?.stop();
    this.sealTimer = null;
    this.tracker = null;
    this.host = null;
  }

  /**
   * Every hold settled, every processor at the head and every event in a sealed batch. The
   * gateway appends a settlement after its response has gone, so "at the head" alone can be
   * true just before the last request's settlement lands.
   */
  async caughtUp(): Promise<void> {
    const count = async (sql: string): Promise<number> => Number((await this.api.client.query<{ n: string }>(sql)).rows[0].n);
    await waitFor(async () => {
      if ((await openHoldsInAllBudgets(this.api.client)) !== 0) return false;
      const lag = await this.api.call('GET', '/v1/consumer-lag');
      return lag.body.items.every((group: { eventsBehind: number }) => group.eventsBehind === 0)
        && (await count('SELECT count(*)::text AS n FROM events')) === (await count('SELECT count(*)::text AS n FROM merkle_leaves WHERE batch_id IN (SELECT batch_id FROM merkle_heads)'));
    }, 'holds settled, processors caught up and every event sealed', 30_000, 50);
  }
}
