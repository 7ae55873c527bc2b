import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * PostgreSQL for integration tests: each test file creates a database of its own and drops it
 * afterwards. The server is DATABASE_URL, or the local one (trust auth) by default.
 */
export const ADMIN_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const CONNECT_TIMEOUT_MS = 2_000;

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** Whether the PostgreSQL server answers (quick timeout). */
export async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Whether to run PostgreSQL tests. With CI=true always: an unreachable server must fail the run,
 * not skip it. Locally an unreachable server skips them, with a visible warning.
 */
export async function shouldRunPostgresTests(suite: string): Promise<boolean> {
  if (process.env.CI === 'true') return true;
  if (await postgresAvailable()) return true;
  console.warn(`SKIPPED ${suite}: PostgreSQL is unreachable at ${redact(ADMIN_DATABASE_URL)} (set DATABASE_URL; with CI=true this fails)`);
  return false;
}

/** Creates an empty database with a unique name; drop() removes it even with open connections. */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const name = `${prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 40)}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await withAdminClient((client) => client.query(`CREATE DATABASE ${quoteIdentifier(name)}`));
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`)),
  };
}

async function withAdminClient(work: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}
