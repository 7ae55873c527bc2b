import { Injectable } from '@nestjs/common';
import { compileAllowlist, type AllowlistMatcher, type PatternType } from '@caracal/domain';
import type { AllowlistEntryRow as EntryRow } from '../agents/agent-access.reader.js';
import { TargetRefusal } from './target-refusal.js';

export interface AllowlistVerdict {
  entryId: string;
  /** The entry names the host literally (glob without a wildcard host): private addresses allowed. */
  namesHostExplicitly: boolean;
}

const MATCHER_CACHE_LIMIT = 10_000;

/**
 * Matches the normalised URL against the agent's current entries (read with the key on every
 * request, so a removal takes effect at once); compiled matchers are cached by the entry set,
 * because compiling RE2 patterns is the expensive part.
 */
@Injectable()
export class AllowlistGuard {
  private readonly matchers = new Map<string, AllowlistMatcher>();

  check(agentId: string, rows: readonly EntryRow[], resourceUrl: string): AllowlistVerdict {
    if (rows.length === 0) {
      throw new TargetRefusal('allowlist', resourceUrl, 403, 'resource_not_allowed', `agent ${agentId} has no allowlist entries, so every resource is denied; add one with: caracal allowlist create --agent-id ${agentId} --pattern "<url pattern>" --pattern-type glob`, { resource: resourceUrl });
    }
    const match = this.matcher(rows).match(resourceUrl);
    if (!match.allowed || match.matchedEntryId === null) {
      throw new TargetRefusal('allowlist', match.normalizedUrl, 403, 'resource_not_allowed', `no allowlist entry of agent ${agentId} matches ${match.normalizedUrl}; add one with: caracal allowlist create --agent-id ${agentId} --pattern "<url pattern>" --pattern-type glob`, { resource: match.normalizedUrl });
    }
    const entry = rows.find((row) => row.entry_id === match.matchedEntryId) as EntryRow;
    return { entryId: match.matchedEntryId, namesHostExplicitly: entry.pattern_type === 'glob' && namesHost(entry.pattern, resourceUrl) };
  }

  private matcher(rows: readonly EntryRow[]): AllowlistMatcher {
    const key = rows.map((row) => `${row.entry_id}`).join(',');
    let matcher = this.matchers.get(key);
    if (!matcher) {
      if (this.matchers.size >= MATCHER_CACHE_LIMIT) this.matchers.clear();
      matcher = compileAllowlist(rows.map((row) => ({ entryId: row.entry_id, pattern: row.pattern, patternType: row.pattern_type as PatternType })));
      this.matchers.set(key, matcher);
    }
    return matcher;
  }
}

/** A glob whose host part has no wildcard and equals the URL's host names that host explicitly. */
function namesHost(pattern: string, url: string): boolean {
  const host = /^[a-z][a-z0-9+.-]*:\/\/([^/]+)/i.exec(pattern)?.[1];
  if (!host || host.includes('*')) return false;
  try {
    return new URL(url).hostname === new URL(`http://${host}`).hostname;
  } catch {
    return false;
  }
}
