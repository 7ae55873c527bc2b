import type { IncomingMessage } from 'node:http';
import { CliError, EXIT_GATEWAY_FAILURE } from './cli-error.js';
import type { ConnectionSettings } from './connection-settings.js';
import type { ErrorBody } from '@caracal/api-contract';

/** Admin calls are small; a gateway that has not answered by then is stuck, not slow. */
const REQUEST_TIMEOUT_MS = 30_000;
const NDJSON = 'application/x-ndjson';

/** `/v1/<segments>`, each segment encoded, so an id can never change which route is called. */
export function apiPath(...segments: string[]): string {
  return `/v1/${segments.map(encodeURIComponent).join('/')}`;
}

export type QueryParameters = Record<string, string | number | boolean | undefined>;

/** The gateway answered with a 4xx/5xx status. */
export class GatewayError extends CliError {
  constructor(
    readonly status: number,
    /** The parsed error body, when the answer had the documented shape. */
    readonly body: ErrorBody | undefined,
    message: string,
    detailLines: readonly string[],
  ) {
    super(message, EXIT_GATEWAY_FAILURE, detailLines);
    this.name = 'GatewayError';
  }
}

/** Aborts a streamed answer when no record arrives within the timeout. */
class RecordTimeout {
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  readonly signal = this.abort.signal;

  constructor(private readonly ms: number) {
    this.arm();
  }

