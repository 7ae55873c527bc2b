/**
 * Agents for the load, made through the admin API: each with a budget large enough never to
 * deny during the benchmark, and OpenAI allowed.
 */
export async function createBenchAgents(gatewayUrl: string, adminToken: string, count: number): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const created = await admin(gatewayUrl, adminToken, '/v1/agents', { name: `bench-agent-${i}-${Math.random().toString(36).slice(2, 8)}`, owner: 'bench@example.com' });
    const agentId = (created.agent as { agentId: string }).agentId;
    await admin(gatewayUrl, adminToken, '/v1/policies', { agentId, limit: '1000000000.00', currency: 'USD', timeWindow: 'total', windowType: 'calendar', changeReason: 'gateway benchmark' });
    await admin(gatewayUrl, adminToken, '/v1/allowlists', { agentId, pattern: 'https://api.openai.com/*', patternType: 'glob' });
    keys.push((created.apiKey as { key: string }).key);
  }
  return keys;
}

async function admin(gatewayUrl: string, adminToken: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${gatewayUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`POST ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** Headers of an agent's OpenAI call through the gateway. */
export function agentHeaders(key: string): Record<string, string> {
  return { 'content-type': 'application/json', authorization: `Bearer ${key}` };
}

export const CARACAL_OPENAI_PATH = '/proxy/openai/v1/chat/completions';
