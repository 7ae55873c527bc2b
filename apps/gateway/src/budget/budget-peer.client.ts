import { Agent, request } from 'undici';
import { decodeResult, encodeCommand, type ForwardedCommand, type ForwardedResult } from './forwarded-command.codec.js';

/** The path the owner takes forwarded commands on (BudgetPeerController). */
export const FORWARDED_COMMANDS_PATH = '/internal/budget-commands';
/** A forwarded hold waits for the owner's group commit; past this the owner counts as unreachable. */
const PEER_TIMEOUT_MS = 5_000;
const MAX_BATCH = 256;
/** Failures at connect time: nothing reached the owner. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * The owner could not be asked, or did not answer. `delivered`: whether it may have decided the
 * commands anyway (the request went out and the answer was lost), as opposed to never having
 * received them (refused at connect, or refused before deciding anything: a 4xx).
 */
export class PeerUnreachableError extends Error {
  constructor(
    readonly url: string,
    readonly delivered: boolean,
    cause: string,
  ) {
    super(`the budget stream's owner at ${url} did not answer (${cause})`);
    this.name = 'PeerUnreachableError';
  }
}

interface Waiting {
  command: ForwardedCommand;
  resolve(result: ForwardedResult): void;
  reject(error: unknown): void;
}

interface PeerQueue {
  waiting: Waiting[];
  sending: boolean;
}

/**
 * Forwards budget commands to the process that owns their stream. Like the stream's writer, it
 * sends one request at a time to each owner and gathers the commands that arrive meanwhile into
 * the next: at c=64 a process sends one request per owner's group commit, not one per hold.
 */
export class BudgetPeerClient {
  private readonly agent = new Agent({ keepAliveTimeout: 30_000, connections: 4, headersTimeout: PEER_TIMEOUT_MS, bodyTimeout: PEER_TIMEOUT_MS, connect: { timeout: 2_000 } });
  private readonly peers = new Map<string, PeerQueue>();
  private readonly authorization: string;

  constructor(adminToken: string) {
    this.authorization = `Bearer ${adminToken}`;
  }

  forward(url: string, command: ForwardedCommand): Promise<ForwardedResult> {
    let peer = this.peers.get(url);
    if (peer === undefined) {
      peer = { waiting: [], sending: false };
      this.peers.set(url, peer);
    }
    const queue = peer;
    return new Promise<ForwardedResult>((resolve, reject) => {
      queue.waiting.push({ command, resolve, reject });
      if (!queue.sending) void this.send(url, queue);
    });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async send(url: string, peer: PeerQueue): Promise<void> {
    peer.sending = true;
    try {
      while (peer.waiting.length > 0) {
        const batch = peer.waiting.splice(0, MAX_BATCH);
        try {
          const results = await this.post(url, batch.map((waiting) => waiting.command));
          batch.forEach((waiting, i) => waiting.resolve(results[i]));
        } catch (error) {
          for (const waiting of batch) waiting.reject(error);
        }
      }
    } finally {
      peer.sending = false;
    }
  }

  private async post(url: string, commands: ForwardedCommand[]): Promise<ForwardedResult[]> {
    let answer;
    try {
      answer = await request(`${url}${FORWARDED_COMMANDS_PATH}`, {
        method: 'POST',
        dispatcher: this.agent,
        headers: { 'content-type': 'application/json', authorization: this.authorization },
        body: JSON.stringify({ commands: commands.map(encodeCommand) }),
      });
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'unknown';
      throw new PeerUnreachableError(url, !NOT_CONNECTED.has(code), code);
    }
    let body: unknown;
    try {
      body = await answer.body.json();
    } catch (error) {
      throw new PeerUnreachableError(url, true, `unreadable answer: ${(error as Error).message}`);
    }
    // A 4xx is refused before anything is decided (a bad token, a command it cannot read).
    if (answer.statusCode !== 200) throw new PeerUnreachableError(url, answer.statusCode >= 500, `HTTP ${answer.statusCode}`);
    const results = (body as { results?: unknown }).results;
    if (!Array.isArray(results) || results.length !== commands.length) throw new PeerUnreachableError(url, true, 'an answer of the wrong length');
    return results.map(decodeResult);
  }
}
