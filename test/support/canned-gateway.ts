// A throw-away HTTP server standing in for the gateway in the CLI's unit tests: it records each
// request and answers what the test says, as JSON or as NDJSON records.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The body's text ('' for none). */
  body: string;
}

export interface CannedAnswer {
  status?: number;
  body: unknown;
  /** Send `body` (an array) as NDJSON records. */
  ndjson?: boolean;
}

/** Picks the answer of a request from its method and path (without the query). */
export type Answerer = (method: string, path: string) => CannedAnswer;

export const NOT_FOUND: CannedAnswer = { status: 404, body: { error: 'not_found', message: 'no such route in this test', request_id: 'req-test' } };

export class CannedGateway {
  readonly requests: RecordedRequest[] = [];
  answer: Answerer = () => NOT_FOUND;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<CannedGateway> {
    const server = createServer();
    const gateway = new CannedGateway(server);
    server.on('request', (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const url = request.url ?? '/';
        const method = request.method ?? '';
        gateway.requests.push({ method, url, headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        const answer = gateway.answer(method, new URL(url, 'http://gateway').pathname);
        const status = answer.status ?? 200;
        if (answer.ndjson) {
          response.writeHead(status, { 'Content-Type': 'application/x-ndjson' });
          response.end((answer.body as unknown[]).map((record) => `${JSON.stringify(record)}\n`).join(''));
        } else {
          response.writeHead(status, { 'Content-Type': 'application/json' });
          response.end(JSON.stringify(answer.body));
        }
      });
    });
    // A request Node's parser refuses (headers over its limit) never becomes a 'request': it is
    // recorded too, as the gateway would have received it, and answered as Node would.
    server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
      gateway.requests.push({ method: '', url: '', headers: {}, body: '' });
      const status = error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return gateway;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Answers from a table keyed `METHOD /path`; anything else is a 404. */
  answerFrom(routes: Record<string, CannedAnswer>): void {
    this.answer = (method, path) => routes[`${method} ${path}`] ?? NOT_FOUND;
  }

  async close(): Promise<void> {
    await new Promise((resolve) => this.server.close(resolve));
  }
}
