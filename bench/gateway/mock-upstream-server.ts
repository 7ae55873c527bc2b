import { createServer } from 'node:http';

// The stand-in for OpenAI, run as its own process (started by mock-upstream.ts) so that its CPU
// is measured apart from the gateway's and the load generator's. It answers every chat
// completion at once with a small body and a `usage` object, like a very fast model.

const ANSWER = JSON.stringify({
  id: 'chatcmpl-bench', object: 'chat.completion', created: 1, model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
});

const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    if (request.method === 'POST' && request.url?.split('?')[0] === '/v1/chat/completions') {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(ANSWER) }).end(ANSWER);
    } else {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    }
  });
});
// Longer than the proxies' idle upstream connections live, so that none of them reuses a
// connection this server has just closed.
server.keepAliveTimeout = 120_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(`mock upstream listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
