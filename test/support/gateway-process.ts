import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/**
 * The event authentication key for production-profile processes (CARACAL_EVENT_AUTH_KEY): they
 * refuse to start without one, and gateway and projector must share it for the sealer to accept
 * the gateway's events. One per test process.
 */
export const E2E_EVENT_AUTH_KEY = randomBytes(32).toString('hex');
const GATEWAY_MAIN = `${REPO_ROOT}dist/apps/gateway/src/main.js`;
const PROJECTOR_MAIN = `${REPO_ROOT}dist/apps/projector/src/main.js`;

export interface GatewayProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<number | null>;
  /** Sends `signal` (default SIGKILL: a crash, no shutdown hooks) and resolves when the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts the built gateway as a real process on a free port and waits (with a deadline) for the
 * line that says where it listens. Env is given whole, so no DATABASE_URL leaks in by accident.
 */
export async function startGatewayProcess(env: Record<string, string>, cwd: string, deadlineMs = 60_000): Promise<GatewayProcess> {
  return startAppProcess('gateway', GATEWAY_MAIN, /listening on (http:\/\/\S+)/, env, cwd, deadlineMs);
}

/** Starts the built projector (apps/projector); `url` is its metrics URL. */
export async function startProjectorProcess(env: Record<string, string>, cwd: string, deadlineMs = 60_000): Promise<GatewayProcess> {
  const projector = await startAppProcess('projector', PROJECTOR_MAIN, /metrics on :(\d+)\/metrics/, env, cwd, deadlineMs);
  return { ...projector, url: `http://127.0.0.1:${projector.url}/metrics` };
}

async function startAppProcess(name: string, main: string, ready: RegExp, env: Record<string, string>, cwd: string, deadlineMs: number): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [main], {
    cwd,
    // Free ports by default: tests run several processes, and 8443/9090 may be taken.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? cwd, CARACAL_PORT: '0', CARACAL_METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${deadlineMs} ms:\n${output}`)), deadlineMs);
    const check = (): void => {
      const match = ready.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready:\n${output}`));
    });
  });

  return {
    url,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
