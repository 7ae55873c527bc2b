import { parentPort, workerData } from 'node:worker_threads';
import { openPglite, pgliteExecutor, pglitePreparedStatements } from './pglite-client.js';
import { serializeError, type WorkerReply, type WorkerRequest } from './pglite-worker-protocol.js';

// The worker thread of openPgliteWorkerClient: owns the PGlite instance and runs what the
// client sends, in the order it arrives (the client keeps transactions serialized).

const port = parentPort;
if (port === null) throw new Error('pglite-worker must run in a worker thread');
const reply = (message: WorkerReply): void => port.postMessage(message);

const opening = openPglite((workerData as { dataDir?: string }).dataDir);
opening.catch(() => undefined); // reported as the reply to the client's 'open'
// Outside db.transaction(): the client's transactions arrive as BEGIN ... COMMIT queries.
const executing = opening.then(async (db) => pgliteExecutor(db, await pglitePreparedStatements(db), false));
executing.catch(() => undefined);
const unlisteners = new Map<string, () => Promise<void>>();

port.on('message', (request: WorkerRequest) => {
  void handle(request).then(
    (result) => reply({ id: request.id, ok: true, result }),
    (error: unknown) => reply({ id: request.id, ok: false, error: serializeError(error) }),
  );
});

async function handle(request: WorkerRequest): Promise<unknown> {
  const db = await opening;
  switch (request.op) {
    case 'open':
      return null;
    case 'query':
      return (await executing).query(request.sql, request.params, request.preparedName);
    case 'listen': {
      const { channel } = request;
      if (!unlisteners.has(channel)) {
        unlisteners.set(channel, await db.listen(channel, (payload) => reply({ notification: channel, payload })));
      }
      return null;
    }
    case 'unlisten': {
      const unlisten = unlisteners.get(request.channel);
      unlisteners.delete(request.channel);
      if (unlisten && !db.closed) await unlisten();
      return null;
    }
    case 'dumpDataDir':
      return new Uint8Array(await (await db.dumpDataDir('gzip')).arrayBuffer());
    case 'close':
      if (!db.closed) await db.close();
      return null;
  }
}
