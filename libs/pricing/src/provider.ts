export type Provider = 'openai' | 'anthropic';

export const PROVIDERS: readonly Provider[] = ['openai', 'anthropic'];

export function isProvider(value: unknown): value is Provider {
  return value === 'openai' || value === 'anthropic';
}
