import { execFile, spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SqlExecutor } from '@caracal/event-store';
import { BackupUnavailableError } from './backup.errors.js';

export type PostgresTool = 'pg_dump' | 'psql';

/** The server's major version (15 for 15.20) and its version text. */
export async function serverVersion(sql: SqlExecutor): Promise<{ major: number; text: string }> {
  const { rows } = await sql.query<{ num: string; version: string }>("SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version");
  return { major: Math.floor(Number(rows[0].num) / 10000), text: `PostgreSQL ${rows[0].version}` };
}

/**
 * pg_dump or psql of the server's major version: a pg_dump older than the server refuses to
 * dump, a newer one writes SQL the older server may not load. Looked for in CARACAL_PG_BIN_DIR,
 * then where Debian and RHEL packages put each version, then on PATH.
 */
export async function findPostgresTool(tool: PostgresTool, major: number, env: NodeJS.ProcessEnv = process.env): Promise<{ path: string; version: string }> {
  const candidates = [
    ...(env.CARACAL_PG_BIN_DIR ? [join(env.CARACAL_PG_BIN_DIR, tool)] : []),
    `/usr/lib/postgresql/${major}/bin/${tool}`,
    `/usr/pgsql-${major}/bin/${tool}`,
    tool,
  ];
  const found: string[] = [];
  for (const candidate of candidates) {
    let output: string;
    try {
      output = (await promisify(execFile)(candidate, ['--version'])).stdout.trim();
    } catch {
      continue;
    }
    const version = /(\d+)(?:\.(\d+))?/.exec(output);
    if (version !== null && Number(version[1]) === major) return { path: candidate, version: output };
    found.push(`${candidate} (${output})`);
  }
  throw new BackupUnavailableError(
    `${tool} of PostgreSQL ${major} was not found on the gateway's host${found.length > 0 ? ` (found only ${found.join(', ')})` : ''}; ` +
      `install postgresql-client-${major} there, or set CARACAL_PG_BIN_DIR to its bin directory`,
  );
}

/**
 * libpq's environment for a connection URL, so the password never appears on a command line
 * (where `ps` shows it): PGPASSWORD carries it, the URL passed on goes without it.
 */
export function libpqConnection(url: string): { dbname: string; env: Record<string, string> } {
  const parsed = new URL(url);
  const env: Record<string, string> = {};
  if (parsed.password !== '') env.PGPASSWORD = decodeURIComponent(parsed.password);
  parsed.password = '';
  return { dbname: parsed.toString(), env };
}

export interface RunningTool {
  child: ChildProcess;
  /** Resolves with the exit code; rejects when the tool cannot be started. */
  exited: Promise<number | null>;
  /** The first 4,000 characters the tool wrote to stderr: the message for an error. */
  stderr(): string;
}

/** Starts pg_dump or psql against a database URL (its password in the environment, never in argv). */
export function spawnPostgresTool(path: string, args: readonly string[], url: string, stdio: StdioOptions): RunningTool {
  const connection = libpqConnection(url);
  const child = spawn(path, [...args, '--dbname', connection.dbname], { env: { ...process.env, ...connection.env }, stdio });
  let stderr = '';
  child.stderr?.on('data', (data: Buffer) => {
    if (stderr.length < 4000) stderr += data.toString();
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  return { child, exited, stderr: () => stderr.trim() || 'no message' };
}
