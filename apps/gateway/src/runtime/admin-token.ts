import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CaracalConfig } from '@caracal/config';
import { ConfigError } from '@caracal/config';
import { ADMIN_TOKEN_FILE } from '@caracal/api-contract';

/**
 * The admin token comes from config. The embedded profile, started with none, generates one on
 * first start and keeps it in the data dir with mode 0600, where the CLI finds it. Production
 * without a token refuses to start: an unauthenticated admin API is never the fallback.
 */
export function resolveAdminToken(config: CaracalConfig): { token: string; source: string } {
  if (config.adminToken) return { token: config.adminToken, source: 'CARACAL_ADMIN_TOKEN' };
  if (config.profile === 'production') {
    throw new ConfigError('CARACAL_ADMIN_TOKEN', 'the production profile needs an admin token');
  }
  const path = join(config.dataDir, ADMIN_TOKEN_FILE);
  try {
    const existing = readFileSync(path, 'utf8').trim();
    if (existing) return { token: existing, source: path };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const token = `cat_${randomBytes(32).toString('base64url')}`;
  writeFileSync(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return { token, source: path };
}
