import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** nginx's "client closed request": not an HTTP answer anyone receives, a status for metrics. */
export const CLIENT_CLOSED_REQUEST = 499;

/**
 * The agent's side of one proxied request. An agent that goes away before its answer is complete
 * is not a failure of ours: the proxy stops (releasing a hold nothing was forwarded on), cancels
 * the upstream call, and counts the request as a client disconnect rather than a server error.
 */
export class ClientConnection {
  private readonly controller = new AbortController();
  private readonly socket: Socket;

  constructor(private readonly response: ServerResponse) {
    this.socket = response.req.socket;
    response.once('close', () => {
      if (!response.writableFinished) this.controller.abort();
    });
  }

  /** Aborted when the agent goes away: passed to the upstream call so it does not run on. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /**
   * Read from the socket too: a failure the disconnect causes (the request body's "aborted")
   * can reach our code before the response's close event has.
   */
  get gone(): boolean {
    return (this.controller.signal.aborted || this.socket.destroyed) && !this.response.writableFinished;
  }
}

/** The agent went away before anything was forwarded. */
export class ClientDisconnectedError extends Error {
  constructor(readonly stage: string) {
    super(`the client disconnected ${stage}`);
    this.name = 'ClientDisconnectedError';
  }
}
