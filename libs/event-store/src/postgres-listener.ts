import pg from 'pg';
import { toStoreError } from './connection-failure.js';

const RECONNECT_MIN_DELAY_MS = 100;
const RECONNECT_MAX_DELAY_MS = 5_000;

type Handler = (payload: string) => void;

/**
 * LISTEN needs a connection of its own: a pooled connection goes back to the pool and stops
 * hearing notifications. After an error this client reconnects with backoff, LISTENs again and
 * calls every handler once with an empty payload, because notifications sent while it was
 * disconnected are lost and readers must look for themselves.
 */
export class PostgresListener {
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  private readonly handlers = new Map<string, Set<Handler>>();
  private reconnectTimer: NodeJS.Timeout | null = null;
  private reconnectDelayMs = RECONNECT_MIN_DELAY_MS;
  private closed = false;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly onBackgroundError: (error: unknown) => void,
  ) {}

  async listen(channel: string, handler: Handler): Promise<() => Promise<void>> {
    if (this.closed) throw new Error('listener is closed');
    const existing = this.handlers.get(channel);
    if (existing) {
      existing.add(handler);
    } else {
      this.handlers.set(channel, new Set([handler]));
      try {
        const client = await this.connected();
        await client.query(`LISTEN ${quoteIdentifier(channel)}`);
      } catch (error) {
        this.handlers.delete(channel);
        throw toStoreError(error);
      }
    }
    return () => this.unlisten(channel, handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.handlers.clear();
    const client = this.client ?? (await this.connecting?.catch(() => null));
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async unlisten(channel: string, handler: Handler): Promise<void> {
    const handlers = this.handlers.get(channel);
    if (!handlers?.delete(handler) || handlers.size > 0) return;
    this.handlers.delete(channel);
    await this.client?.query(`UNLISTEN ${quoteIdentifier(channel)}`).catch(this.onBackgroundError);
  }

  private connected(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.connect().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client(this.config);
    client.on('notification', (message) => this.dispatch(message.channel, message.payload ?? ''));
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, null));
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      await client.end();
      throw new Error('listener is closed');
    }
    this.client = client;
    return client;
  }

  private dispatch(channel: string, payload: string): void {
    for (const handler of this.handlers.get(channel) ?? []) handler(payload);
  }

  private lost(client: pg.Client, error: Error | null): void {
    if (this.client !== client) return;
    this.client = null;
    if (error) this.onBackgroundError(error);
    void client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer || this.handlers.size === 0) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.reconnect();
    }, this.reconnectDelayMs);
    this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, RECONNECT_MAX_DELAY_MS);
  }

  private async reconnect(): Promise<void> {
    let client: pg.Client | null = null;
    try {
      client = await this.connected();
      for (const channel of this.handlers.keys()) await client.query(`LISTEN ${quoteIdentifier(channel)}`);
      this.reconnectDelayMs = RECONNECT_MIN_DELAY_MS;
      for (const channel of this.handlers.keys()) this.dispatch(channel, '');
    } catch (error) {
      this.onBackgroundError(error);
      if (client && this.client === client) {
        this.client = null;
        void client.end().catch(() => undefined);
      }
      this.scheduleReconnect();
    }
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
