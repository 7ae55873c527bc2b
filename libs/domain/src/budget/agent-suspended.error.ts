import { DomainError } from '../errors/domain-error.js';

/** The agent, or one of its ancestors, is suspended: nothing on its path may spend. */
export class AgentSuspendedError extends DomainError {
  readonly code = 'agent_suspended';

  constructor(
    /** The suspended agent (the requester or the ancestor that is suspended). */
    readonly agentId: string,
    readonly requestingAgentId: string,
  ) {
    super(agentId === requestingAgentId ? `agent ${agentId} is suspended` : `agent ${agentId}, an ancestor of ${requestingAgentId}, is suspended`);
  }
}
