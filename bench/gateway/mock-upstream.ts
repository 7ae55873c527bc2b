import { spawnLogged, waitForLog, type BenchChild } from './child-process.js';

export interface MockUpstream {
  /** Origin, e.g. http://127.0.0.1:4711 (answers POST /v1/chat/completions). */
  url: string;
  child: BenchChild;
}

export async function startMockUpstream(logDir: string): Promise<MockUpstream> {
  const child = spawnLogged('mock-upstream', process.execPath, [new URL('./mock-upstream-server.js', import.meta.url).pathname], { env: {}, cwd: logDir, logDir });
  const url = await waitForLog(child, /listening on (http:\/\/\S+)/);
  return { url, child };
}
