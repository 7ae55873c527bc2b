// The client's transport (node:http) against a real local server: what arrives, the timeouts, and
// that a stream left unread is closed. The commands' requests and answers are in the *-commands.spec.ts files.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CliError } from './cli-error.js';
import { GatewayClient } from './gateway-client.js';

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

let server: Server;
let url: string;
let handle: Handler;

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => handle(request, Buffer.concat(chunks).toString('utf8'), response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  handle = () => {
    throw new Error('no handler set');
  };
});

function client(timeoutMs = 30_000): GatewayClient {
  return new GatewayClient({ url, token: 'cat_test-token', tokenSource: 'test' }, timeoutMs);
}

function ndjson(response: ServerResponse): void {
  response.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('GatewayClient', () => {
  it('sends the token, a JSON body with its byte length (non-ASCII too), and parses the answer', async () => {
    let seen: { method?: string; headers: IncomingMessage['headers']; body: string } | undefined;
    handle = (request, body, response) => {
      seen = { method: request.method, headers: request.headers, body };
      response.writeHead(201, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ name: 'café ✓' }));
    };
    const answer = await client().post<{ name: string }>('/v1/agents', { name: 'café ✓' });
    expect(answer).toEqual({ name: 'café ✓' });
    expect(seen?.method).toBe('POST');
    expect(seen?.headers.authorization).toBe('Bearer cat_test-token');
    expect(seen?.headers['content-type']).toBe('application/json');
    expect(seen?.headers['content-length']).toBe(String(Buffer.byteLength(seen!.body)));
    expect(JSON.parse(seen!.body)).toEqual({ name: 'café ✓' });
  });

  it('reports a gateway that does not answer within the timeout as such', async () => {
    handle = () => {
      // Never answers.
    };
    await expect(client(200).get('/v1/agents')).rejects.toThrow(
      new CliError(`the Caracal gateway at ${url} did not answer within 0.2 seconds.`, 1),
    );
  });

  it('reports a 4xx answer with the body that is not the documented error shape by its status line', async () => {
    handle = (_request, _body, response) => {
      response.writeHead(404, { 'Content-Type': 'text/html' });
      response.end('<html>not here</html>');
    };
    await expect(client().get('/v1/agents')).rejects.toThrow('the gateway answered 404 Not Found');
  });

  it('hands over NDJSON records as they arrive, and times out when the next one does not come', async () => {
    handle = (_request, _body, response) => {
      ndjson(response);
      response.write('{"progress":1}\n{"prog');
      // The rest of the second record never comes.
    };
    const records: unknown[] = [];
    await expect(client(200).getRecords('/v1/merkle/verify-range', {}, (record) => records.push(record))).rejects.toThrow(
      `the Caracal gateway at ${url} did not answer within 0.2 seconds.`,
    );
    expect(records).toEqual([{ progress: 1 }]);
  });

  it('closes a stream the caller stops reading', async () => {
    let closed = false;
    handle = (_request, _body, response) => {
      ndjson(response);
      response.on('close', () => (closed = true));
      response.write('{"n":1}\n{"n":2}\n');
      // The answer is left open: only the client closing it ends it.
    };
    for await (const record of client().streamRecords('/v1/merkle/export', {})) {
      expect(record).toEqual({ n: 1 });
      break;
    }
    await until(() => closed, 'the server to see the answer closed');
    expect(closed).toBe(true);
  });

  it('closes an answer to a stream request that is not NDJSON, unread', async () => {
    let closed = false;
    handle = (_request, _body, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.on('close', () => (closed = true));
      response.write('{"partial":');
    };
    const records = client().streamRecords('/v1/merkle/export', {});
    await expect(records.next()).rejects.toThrow(`the gateway at ${url} did not answer GET /v1/merkle/export with NDJSON records.`);
    await until(() => closed, 'the server to see the answer closed');
    expect(closed).toBe(true);
  });
});
