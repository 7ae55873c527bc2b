import { Injectable } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { apiKeyId, hashApiKey } from '../agents/api-key.js';
import { AgentAccessReader, type AgentAccess } from '../agents/agent-access.reader.js';
import { ProxyDenial } from '../http/proxy-denial.js';

export interface AuthenticatedAgent {
  agentId: string;
  keyId: string;
  /** Read with the key, in the same statement: the agent's path and allowlist entries. */
  access: AgentAccess;
}

/**
 * Finds the agent behind a Caracal key in any of the places SDKs put a key (Authorization
 * Bearer for OpenAI clients, x-api-key for Anthropic clients, X-Caracal-Key for everything else):
 * key id → one indexed row → constant-time hash comparison.
 */
@Injectable()
export class AgentKeyAuthenticator {
  constructor(private readonly reader: AgentAccessReader) {}

  async authenticate(headers: IncomingHttpHeaders): Promise<AuthenticatedAgent> {
    const key = presentedKey(headers);
    if (key === null) throw new ProxyDenial(401, 'unauthorized', 'missing Caracal agent key: send it as "Authorization: Bearer <key>", "x-api-key" or "X-Caracal-Key"');
    const keyId = apiKeyId(key);
    if (keyId === null) throw new ProxyDenial(401, 'unauthorized', 'the agent key is not a Caracal key');
    const access = await this.reader.read(keyId);
    const presented = Buffer.from(hashApiKey(key), 'hex');
    // Compare even when the row is missing, so timing does not reveal which key ids exist.
    const stored = Buffer.from(access?.keyHash ?? '0'.repeat(64), 'hex');
    if (!timingSafeEqual(presented, stored) || access === null || access.keyStatus !== 'active') {
      throw new ProxyDenial(401, 'unauthorized', 'the agent key is not valid or has been revoked');
    }
    return { agentId: access.agentId, keyId, access };
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
