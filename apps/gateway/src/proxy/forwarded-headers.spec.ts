import { describe, expect, it } from '@jest/globals';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './forwarded-headers.js';

describe('forwarded headers', () => {
  it('strip the agent key, Caracal headers and hop-by-hop fields, and inject the provider credential', () => {
    const headers = upstreamRequestHeaders(
      {
        authorization: 'Bearer ck_agent_key',
        'x-api-key': 'ck_agent_key',
        'x-caracal-key': 'ck_agent_key',
        'x-caracal-target-url': 'https://example.com',
        connection: 'keep-alive, x-secret-hop',
        'x-secret-hop': '1',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        host: 'localhost:8443',
        'content-type': 'application/json',
        'openai-beta': 'assistants=v2',
      },
      { authorization: 'Bearer sk-provider' },
    );
    expect(headers).toEqual({
      'content-type': 'application/json',
      'openai-beta': 'assistants=v2',
      authorization: 'Bearer sk-provider',
    });
  });

  it('never forwards the agent key even with no credential to inject', () => {
    expect(upstreamRequestHeaders({ authorization: 'Bearer ck_x', 'x-api-key': 'ck_x' }, {})).toEqual({});
  });

  it('drop hop-by-hop fields from the response', () => {
    expect(downstreamResponseHeaders({ 'content-type': 'text/event-stream', connection: 'close', 'transfer-encoding': 'chunked', 'x-request-id': 'r1' }))
      .toEqual({ 'content-type': 'text/event-stream', 'x-request-id': 'r1' });
  });

  it('keep the length of a body the upstream sent whole, and only then', () => {
    expect(downstreamResponseHeaders({ 'content-type': 'application/json', 'content-length': '10' }))
      .toEqual({ 'content-type': 'application/json', 'content-length': '10' });
    expect(downstreamResponseHeaders({ 'content-length': '10', 'transfer-encoding': 'chunked' })).toEqual({});
    expect(downstreamResponseHeaders({ 'content-length': ['10', '12'] })).toEqual({});
  });
});
