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
  /**
   * true: the access as it was when it last admitted a hold (remember), not read for this
   * request. Good for admitting only with the hold's commit confirming it (RememberedAccess);
   * anything refused on it is decided again on a fresh read.
   */
  remembered: boolean;
}

/** How long an access is used without reading it again (the hold's commit confirms it each time). */
const REMEMBER_FOR_MS = 60_000;
/** Keys remembered at once; past it, the longest remembered is dropped. */
const MAX_REMEMBERED = 10_000;

/**
 * Finds the agent behind a Caracal key in any of the places SDKs put a key (Authorization
 * Bearer for OpenAI clients, x-api-key for Anthropic clients, X-Caracal-Key for everything else):
 * key id → one indexed row → constant-time hash comparison.
 *
 * A key that admitted a hold is remembered with its access, so its next requests skip the read:
 * the read is a database round trip on every request, and the hold's commit, which the request
 * waits for anyway, can confirm the same facts (the key active, the path's agents active, the
 * allowlist entry in place) in its own statement. A revocation, suspension or removal that
 * commits before that hold still refuses it.
 */
@Injectable()
export class AgentKeyAuthenticator {
  private readonly remembered = new Map<string, { access: AgentAccess; untilMs: number }>();

  constructor(private readonly reader: AgentAccessReader) {}

  /** `fresh`: read the access even if it is remembered. */
  async authenticate(headers: IncomingHttpHeaders, options: { fresh?: boolean } = {}): Promise<AuthenticatedAgent> {
    const key = presentedKey(headers);
    if (key === null) throw new ProxyDenial(401, 'unauthorized', 'missing Caracal agent key: send it as "Authorization: Bearer <key>", "x-api-key" or "X-Caracal-Key"');
    const keyId = apiKeyId(key);
    if (keyId === null) throw new ProxyDenial(401, 'unauthorized', 'the agent key is not a Caracal key');
    const presented = Buffer.from(hashApiKey(key), 'hex');
    if (options.fresh !== true) {
      const hit = this.remembered.get(keyId);
      // A key that does not match goes on to the read: only the database may refuse it.
      if (hit !== undefined && hit.untilMs > Date.now() && timingSafeEqual(presented, Buffer.from(hit.access.keyHash, 'hex'))) {
        return { agentId: hit.access.agentId, keyId, access: hit.access, remembered: true };
      }
    }
    const access = await this.reader.read(keyId);
    // Compare even when the row is missing, so timing does not reveal which key ids exist.
    const stored = Buffer.from(access?.keyHash ?? '0'.repeat(64), 'hex');
    if (!timingSafeEqual(presented, stored) || access === null || access.keyStatus !== 'active') {
      this.remembered.delete(keyId);
      throw new ProxyDenial(401, 'unauthorized', 'the agent key is not valid or has been revoked');
    }
    return { agentId: access.agentId, keyId, access, remembered: false };
  }

  /** Keeps an access read for a request whose hold committed, for the key's next requests. */
  remember(agent: AuthenticatedAgent): void {
    if (agent.remembered) return;
    this.remembered.delete(agent.keyId);
    if (this.remembered.size >= MAX_REMEMBERED) this.remembered.delete(this.remembered.keys().next().value as string);
    this.remembered.set(agent.keyId, { access: agent.access, untilMs: Date.now() + REMEMBER_FOR_MS });
  }

  /** The remembered access turned out wrong (refused on it, or its hold's commit found it changed). */
  forget(keyId: string): void {
    this.remembered.delete(keyId);
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
