import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ADMIN_TOKEN_FILE, DEFAULT_DATA_DIR, GATEWAY_INFO_FILE } from '@caracal/api-contract';
import { CliError, EXIT_USAGE } from './cli-error.js';

export const DEFAULT_GATEWAY_URL = 'http://127.0.0.1:8443';
export { DEFAULT_DATA_DIR };

/** What the operator passed on the command line; unset flags are undefined. */
export interface ConnectionFlags {
  url?: string;
  token?: string;
  dataDir?: string;
}

export interface ConnectionSettings {
  /** Base URL without a trailing slash. */
  url: string;
  token: string;
  /** Where the token came from (a flag, a variable or a file path), never the token itself. */
  tokenSource: string;
}

/**
 * Each setting is taken from the first place that has it: flag, environment variable, the
 * embedded gateway's data dir, then the built-in default (the URL only: a missing token is an
 * error, the admin API is never called unauthenticated).
 */
export function resolveConnectionSettings(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): ConnectionSettings {
  const dataDir = resolve(cwd, nonEmpty(flags.dataDir) ?? nonEmpty(env.CARACAL_DATA_DIR) ?? DEFAULT_DATA_DIR);
  return { url: resolveUrl(flags, env, dataDir), ...resolveToken(flags, env, dataDir) };
}

/** The embedded gateway's data directory: --data-dir, CARACAL_DATA_DIR, then ./.caracal. */
export function resolveDataDir(flagValue: string | undefined, env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  return resolve(cwd, nonEmpty(flagValue) ?? nonEmpty(env.CARACAL_DATA_DIR) ?? DEFAULT_DATA_DIR);
}

function resolveUrl(flags: ConnectionFlags, env: NodeJS.ProcessEnv, dataDir: string): string {
  const fromFlag = nonEmpty(flags.url);
  if (fromFlag) return checkedUrl(fromFlag, '--url');
  const fromEnv = nonEmpty(env.CARACAL_URL);
  if (fromEnv) return checkedUrl(fromEnv, 'CARACAL_URL');
  const infoPath = join(dataDir, GATEWAY_INFO_FILE);
  const info = readOptionalFile(infoPath);
  if (info === undefined) return DEFAULT_GATEWAY_URL;
  return checkedUrl(urlFromGatewayInfo(info, infoPath), infoPath);
}

function resolveToken(flags: ConnectionFlags, env: NodeJS.ProcessEnv, dataDir: string): Pick<ConnectionSettings, 'token' | 'tokenSource'> {
  const fromFlag = nonEmpty(flags.token);
  if (fromFlag) return checkedToken(fromFlag, '--token');
  const fromEnv = nonEmpty(env.CARACAL_TOKEN);
  if (fromEnv) return checkedToken(fromEnv, 'CARACAL_TOKEN');
  const tokenPath = join(dataDir, ADMIN_TOKEN_FILE);
  const fromFile = nonEmpty(readOptionalFile(tokenPath)?.trim());
  if (fromFile) return checkedToken(fromFile, tokenPath);
  throw new CliError('no admin token found.', EXIT_USAGE, [
    `Looked in: --token, CARACAL_TOKEN, ${tokenPath}.`,
    'Set CARACAL_TOKEN or pass --token, or start the embedded gateway (`npm start`), which writes that file.',
    'If the embedded gateway runs from another directory, point at its data dir with --data-dir or CARACAL_DATA_DIR.',
  ]);
}

/**
 * The token travels in the Authorization header: a bearer token is visible ASCII (RFC 6750), and a
 * control character or a non-ASCII one would make Node refuse to send the request at all.
 */
function checkedToken(token: string, source: string): Pick<ConnectionSettings, 'token' | 'tokenSource'> {
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new CliError(`the admin token from ${source} holds a character a bearer token cannot: only visible ASCII, no spaces or control characters.`, EXIT_USAGE);
  }
  return { token, tokenSource: source };
}

function urlFromGatewayInfo(text: string, path: string): string {
  let info: unknown;
  try {
    info = JSON.parse(text);
  } catch {
    throw new CliError(`${path} is not valid JSON.`, EXIT_USAGE, ['Pass --url or set CARACAL_URL instead.']);
  }
  const url = (info as { url?: unknown } | null)?.url;
  if (typeof url !== 'string' || url === '') {
    throw new CliError(`${path} has no "url" string.`, EXIT_USAGE, ['Pass --url or set CARACAL_URL instead.']);
  }
  return url;
}

function checkedUrl(url: string, source: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`gateway URL from ${source} is not a valid URL: ${url}`, EXIT_USAGE);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new CliError(`gateway URL from ${source} must start with http:// or https://: ${url}`, EXIT_USAGE);
  }
  return url.replace(/\/+$/, '');
}

/** The file's text, or undefined when it does not exist (the embedded gateway may never have run). */
function readOptionalFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`, EXIT_USAGE);
  }
}

/** An empty flag or variable (`export CARACAL_TOKEN=`) counts as unset. */
function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
