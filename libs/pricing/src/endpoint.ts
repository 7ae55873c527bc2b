import type { Provider } from './provider.js';

/** The priced API surfaces. Each belongs to exactly one provider. */
export type Endpoint = 'chat.completions' | 'responses' | 'embeddings' | 'messages';

const PATHS: Record<Provider, Record<string, Endpoint>> = {
  openai: {
    '/v1/chat/completions': 'chat.completions',
    '/v1/responses': 'responses',
    '/v1/embeddings': 'embeddings',
  },
  anthropic: { '/v1/messages': 'messages' },
};

/**
 * Maps an upstream request path (after `/proxy/{upstream}`, query string ignored, trailing slash
 * tolerated) to a priced endpoint; null when the path is not a priced LLM endpoint.
 */
export function endpointFromPath(provider: Provider, path: string): Endpoint | null {
  const bare = path.split('?', 1)[0].replace(/\/+$/, '');
  return PATHS[provider][bare] ?? null;
}

export function providerOf(endpoint: Endpoint): Provider {
  return endpoint === 'messages' ? 'anthropic' : 'openai';
}
