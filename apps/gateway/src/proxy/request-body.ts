import type { Readable } from 'node:stream';
import { nestsDeeperThan } from '../http/json-depth.js';
import { ProxyDenial } from '../http/proxy-denial.js';

/**
 * Reads a request body that must be priced before forwarding (LLM JSON), refusing it once it
 * passes the limit instead of buffering without bound.
 */
export async function readBoundedBody(stream: Readable | undefined, limitBytes: number): Promise<Buffer> {
  if (!stream) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > limitBytes) {
      stream.destroy();
      throw new ProxyDenial(413, 'payload_too_large', `request body exceeds ${limitBytes} bytes (CARACAL_PROXY_MAX_REQUEST_BYTES)`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, size);
}

/** Far deeper than LLM requests nest (tool schemas included), far shallower than the pricing code's stack. */
export const MAX_LLM_JSON_DEPTH = 64;

export function parseJsonBody(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new ProxyDenial(400, 'invalid_request_body', `request body is not valid JSON: ${(error as Error).message}`, { field: 'body' });
  }
  if (nestsDeeperThan(body, MAX_LLM_JSON_DEPTH)) {
    throw new ProxyDenial(400, 'invalid_request_body', `request body nests objects and arrays deeper than ${MAX_LLM_JSON_DEPTH} levels`, { field: 'body' });
  }
  return body;
}
