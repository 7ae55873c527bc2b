import { Inject, Injectable } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { SqlClient } from '../../../../libs/event-store/src/index.js';
import { apiKeyId, hashApiKey } from '../agents/api-key.js';
import { SQL_CLIENT } from '../injection-tokens.js';
import { ProxyDenial } from './proxy-denial.js';

export interface AuthenticatedAgent {
  agentId: string;
  keyId: string;
}

/**
 * Finds the agent behind a Caracal key in any of the places SDKs put a key (Authorization
 * Bearer for OpenAI clients, x-api-key for Anthropic clients, X-Caracal-Key for everything else):
 * key id → one indexed row → constant-time hash comparison.
 */
@Injectable()
export class AgentKeyAuthenticator {
  constructor(@Inject(SQL_CLIENT) private readonly sql: SqlClient) {}

  async authenticate(headers: IncomingHttpHeaders): Promise<AuthenticatedAgent> {
    const key = presentedKey(headers);
    if (key === null) throw new ProxyDenial(401, 'unauthorized', 'missing Caracal agent key: send it as "Authorization: Bearer <key>", "x-api-key" or "X-Caracal-Key"');
    const keyId = apiKeyId(key);
    if (keyId === null) throw new ProxyDenial(401, 'unauthorized', 'the agent key is not a Caracal key');
    const { rows } = await this.sql.query<{ agent_id: string; key_hash: string; status: string }>(
      'SELECT agent_id, key_hash, status FROM agent_keys WHERE key_id = $1',
      [keyId],
    );
    const row = rows[0];
    const presented = Buffer.from(hashApiKey(key), 'hex');
    // Compare even when the row is missing, so timing does not reveal which key ids exist.
    const stored = Buffer.from(row?.key_hash ?? '0'.repeat(64), 'hex');
    if (!timingSafeEqual(presented, stored) || row === undefined || row.status !== 'active') {
      throw new ProxyDenial(401, 'unauthorized', 'the agent key is not valid or has been revoked');
    }
    return { agentId: String(row.agent_id), keyId };
  }
}

function presentedKey(headers: IncomingHttpHeaders): string | null {
  const caracal = headers['x-caracal-key'];
  if (typeof caracal === 'string' && caracal) return caracal.trim();
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey) return apiKey.trim();
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  return match ? match[1] : null;
}
