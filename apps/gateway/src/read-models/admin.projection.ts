import type { InlineProjection, RecordedEvent, SqlExecutor } from '@caracal/event-store';
import { ConflictError } from '@caracal/domain';

type Data = Record<string, unknown>;

/**
 * Projects agent, key, policy and allowlist events into the admin read models. Runs inside the
 * append's transaction (inline), and again over the whole log on a rebuild: every write is
 * guarded by the stream version or ON CONFLICT, so applying an event twice changes nothing.
 */
/**
 * The admin read models as an inline projection: given to the gateway's event store when it is
 * opened, which runs it in the transaction of every append of these events.
 */
export const adminProjection: InlineProjection = {
  eventTypes: [
    'AgentRegistered',
    'AgentUpdated',
    'AgentSuspended',
    'AgentReactivated',
    'AgentKeyIssued',
    'AgentKeyRevoked',
    'BudgetPolicyCreated',
    'BudgetPolicyChanged',
    'BudgetPolicyDeactivated',
    'AllowlistEntryAdded',
    'AllowlistEntryRemoved',
  ],
  project: projectAdminEvents,
};

async function projectAdminEvents(tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<void> {
  for (const event of events) {
    await projectAdminEvent(tx, event);
  }
}

async function projectAdminEvent(tx: SqlExecutor, event: RecordedEvent): Promise<void> {
  try {
    await applyEvent(tx, event);
  } catch (error) {
    if ((error as { code?: unknown }).code === '23505' && String((error as Error).message).includes('agents_owner_name_key')) {
      const d = event.data as Data;
      const name = d.name ?? (d.changes as Data | undefined)?.name;
      throw new ConflictError(`an agent named "${String(name)}" already exists for this owner`, { field: 'name' });
    }
    throw error;
  }
}

async function applyEvent(tx: SqlExecutor, event: RecordedEvent): Promise<void> {
  const d = event.data as Data;
  const at = event.recordedAt;
  const version = event.streamPosition.toString();
  switch (event.type) {
    case 'AgentRegistered':
      await tx.query(
        `INSERT INTO agents (agent_id, name, description, owner, parent_agent_id, root_agent_id, ancestor_ids, status,
                             suspended_reason, metadata, version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', NULL, $8, $9, $10, $10)
         ON CONFLICT (agent_id) DO NOTHING`,
        [d.agentId, d.name, d.description, d.owner, d.parentAgentId ?? null, d.rootAgentId, JSON.stringify(d.ancestorIds ?? []),
          JSON.stringify(d.metadata ?? {}), version, at],
      );
      return;
    case 'AgentUpdated': {
      const changes = (d.changes ?? {}) as Data;
      await tx.query(
        `UPDATE agents SET name = COALESCE($2, name), description = COALESCE($3, description),
                metadata = COALESCE($4::jsonb, metadata), version = $5, updated_at = $6
         WHERE agent_id = $1 AND version < $5`,
        [d.agentId, changes.name ?? null, changes.description ?? null,
          changes.metadata === undefined ? null : JSON.stringify(changes.metadata), version, at],
      );
      return;
    }
    case 'AgentSuspended':
      await setAgentStatus(tx, d.agentId, 'suspended', (d.reason as string) ?? null, version, at);
      return;
    case 'AgentReactivated':
      await setAgentStatus(tx, d.agentId, 'active', null, version, at);
      return;
    case 'AgentKeyIssued':
      await tx.query(
        `INSERT INTO agent_keys (key_id, agent_id, key_hash, status, created_at)
         VALUES ($1, $2, $3, 'active', $4) ON CONFLICT (key_id) DO NOTHING`,
        [d.keyId, d.agentId, d.keyHash, at],
      );
      await touchAgent(tx, d.agentId, version, at);
      return;
    case 'AgentKeyRevoked':
      await tx.query(
        `UPDATE agent_keys SET status = 'revoked', revoked_at = $2 WHERE key_id = $1 AND status = 'active'`,
        [d.keyId, at],
      );
      await touchAgent(tx, d.agentId, version, at);
      return;
    case 'BudgetPolicyCreated':
    case 'BudgetPolicyChanged':
      await upsertPolicy(tx, d, true, at);
      return;
    case 'BudgetPolicyDeactivated':
      await tx.query(
        `UPDATE policies SET active = false, version = $2, change_reason = $3, changed_by = $4, updated_at = $5
         WHERE policy_id = $1 AND version < $2`,
        [d.policyId, d.version, d.changeReason, d.actor, at],
      );
      await tx.query(
        `INSERT INTO policy_versions (policy_id, version, agent_id, limit_nanos, currency, time_window, window_type,
                                      timezone, active, change_reason, actor, recorded_at)
         SELECT policy_id, $2, agent_id, limit_nanos, currency, time_window, window_type, timezone, false, $3, $4, $5
         FROM policies WHERE policy_id = $1
         ON CONFLICT (policy_id, version) DO NOTHING`,
        [d.policyId, d.version, d.changeReason, d.actor, at],
      );
      return;
    case 'AllowlistEntryAdded':
      await tx.query(
        `INSERT INTO allowlist_entries (entry_id, agent_id, pattern, pattern_type, created_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (entry_id) DO NOTHING`,
        [d.entryId, d.agentId, d.pattern, d.patternType, at],
      );
      return;
    case 'AllowlistEntryRemoved':
      await tx.query(
        `UPDATE allowlist_entries SET removed_at = $2 WHERE entry_id = $1 AND removed_at IS NULL`,
        [d.entryId, at],
      );
      return;
    default:
      // Events of other read models (spend, merkle, ...) are not ours.
      return;
  }
}

async function setAgentStatus(tx: SqlExecutor, agentId: unknown, status: string, reason: string | null, version: string, at: Date): Promise<void> {
  await tx.query(
    `UPDATE agents SET status = $2, suspended_reason = $3, version = $4, updated_at = $5
     WHERE agent_id = $1 AND version < $4`,
    [agentId, status, reason, version, at],
  );
}

async function touchAgent(tx: SqlExecutor, agentId: unknown, version: string, at: Date): Promise<void> {
  await tx.query(`UPDATE agents SET version = $2, updated_at = $3 WHERE agent_id = $1 AND version < $2`, [agentId, version, at]);
}

async function upsertPolicy(tx: SqlExecutor, d: Data, active: boolean, at: Date): Promise<void> {
  const terms = [d.policyId, d.agentId, d.limitNanos, d.currency, d.timeWindow, d.windowType, d.timezone, active, d.version, d.changeReason, d.actor, at];
  await tx.query(
    `INSERT INTO policies (policy_id, agent_id, limit_nanos, currency, time_window, window_type, timezone, active,
                           version, change_reason, changed_by, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
     ON CONFLICT (policy_id) DO UPDATE SET
       limit_nanos = EXCLUDED.limit_nanos, currency = EXCLUDED.currency, time_window = EXCLUDED.time_window,
       window_type = EXCLUDED.window_type, timezone = EXCLUDED.timezone, active = EXCLUDED.active,
       version = EXCLUDED.version, change_reason = EXCLUDED.change_reason, changed_by = EXCLUDED.changed_by,
       updated_at = EXCLUDED.updated_at
     WHERE policies.version < EXCLUDED.version`,
    terms,
  );
  await tx.query(
    `INSERT INTO policy_versions (policy_id, agent_id, limit_nanos, currency, time_window, window_type, timezone, active,
                                  version, change_reason, actor, recorded_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (policy_id, version) DO NOTHING`,
    terms,
  );
}
