import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js';
import { StoreUnavailableError } from './event-store.errors.js';
import type { PgliteClientOptions } from './pglite-client.js';
import { reviveError, type WorkerReply, type WorkerRequest } from './pglite-worker-protocol.js';
import type { SqlClient, SqlExecutor } from './sql-client.js';

type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/**
 * SqlClient over PGlite running in a worker thread (pglite-worker.ts), for the embedded gateway:
 * PostgreSQL's work (most of a proxied request's CPU in that profile) runs beside the request
 * thread instead of on it. PGlite still has one connection: a transaction holds it from BEGIN to
 * COMMIT and every other query waits, as with openPgliteClient. Runs from the built code only
 * (the worker is dist/.../pglite-worker.js); tests in Jest use openPgliteClient.
 */
export async function openPgliteWorkerClient(options: PgliteClientOptions = {}): Promise<SqlClient> {
  const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
  const lock: DataDirLock | null = dataDir === undefined ? null : acquireDataDirLock(dataDir);
  const worker = new Worker(new URL('./pglite-worker.js', import.meta.url), { workerData: { dataDir } });
  const calls = new Map<number, { resolve(result: unknown): void; reject(error: unknown): void }>();
  const listeners = new Map<string, Set<(payload: string) => void>>();
  let nextId = 0;
  let gone: Error | null = null;

  const fail = (error: Error): void => {
    gone ??= error;
    for (const call of calls.values()) call.reject(new StoreUnavailableError(error));
    calls.clear();
  };
  worker.on('message', (message: WorkerReply) => {
    if ('notification' in message) {
      listeners.get(message.notification)?.forEach((listener) => listener(message.payload));
      return;
    }
    const call = calls.get(message.id);
    calls.delete(message.id);
    if (message.ok) call?.resolve(message.result);
    else call?.reject(reviveError(message.error));
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the embedded database's worker thread exited (code ${code})`)));

  const send = <T>(request: Request): Promise<T> =>
    new Promise<T>((resolveCall, rejectCall) => {
      if (gone) {
        rejectCall(new StoreUnavailableError(gone));
        return;
      }
      nextId += 1;
      calls.set(nextId, { resolve: resolveCall as (result: unknown) => void, reject: rejectCall });
      worker.postMessage({ ...request, id: nextId });
    });

  // The one connection: a transaction and a lone query never interleave.
  let tail: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const run = tail.then(work, work);
    tail = run.catch(() => undefined);
    return run;
  };
  const executor: SqlExecutor = { query: (sql, params, preparedName) => send({ op: 'query', sql, params, preparedName }) };

  try {
    await send({ op: 'open' });
  } catch (error) {
    await worker.terminate();
    lock?.release();
    throw error;
  }

  return {
    backend: 'pglite',
    query: (sql, params, preparedName) => exclusive(() => executor.query(sql, params, preparedName)),
    transaction: (fn) =>
      exclusive(async () => {
        await executor.query('BEGIN');
        try {
          const result = await fn(executor);
          await executor.query('COMMIT');
          return result;
        } catch (error) {
          await executor.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      }),
    async listen(channel, onNotify) {
      let channelListeners = listeners.get(channel);
      if (!channelListeners) {
        channelListeners = new Set();
        listeners.set(channel, channelListeners);
        await exclusive(() => send({ op: 'listen', channel }));
      }
      channelListeners.add(onNotify);
      return async () => {
        channelListeners.delete(onNotify);
        if (channelListeners.size > 0 || listeners.get(channel) !== channelListeners) return;
        listeners.delete(channel);
        if (!gone) await exclusive(() => send({ op: 'unlisten', channel }));
      };
    },
    dumpDataDir: (read) =>
      exclusive(async () => {
        const result = await read(executor);
        return { read: result, tarball: await send<Uint8Array>({ op: 'dumpDataDir' }) };
      }),
    async close() {
      try {
        if (!gone) {
          await exclusive(() => send({ op: 'close' }));
          await worker.terminate();
        }
      } finally {
        lock?.release();
      }
    },
  };
}
