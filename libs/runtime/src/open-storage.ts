import { join } from 'node:path';
import type { CaracalConfig } from '@caracal/config';
import {
  createPostgresClient,
  openPgliteWorkerClient,
  runMigrations,
  SqlEventStore,
  type InlineProjection,
  type SqlClient,
} from '@caracal/event-store';
import { rebaseRestoredTransactionIds, type TransactionIdRebase } from '@caracal/recovery';
import type { EventKeys } from '@caracal/sealing';
import { resolveEventKeys } from './event-keys.js';

export interface Storage {
  client: SqlClient;
  store: SqlEventStore;
  /** Where the data lives, for the startup banner (never includes credentials). */
  location: string;
  /** Set when this start found a log restored from another cluster and renumbered its transaction ids. */
  transactionIdRebase: TransactionIdRebase | null;
  /** The event authentication key: the store tags with it, the sealer checks with its keyring. null: none configured (a process that neither writes nor seals). */
  eventKeys: EventKeys | null;
}

export interface StorageOptions {
  /** Read models the store keeps in step inside each append's transaction (the gateway's admin views). */
  inlineProjections?: readonly InlineProjection[];
  /**
   * Whether this process writes or seals events, so that the production profile refuses to start
   * without an event authentication key (default true: fail closed). False only for a process
   * that does neither.
   */
  eventKeyRequired?: boolean;
}

/** Opens the profile's database, applies pending migrations, and wraps it in the event store. */
export async function openStorage(config: CaracalConfig, options: StorageOptions = {}): Promise<Storage> {
  // Embedded: a key is generated into the data dir on first start, like the Merkle signing key.
  // Production: no key is a configuration error, before any connection is opened.
  const eventKeys = await resolveEventKeys(config, { required: options.eventKeyRequired ?? true });
  let client: SqlClient;
  let location: string;
  if (config.profile === 'embedded') {
    const dataDir = join(config.dataDir, 'pgdata');
    // PGlite's work is most of a request's CPU in this profile: off the request thread.
    client = await openPgliteWorkerClient({ dataDir });
    location = `PGlite at ${dataDir}`;
  } else {
    const url = config.database.url as string;
    client = createPostgresClient({
      connectionString: url,
      max: config.database.poolSize + config.database.maxOverflow,
      connectionTimeoutMillis: config.database.connectionTimeoutMillis,
      applicationName: 'caracal-gateway',
    });
    location = `PostgreSQL at ${redactUrl(url)}`;
  }
  let transactionIdRebase: TransactionIdRebase | null;
  try {
    await runMigrations(client);
    transactionIdRebase = await rebaseRestoredTransactionIds(client);
  } catch (error) {
    await client.close();
    throw error;
  }
  if (transactionIdRebase !== null) {
    const r = transactionIdRebase;
    console.log(
      `The event log was restored from another PostgreSQL cluster (transaction ids up to ${r.restoredMaxXid}, this cluster at ${r.clusterNextXid}): ` +
        `renumbered the transaction ids of ${r.events} events in their order (docs/recovery.md, "Backups")`,
    );
  }
  const store = new SqlEventStore(client, { inlineProjections: options.inlineProjections, authenticator: eventKeys?.authenticator });
  return { client, store, location, transactionIdRebase, eventKeys };
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = parsed.password ? '***' : '';
    return parsed.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}
