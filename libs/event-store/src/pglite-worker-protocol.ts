/** What openPgliteWorkerClient sends its worker thread (pglite-worker.ts). */
export type WorkerRequest =
  | { id: number; op: 'open' }
  | { id: number; op: 'query'; sql: string; params?: readonly unknown[]; preparedName?: string }
  | { id: number; op: 'listen'; channel: string }
  | { id: number; op: 'unlisten'; channel: string }
  | { id: number; op: 'dumpDataDir' }
  | { id: number; op: 'close' };

export type WorkerReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: SerializedError }
  | { notification: string; payload: string };

/** An error as it crosses the thread boundary: structured clone keeps only message and stack. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** PostgreSQL's fields (code, constraint, detail...): what callers classify errors by. */
  fields: Record<string, string | number>;
}

export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} };
  const fields: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(error)) {
    if (typeof value === 'string' || typeof value === 'number') fields[key] = value;
  }
  return { name: error.name, message: error.message, stack: error.stack, fields };
}

export function reviveError(serialized: SerializedError): Error {
  const error = Object.assign(new Error(serialized.message), serialized.fields);
  error.name = serialized.name;
  if (serialized.stack !== undefined) error.stack = serialized.stack;
  return error;
}
