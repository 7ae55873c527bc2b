import type { IncomingHttpHeaders } from 'node:http';

// RFC 9110 §7.6.1: connection-specific fields are for one hop only.
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization',
  'te', 'trailer', 'transfer-encoding', 'upgrade',
]);

// The agent's own credential and our control headers never leave the gateway; host and length
// are set by the client library for the new hop.
const NEVER_FORWARDED = new Set(['authorization', 'x-api-key', 'host', 'content-length', 'expect']);

export type HeaderMap = Record<string, string | string[]>;

/** Headers for the upstream request: hop-by-hop and Caracal headers removed, credential injected. */
export function upstreamRequestHeaders(incoming: IncomingHttpHeaders, credential: HeaderMap): HeaderMap {
  const dropped = connectionListed(incoming.connection);
  const out: HeaderMap = {};
  for (const name in incoming) {
    const value = incoming[name];
    const lower = name.toLowerCase();
    if (value === undefined || HOP_BY_HOP.has(lower) || NEVER_FORWARDED.has(lower) || dropped?.has(lower)) continue;
    if (lower.startsWith('x-caracal-')) continue;
    out[lower] = value;
  }
  for (const name in credential) out[name] = credential[name];
  return out;
}

/**
 * Headers for the response to the agent: hop-by-hop removed. The relay passes the upstream's body
 * bytes on unchanged, so a single Content-Length of a body sent without Transfer-Encoding is its
 * length here too: keeping it spares the agent's connection a chunked frame, and the server a
 * write of its own for the last chunk of every answer. Otherwise our server frames the body.
 */
export function downstreamResponseHeaders(upstream: Record<string, string | string[] | undefined>): HeaderMap {
  const dropped = connectionListed(upstream.connection);
  const keepsLength = upstream['transfer-encoding'] === undefined && typeof upstream['content-length'] === 'string';
  const out: HeaderMap = {};
  for (const name in upstream) {
    const value = upstream[name];
    const lower = name.toLowerCase();
    if (value === undefined || HOP_BY_HOP.has(lower) || dropped?.has(lower) || (lower === 'content-length' && !keepsLength)) continue;
    out[lower] = value;
  }
  return out;
}

/** Extra fields named in Connection; null (the common case) when it names none. */
function connectionListed(connection: string | string[] | undefined): Set<string> | null {
  if (connection === undefined) return null;
  const text = Array.isArray(connection) ? connection.join(',') : connection;
  const listed = text.split(',').map((token) => token.trim().toLowerCase()).filter((token) => token !== '' && !HOP_BY_HOP.has(token));
  return listed.length === 0 ? null : new Set(listed);
}
