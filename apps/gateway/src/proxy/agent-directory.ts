import { Inject, Injectable } from '@nestjs/common';
import type { ChainAgent } from '../../../../libs/domain/src/index.js';
import type { SqlClient } from '../../../../libs/event-store/src/index.js';
import { SQL_CLIENT } from '../injection-tokens.js';
import { ProxyDenial } from './proxy-denial.js';

export interface AgentPath {
  agentId: string;
  rootAgentId: string;
  /** Root first, ending with the agent itself. */
  chain: ChainAgent[];
}

/**
 * The agent and every ancestor with their current status, in one query. The budget group
 * commit re-checks these statuses under row locks, so a suspension racing this read still wins.
 */
@Injectable()
export class AgentDirectory {
  constructor(@Inject(SQL_CLIENT) private readonly sql: SqlClient) {}

  async path(agentId: string): Promise<AgentPath> {
    const { rows } = await this.sql.query<{ agent_id: string; status: string; root_agent_id: string; ancestor_ids: string[] }>(
      `WITH me AS (SELECT agent_id, root_agent_id, ancestor_ids FROM agents WHERE agent_id = $1)
       SELECT a.agent_id, a.status, me.root_agent_id, me.ancestor_ids
       FROM me JOIN agents a ON a.agent_id = me.agent_id
                            OR a.agent_id IN (SELECT jsonb_array_elements_text(me.ancestor_ids)::uuid)`,
      [agentId],
    );
    if (rows.length === 0) throw new ProxyDenial(401, 'unauthorized', 'the agent key belongs to no registered agent');
    const ancestors = rows[0].ancestor_ids;
    const status = new Map(rows.map((row) => [String(row.agent_id), row.status as ChainAgent['status']]));
    const order = [...ancestors, agentId];
    const chain = order.map((id) => ({ agentId: id, status: status.get(id) ?? 'unregistered' }));
    const suspended = chain.find((agent) => agent.status === 'suspended');
    if (suspended) {
      throw new ProxyDenial(403, 'agent_suspended', suspended.agentId === agentId
        ? `agent ${agentId} is suspended; reactivate it with: caracal agent reactivate --agent-id ${agentId}`
        : `ancestor agent ${suspended.agentId} of agent ${agentId} is suspended`, { agent_id: suspended.agentId });
    }
    return { agentId, rootAgentId: String(rows[0].root_agent_id), chain };
  }
}
