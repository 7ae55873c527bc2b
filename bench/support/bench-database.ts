import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface BenchDatabase {
  name: string;
  url: string;
  /** True when `keep` found the database of an earlier run (its log is reused). */
  reused: boolean;
  /** Drops the database, unless it is kept. */
  drop(): Promise<void>;
}

/**
 * A benchmark's own PostgreSQL database on the server of `adminUrl`: `<prefix>_<random>`, dropped
 * afterwards; or with `keep`, `<prefix>_keep_<events>`, created once and reused by later runs
 * (which skips regenerating the log while iterating).
 */
export async function createBenchDatabase(adminUrl: string, prefix: string, options: { keep: boolean; events: number }): Promise<BenchDatabase> {
  const name = options.keep ? `${prefix}_keep_${options.events}` : `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = async <T extends pg.QueryResultRow>(sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
    await client.connect();
    try {
      return await client.query<T>(sql);
    } finally {
      await client.end();
    }
  };
  const exists = options.keep && (await admin(`SELECT 1 FROM pg_database WHERE datname = '${name}'`)).rowCount === 1;
  if (!exists) await admin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    reused: exists,
    drop: async () => {
      if (!options.keep) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
