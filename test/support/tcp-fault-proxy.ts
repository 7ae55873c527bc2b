import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface TcpFaultProxy {
  /** 127.0.0.1 port the proxy listens on. */
  port: number;
  /** Connections accepted and piped to the target so far (refused ones not counted). */
  readonly connectionsAccepted: number;
  /** Whether the proxy is cut. */
  readonly isCut: boolean;
  /**
   * Cuts the link, as a network partition or a stopped server would: every open connection is
   * reset (both sides) and every new one is reset as soon as it is accepted, until restore().
   */
  cut(): void;
  /** Forwards new connections again. */
  restore(): void;
  close(): Promise<void>;
}

/**
 * A TCP relay the test controls, put between a process and a server (e.g. the gateway and
 * PostgreSQL) to take the server "down" for that process only, without touching the real server
 * (which other tests share).
 */
export async function startTcpFaultProxy(targetHost: string, targetPort: number): Promise<TcpFaultProxy> {
  const live = new Set<Socket>();
  let cut = false;
  let accepted = 0;

  const reset = (socket: Socket): void => {
    // An RST, not a FIN: the peer sees ECONNRESET, as on a dead link.
    if (typeof socket.resetAndDestroy === 'function' && !socket.destroyed) socket.resetAndDestroy();
    else socket.destroy();
  };
  const track = (socket: Socket): void => {
    live.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => live.delete(socket));
  };

  const server: Server = createServer((client) => {
    track(client);
    if (cut) {
      reset(client);
      return;
    }
    accepted++;
    client.pause();
    const upstream = createConnection({ host: targetHost, port: targetPort });
    track(upstream);
    upstream.once('connect', () => {
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    const teardown = (): void => {
      reset(client);
      reset(upstream);
    };
    client.once('close', teardown);
    upstream.once('close', teardown);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    port,
    get connectionsAccepted() {
      return accepted;
    },
    get isCut() {
      return cut;
    },
    cut() {
      cut = true;
      for (const socket of [...live]) reset(socket);
    },
    restore() {
      cut = false;
    },
    close() {
      cut = true;
      for (const socket of [...live]) reset(socket);
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
