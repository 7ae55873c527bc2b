import type { Readable } from 'node:stream';
import { nestsDeeperThan } from '../http/json-depth.js';
import { ProxyDenial } from '../http/proxy-denial.js';

/**
 * Reads a request body that must be priced before forwarding (LLM JSON), refusing it once it
 * passes the limit instead of buffering without bound. Listeners rather than `for await`: the
 * async iterator costs a generator, a promise per chunk and an end-of-stream watcher on every
 * request, for a body that is one chunk.
 */
export function readBoundedBody(stream: Readable | undefined, limitBytes: number): Promise<Buffer> {
  if (!stream || stream.readableEnded) return Promise.resolve(Buffer.alloc(0));
  if (stream.destroyed) return Promise.reject(new Error('the request body was closed before its end'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error: unknown, body?: Buffer): void => {
      stream.off('data', onData).off('end', onEnd).off('error', finish).off('close', onClose);
      if (body === undefined) reject(error);
      else resolve(body);
    };
    const onData = (chunk: Buffer | string): void => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      if (size > limitBytes) {
        // The rest is read and dropped (the stream flows with no listener) rather than the
        // socket destroyed, which cut the 413 off before the agent could read it.
        finish(new ProxyDenial(413, 'payload_too_large', `request body exceeds ${limitBytes} bytes (CARACAL_PROXY_MAX_REQUEST_BYTES)`));
        return;
      }
      chunks.push(buffer);
    };
    const onEnd = (): void => finish(null, Buffer.concat(chunks, size));
    // Closed without its end (the agent went away): the caller tells a disconnect by the socket.
    const onClose = (): void => finish(new Error('the request body was closed before its end'));
    stream.on('data', onData).once('end', onEnd).once('error', finish).once('close', onClose);
  });
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
