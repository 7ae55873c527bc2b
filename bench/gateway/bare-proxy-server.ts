/**
 * The floor under Caracal's added latency: the gateway's HTTP stack (Fastify in, a keep-alive
 * undici pool out, the answer relayed as the gateway relays it) with nothing else: no
 * authentication, pricing, hold or settlement. What Caracal adds over this path is what
 * enforcement costs; what this path adds over direct is what the stack costs. Not a product.
 *
 * With a database URL it also commits one row per request to PostgreSQL (a synchronous commit,
 * one round trip, awaited) before it forwards: the floor under any design that holds durably
 * before forwarding, as DESIGN.md requires, with no decision, no batching and no event log.
 *
 *   node dist/bench/gateway/bare-proxy-server.js <upstream origin> [<database url>]
 */
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import pg from 'pg';
import { Agent, request as upstreamRequest, type Dispatcher } from 'undici';
import { readBoundedBody } from '../../apps/gateway/src/proxy/request-body.js';
import { relayResponse } from '../../apps/gateway/src/proxy/response-relay.js';

const [upstream, databaseUrl] = process.argv.slice(2);
if (upstream === undefined) throw new Error('usage: bare-proxy-server.js <upstream origin> [<database url>]');
const dispatcher = new Agent({ keepAliveTimeout: 30_000, connections: 256 });
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding']);
const holds = databaseUrl === undefined ? null : await openHolds(databaseUrl);

const app = Fastify({ logger: false });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', (_request: FastifyRequest, payload: IncomingMessage, done: (error: Error | null, body?: unknown) => void) => done(null, payload));
app.all('/proxy/openai/*', async (request: FastifyRequest, reply: FastifyReply) => {
  const body = await readBoundedBody(request.body as Readable | undefined, 1024 * 1024);
  if (holds !== null) await holds.query({ name: 'bench_hold', text: 'INSERT INTO bench_holds (request_id, amount_nanos) VALUES ($1, $2)', values: [String(request.id), body.length] });
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

/** A pool as wide as the gateway's by default (database.pool_size 10), on a table of one row per request. */
async function openHolds(url: string): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  await pool.query('CREATE TABLE IF NOT EXISTS bench_holds (hold_id bigserial PRIMARY KEY, request_id text NOT NULL, amount_nanos bigint NOT NULL, held_at timestamptz NOT NULL DEFAULT now())');
  return pool;
}
