import { CliError, EXIT_GATEWAY_FAILURE } from './cli-error.js';
import type { ConnectionSettings } from './connection-settings.js';
import type { ErrorBody } from './gateway-api.js';

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

function isNdjson(response: Response): boolean {
  return (response.headers.get('content-type') ?? '').startsWith(NDJSON) && response.body !== null;
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
    if (!response.ok) {
      const body = parseJson(text);
      if (body.ok && isReport(body.value)) return { status: response.status, body: body.value };
      throw this.errorFromAnswer(response, text);
    }
    return { status: response.status, body: this.parseAnswer<T>('GET', path, response, text) };
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
      if (!isNdjson(response)) return this.parseAnswer<unknown>('GET', path, response, await this.readText(response));
      for await (const record of this.records(path, response.body!, timeout)) onRecord(record);
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
      yield* this.records(path, response.body!, timeout);
    } finally {
      timeout.clear();
    }
  }

  /** Sends an NDJSON GET with a per-record timeout (armed now); a 4xx/5xx answer is an error. */
  private async openRecords(path: string, query: QueryParameters): Promise<{ response: Response; timeout: RecordTimeout }> {
    const timeout = new RecordTimeout(this.timeoutMs);
    try {
      const response = await fetch(`${this.settings.url}${withQuery(path, query)}`, {
        headers: { Authorization: `Bearer ${this.settings.token}`, Accept: NDJSON },
        signal: timeout.signal,
      });
      if (!response.ok) throw this.errorFromAnswer(response, await response.text());
      return { response, timeout };
    } catch (error) {
      timeout.clear();
      if (error instanceof CliError) throw error;
      throw this.unreachableError(error);
    }
  }

  /** The answer's records in order. The timeout is off while the caller handles a record. */
  private async *records(path: string, body: ReadableStream<Uint8Array>, timeout: RecordTimeout): AsyncGenerator<unknown> {
    const decoder = new TextDecoder();
    let pending = '';
    try {
      for await (const chunk of body) {
        timeout.clear();
        pending += decoder.decode(chunk, { stream: true });
        const lines = pending.split('\n');
        pending = lines.pop()!;
        for (const line of lines) if (line.trim() !== '') yield this.parseRecord(path, line);
        timeout.arm();
      }
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw this.unreachableError(error);
    }
    if (pending.trim() !== '') yield this.parseRecord(path, pending);
  }

  private async readText(response: Response): Promise<string> {
    try {
      return await response.text();
    } catch (error) {
      throw this.unreachableError(error);
    }
  }

  private parseRecord(path: string, line: string): unknown {
    const parsed = parseJson(line);
    if (parsed.ok) return parsed.value;
    throw new CliError(`the gateway at ${this.settings.url} answered GET ${path} with a record that is not JSON.`, EXIT_GATEWAY_FAILURE);
  }

  private async request<T>(method: string, path: string, body?: object): Promise<T> {
    const { response, text } = await this.exchange(method, path, body);
    if (!response.ok) throw this.errorFromAnswer(response, text);
    return this.parseAnswer<T>(method, path, response, text);
  }

  private async exchange(method: string, path: string, body?: object): Promise<{ response: Response; text: string }> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.settings.token}`,
      Accept: 'application/json',
    };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    try {
      const response = await fetch(`${this.settings.url}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      return { response, text: await response.text() };
    } catch (error) {
      throw this.unreachableError(error);
    }
  }

  private parseAnswer<T>(method: string, path: string, response: Response, text: string): T {
    const parsed = parseJson(text);
    if (parsed.ok) return parsed.value as T;
    throw new CliError(
      `the gateway at ${this.settings.url} answered ${method} ${path} with ${response.status} and a body that is not JSON.`,
      EXIT_GATEWAY_FAILURE,
    );
  }

  private unreachableError(error: unknown): CliError {
    if (error instanceof Error && error.name === 'TimeoutError') {
      return new CliError(
        `the Caracal gateway at ${this.settings.url} did not answer within ${this.timeoutMs / 1000} seconds.`,
        EXIT_GATEWAY_FAILURE,
      );
    }
    // fetch wraps the socket error: `TypeError: fetch failed` with the cause (ECONNREFUSED, ENOTFOUND...).
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
    return new CliError(`cannot reach the Caracal gateway at ${this.settings.url} (${reason}).`, EXIT_GATEWAY_FAILURE, [
      'Start the embedded gateway with `npm start`, or point the CLI at a running one with --url or CARACAL_URL.',
    ]);
  }

  private errorFromAnswer(response: Response, text: string): GatewayError {
    const body = parseErrorBody(text);
    if (!body) {
      return new GatewayError(response.status, undefined, `the gateway answered ${response.status} ${response.statusText}`.trim(), []);
    }
    const detailLines = (body.details ?? []).map((detail) => `${detail.field}: ${detail.message}`);
    if (response.status === 401) {
      detailLines.push(`The admin token came from ${this.settings.tokenSource}; check that it is the gateway's.`);
    }
    if (response.status >= 500 && body.request_id) {
      // The request id is what finds this failure in the gateway's logs.
      detailLines.push(`request id: ${body.request_id}`);
    }
    return new GatewayError(response.status, body, body.message, detailLines);
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
