// Stream names, in one place so the handlers, projections and tests agree on them.

export function agentStreamId(agentId: string): string {
  return `agent-${agentId}`;
}

/** One budget stream per delegation root: see docs/domain.md, "Consistency boundary". */
export function budgetStreamId(rootAgentId: string): string {
  return `budget-${rootAgentId}`;
}

export function allowlistStreamId(agentId: string): string {
  return `allowlist-${agentId}`;
}
