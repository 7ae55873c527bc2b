/**
 * The floor under Caracal's added latency: the gateway's HTTP stack (Fastify in, a keep-alive
 * undici pool out, the answer relayed as the gateway relays it) with nothing else: no
 * authentication, pricing, hold or settlement. What Caracal adds over this path is what
 * enforcement costs; what this path adds over direct is what the stack costs. Not a product.
 *
 *   node dist/bench/gateway/bare-proxy-server.js <upstream origin>
 */
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { Agent, request as upstreamRequest, type Dispatcher } from 'undici';
import { readBoundedBody } from '../../apps/gateway/src/proxy/request-body.js';
import { relayResponse } from '../../apps/gateway/src/proxy/response-relay.js';

const upstream = process.argv[2];
if (upstream === undefined) throw new Error('usage: bare-proxy-server.js <upstream origin>');
const dispatcher = new Agent({ keepAliveTimeout: 30_000, connections: 256 });
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding']);

const app = Fastify({ logger: false });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', (_request: FastifyRequest, payload: IncomingMessage, done: (error: Error | null, body?: unknown) => void) => done(null, payload));
app.all('/proxy/openai/*', async (request: FastifyRequest, reply: FastifyReply) => {
  const body = await readBoundedBody(request.body as Readable | undefined, 1024 * 1024);
  const response = await upstreamRequest(`${upstream}/${(request.params as { '*': string })['*']}`, {
    method: request.method as Dispatcher.HttpMethod,
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
    body,
    dispatcher,
  });
  reply.hijack();
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  }
  reply.raw.writeHead(response.statusCode, headers);
  await relayResponse(response.body, reply.raw, new AbortController().signal, () => undefined);
});
await app.listen({ host: '127.0.0.1', port: 0 });
console.log(`listening on http://127.0.0.1:${(app.server.address() as AddressInfo).port}`);
