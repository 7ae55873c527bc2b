import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface MockUsage {
  inputTokens: number;
  outputTokens: number;
}

export interface MockUpstream {
  url: string;
  received: ReceivedRequest[];
  /** Usage the mock reports in every response (defaults to 10 in / 5 out). */
  usage: MockUsage;
  /** When set, every request is answered with this status and no usage. */
  failWith: number | null;
  /** When true, a streamed OpenAI answer sends its first chunk and then waits for the caller to go away. */
  stallStreams: boolean;
  /** Streamed answers whose connection the caller closed before the stream ended. */
  abandonedStreams: number;
  close(): Promise<void>;
}

/**
 * A stand-in for the paid APIs outside our system (the only thing tests mock): OpenAI chat
 * completions and Anthropic messages, plain and streaming (SSE), and a generic JSON resource.
 * It records every request it receives, so a test can prove what was (not) forwarded.
 */
export async function startMockUpstream(): Promise<MockUpstream> {
  const mock: MockUpstream = {
    url: '',
    received: [],
    usage: { inputTokens: 10, outputTokens: 5 },
    failWith: null,
    stallStreams: false,
    abandonedStreams: 0,
    close: async () => {},
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      mock.received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      if (mock.failWith !== null) {
        response.writeHead(mock.failWith, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'mock failure' } }));
        return;
      }
      const parsed = body && request.headers['content-type']?.includes('json') ? (JSON.parse(body) as Record<string, unknown>) : {};
      const path = (request.url ?? '').split('?')[0];
      if (path.endsWith('/redirect')) {
        response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
        return;
      }
      if (path.endsWith('/chat/completions')) return openAiChat(parsed, mock, response);
      if (path.endsWith('/messages')) return anthropicMessages(parsed, mock.usage, response);
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, path }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  mock.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  mock.close = () => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return mock;
}

type Response = ServerResponse;

function openAiChat(body: Record<string, unknown>, mock: MockUpstream, response: Response): void {
  const usage = mock.usage;
  const usageJson = { prompt_tokens: usage.inputTokens, completion_tokens: usage.outputTokens, total_tokens: usage.inputTokens + usage.outputTokens };
  const model = String(body.model ?? 'gpt-4o-mini');
  if (body.stream === true) {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    const base = { id: 'chatcmpl-mock', object: 'chat.completion.chunk', created: 1, model };
    response.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' }, finish_reason: null }] })}\n\n`);
    response.on('close', () => {
      if (!response.writableEnded) mock.abandonedStreams += 1;
    });
    if (mock.stallStreams) return;
    response.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: 'lo' }, finish_reason: 'stop' }] })}\n\n`);
    const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    if (includeUsage) response.write(`data: ${JSON.stringify({ ...base, choices: [], usage: usageJson })}\n\n`);
    response.end('data: [DONE]\n\n');
    return;
  }
  response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
    id: 'chatcmpl-mock', object: 'chat.completion', created: 1, model,
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop' }],
    usage: usageJson,
  }));
}

function anthropicMessages(body: Record<string, unknown>, usage: MockUsage, response: Response): void {
  const model = String(body.model ?? 'claude-sonnet-4-20250514');
  if (body.stream === true) {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    const send = (event: string, data: unknown): boolean => response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    send('message_start', { type: 'message_start', message: { id: 'msg_mock', type: 'message', role: 'assistant', model, content: [], usage: { input_tokens: usage.inputTokens, output_tokens: 1 } } });
    send('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    send('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } });
    send('content_block_stop', { type: 'content_block_stop', index: 0 });
    send('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: usage.outputTokens } });
    send('message_stop', { type: 'message_stop' });
    response.end();
    return;
  }
  response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
    id: 'msg_mock', type: 'message', role: 'assistant', model,
    content: [{ type: 'text', text: 'Hello' }], stop_reason: 'end_turn',
    usage: { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens },
  }));
}
