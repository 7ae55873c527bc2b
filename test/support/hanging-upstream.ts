import { createServer, type ServerResponse } from 'node:http';

export interface HangingUpstream {
  url: string;
  /** Paths of the requests received (answered or not), in arrival order. */
  received: string[];
  /** Requests under /hang received and still unanswered. */
  readonly hanging: number;
  close(): Promise<void>;
}

/**
 * A resource that never answers requests under `/hang` (they stay open until the caller goes
 * away or close()), and answers anything else at once with 200 JSON: a way to keep holds open
 * for as long as a test needs.
 */
export async function startHangingUpstream(): Promise<HangingUpstream> {
  const open = new Set<ServerResponse>();
  const upstream: HangingUpstream = {
    url: '',
    received: [],
    get hanging() {
      return open.size;
    },
    close: async () => {},
  };
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const path = (request.url ?? '').split('?')[0];
      upstream.received.push(request.url ?? '');
      if (path.startsWith('/hang')) {
        open.add(response);
        response.once('close', () => open.delete(response));
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, path }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  upstream.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  upstream.close = () => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return upstream;
}
