import type { ChainAgent } from '@caracal/domain';
import type { AgentAccess } from '../agents/agent-access.reader.js';
import { ProxyDenial } from '../http/proxy-denial.js';

export interface AgentPath {
  agentId: string;
  rootAgentId: string;
  /** Root first, ending with the agent itself. */
  chain: ChainAgent[];
}

/**
 * The agent and every ancestor with their status as read with the key. The budget group commit
 * re-checks these statuses under row locks, so a suspension racing this read still wins.
 */
export function agentPath(access: AgentAccess): AgentPath {
  const { agentId } = access;
  if (access.rootAgentId === null) throw new ProxyDenial(401, 'unauthorized', 'the agent key belongs to no registered agent');
  const order = [...access.ancestorIds, agentId];
  const chain = order.map((id) => ({ agentId: id, status: (access.statuses.get(id) ?? 'unregistered') as ChainAgent['status'] }));
  const suspended = chain.find((agent) => agent.status === 'suspended');
  if (suspended) {
    throw new ProxyDenial(403, 'agent_suspended', suspended.agentId === agentId
      ? `agent ${agentId} is suspended; reactivate it with: caracal agent reactivate --agent-id ${agentId}`
      : `ancestor agent ${suspended.agentId} of agent ${agentId} is suspended`, { agent_id: suspended.agentId });
  }
  return { agentId, rootAgentId: access.rootAgentId, chain };
}
