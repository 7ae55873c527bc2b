import type { UpstreamConfig } from '@caracal/config';
import type { HeaderMap } from './forwarded-headers.js';

/** Each provider's own auth header, filled with the gateway's credential (agents never see it). */
export function upstreamCredentialHeaders(upstream: UpstreamConfig | null): HeaderMap {
  if (upstream === null || upstream.credential === null) return {};
  return upstream.provider === 'anthropic' ? { 'x-api-key': upstream.credential } : { authorization: `Bearer ${upstream.credential}` };
}
