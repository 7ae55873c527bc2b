import type { MockUpstream } from '../mock-upstream.js';
import { CHAT_BODY, type BenchPath } from './path.js';

/** The baseline: the load generator calls the mock upstream itself. */
export function directPath(mock: MockUpstream): BenchPath {
  return {
    name: 'direct to the mock',
    measuresC1: true,
    database: null,
    start: async () => ({
      request: { origins: [mock.url], path: '/v1/chat/completions', headerSets: [{ 'content-type': 'application/json', authorization: 'Bearer sk-bench' }], body: CHAT_BODY },
      processes: [],
      stop: async () => {},
    }),
    dispose: async () => {},
  };
}