  arm(): void {
    this.clear();
    this.timer = setTimeout(() => this.abort.abort(new DOMException('no record within the timeout', 'TimeoutError')), this.ms);
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

function isNdjson(response: IncomingMessage): boolean {
  return (response.headers['content-type'] ?? '').startsWith(NDJSON);
}

function isOk(response: IncomingMessage): boolean {
  return response.statusCode! >= 200 && response.statusCode! < 300;
}

/**
 * Sends one request and resolves with the answer once its status and headers are in; the body is
 * left to the caller. node:http rather than fetch: fetch's first use compiles the bundled undici and
 * its WebAssembly HTTP parser, and the process waits for that compilation before it can exit,
 * together about 0.2 s of every CLI command. Aborting `signal` destroys the request and its answer.
 */
async function send(url: URL, method: string, headers: Record<string, string>, body: string | undefined, signal: AbortSignal): Promise<IncomingMessage> {
  const { request } = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method, headers, signal }, resolve);
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

async function readText(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Calls the gateway's admin API (docs/api.md) with the admin token. */
export class GatewayClient {
  constructor(
    private readonly settings: ConnectionSettings,
    private readonly timeoutMs: number = REQUEST_TIMEOUT_MS,
  ) {}

  get<T>(path: string, query: QueryParameters = {}): Promise<T> {
    return this.request<T>('GET', withQuery(path, query));
  }

  post<T>(path: string, body: object): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  patch<T>(path: string, body: object): Promise<T> {
    return this.request<T>('PATCH', path, body);
  }

  put<T>(path: string, body: object): Promise<T> {
    return this.request<T>('PUT', path, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  /**
   * A GET whose answer is a report even when the status is not 2xx (`/v1/ops/health` answers 503
   * with the health report). A non-2xx answer is returned when `isReport` recognises its body,
   * and is an error as usual otherwise (a documented error body, a proxy's HTML page).
   */
  async getReport<T>(path: string, isReport: (body: unknown) => body is T): Promise<{ status: number; body: T }> {
    const { response, text } = await this.exchange('GET', path);
    if (!isOk(response)) {
      const body = parseJson(text);
      if (body.ok && isReport(body.value)) return { status: response.statusCode!, body: body.value };
      throw this.errorFromAnswer(response, text);
    }
    return { status: response.statusCode!, body: this.parseAnswer<T>('GET', path, response, text) };
  }

  /**
   * A GET answered as NDJSON (`Accept: application/x-ndjson`, e.g. verify-range with progress):
   * each record goes to `onRecord` as it arrives. The timeout is per record, not for the whole
   * answer, so a long verification that keeps reporting progress is not cut off. A 4xx/5xx
   * answer is an error as with get(). A gateway that does not stream answers plain JSON: that
   * body is returned (and no record is handed over); undefined after a stream.
   */
  async getRecords(path: string, query: QueryParameters, onRecord: (record: unknown) => void): Promise<unknown> {
    const { response, timeout } = await this.openRecords(path, query);
    try {
      if (!isNdjson(response)) return this.parseAnswer<unknown>('GET', path, response, await this.readBody(response, timeout));
      for await (const record of this.records(path, response, timeout)) onRecord(record);
      return undefined;
    } finally {
      timeout.clear();
    }
  }

  /**
   * A GET answered as NDJSON, pulled record by record: the next chunk is read only when the caller
   * asks for the next record, so a slow consumer (writing an export to disk) holds back the
   * gateway instead of buffering the answer in memory. Timeout per record; a 4xx/5xx answer, or
   * one that is not NDJSON, is an error.
   */
  async *streamRecords(path: string, query: QueryParameters): AsyncGenerator<unknown> {
    const { response, timeout } = await this.openRecords(path, query);
    try {
      if (!isNdjson(response)) {
        throw new CliError(`the gateway at ${this.settings.url} did not answer GET ${path} with NDJSON records.`, EXIT_GATEWAY_FAILURE);
      }
      yield* this.records(path, response, timeout);
    } finally {
      timeout.clear();
      // An answer that is not NDJSON is left unread: close it, or its socket keeps the process alive.
      response.destroy();
    }
  }

  /** Sends an NDJSON GET with a per-record timeout (armed now); a 4xx/5xx answer is an error. */
  private async openRecords(path: string, query: QueryParameters): Promise<{ response: IncomingMessage; timeout: RecordTimeout }> {
    const timeout = new RecordTimeout(this.timeoutMs);
    try {
      const headers = { Authorization: `Bearer ${this.settings.token}`, Accept: NDJSON };
      const response = await send(this.urlOf(withQuery(path, query)), 'GET', headers, undefined, timeout.signal);
      if (!isOk(response)) throw this.errorFromAnswer(response, await this.readBody(response, timeout));
      return { response, timeout };
    } catch (error) {
      timeout.clear();
      if (error instanceof CliError) throw error;
      throw this.unreachableError(error, timeout.signal);
    }
  }

  /** The answer's records in order. The timeout is off while the caller handles a record. */
  private async *records(path: string, body: IncomingMessage, timeout: RecordTimeout): AsyncGenerator<unknown> {
    const decoder = new TextDecoder();
    let pending = '';
    try {
      for await (const chunk of body) {
        timeout.clear();
        pending += decoder.decode(chunk as Buffer, { stream: true });
        const lines = pending.split('\n');
        pending = lines.pop()!;
        for (const line of lines) if (line.trim() !== '') yield this.parseRecord(path, line);
        timeout.arm();
      }
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw this.unreachableError(error, timeout.signal);
    }
    if (pending.trim() !== '') yield this.parseRecord(path, pending);
  }

  private async readBody(response: IncomingMessage, timeout: RecordTimeout): Promise<string> {
    try {
      return await readText(response);
    } catch (error) {
      throw this.unreachableError(error, timeout.signal);
    }
  }

  private parseRecord(path: string, line: string): unknown {
    const parsed = parseJson(line);
    if (parsed.ok) return parsed.value;
    throw new CliError(`the gateway at ${this.settings.url} answered GET ${path} with a record that is not JSON.`, EXIT_GATEWAY_FAILURE);
  }

  private async request<T>(method: string, path: string, body?: object): Promise<T> {
    const { response, text } = await this.exchange(method, path, body);
    if (!isOk(response)) throw this.errorFromAnswer(response, text);
    return this.parseAnswer<T>(method, path, response, text);
  }

  private async exchange(method: string, path: string, body?: object): Promise<{ response: IncomingMessage; text: string }> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.settings.token}`,
      Accept: 'application/json',
    };
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const response = await send(this.urlOf(path), method, headers, payload, signal);
      return { response, text: await readText(response) };
    } catch (error) {
      throw this.unreachableError(error, signal);
    }
  }

  private urlOf(path: string): URL {
    return new URL(`${this.settings.url}${path}`);
  }

  private parseAnswer<T>(method: string, path: string, response: IncomingMessage, text: string): T {
    const parsed = parseJson(text);
    if (parsed.ok) return parsed.value as T;
    throw new CliError(
      `the gateway at ${this.settings.url} answered ${method} ${path} with ${response.statusCode} and a body that is not JSON.`,
      EXIT_GATEWAY_FAILURE,
    );
  }

  /** `signal` is the request's timeout: once it has fired, whatever error the abort caused is reported as the timeout. */
  private unreachableError(error: unknown, signal: AbortSignal): CliError {
    if (signal.aborted) {
      return new CliError(
        `the Caracal gateway at ${this.settings.url} did not answer within ${this.timeoutMs / 1000} seconds.`,
        EXIT_GATEWAY_FAILURE,
      );
    }
    // node:http's socket errors carry the system code (ECONNREFUSED, ENOTFOUND, ECONNRESET...).
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return new CliError(`cannot reach the Caracal gateway at ${this.settings.url} (${reason}).`, EXIT_GATEWAY_FAILURE, [
      'Start the embedded gateway with `npm start`, or point the CLI at a running one with --url or CARACAL_URL.',
    ]);
  }

  private errorFromAnswer(response: IncomingMessage, text: string): GatewayError {
    const status = response.statusCode!;
    const body = parseErrorBody(text);
    if (!body) {
      return new GatewayError(status, undefined, `the gateway answered ${status} ${response.statusMessage ?? ''}`.trim(), []);
    }
    // The gateway's validation message already lists each field ("Validation failed: url: ..."):
    // a detail line repeats only what the message does not say yet.
    const details = Array.isArray(body.details) ? body.details.filter((detail) => typeof detail?.message === 'string') : [];
    const detailLines = details
      .filter((detail) => !body.message.includes(detail.message))
      .map((detail) => `${detail.field}: ${detail.message}`);
    if (status === 401) {
      detailLines.push(`The admin token came from ${this.settings.tokenSource}; check that it is the gateway's.`);
    }
    if (status >= 500 && body.request_id) {
      // The request id is what finds this failure in the gateway's logs.
      detailLines.push(`request id: ${body.request_id}`);
    }
    return new GatewayError(status, body, body.message, detailLines);
  }
}

function withQuery(path: string, query: QueryParameters): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) search.set(name, String(value));
  }
  const encoded = search.toString();
  return encoded === '' ? path : `${path}?${encoded}`;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** The documented error body, or undefined for anything else (a proxy's HTML page, an empty body). */
function parseErrorBody(text: string): ErrorBody | undefined {
  try {
    const body = JSON.parse(text) as Partial<ErrorBody> | null;
    return typeof body?.message === 'string' ? (body as ErrorBody) : undefined;
  } catch {
    return undefined;
  }
}
