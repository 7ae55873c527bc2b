/** What the runtime reports: lease changes, retries, parked events, infrastructure errors. */
export interface ProcessorLogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  processor: string;
  version: number;
  owner: string;
  eventId?: string;
  error?: unknown;
}

export type ProcessorLogger = (entry: ProcessorLogEntry) => void;

/** Warnings and errors to the console; debug/info dropped (a service passes its own logger). */
export const consoleProcessorLogger: ProcessorLogger = (entry) => {
  if (entry.level !== 'warn' && entry.level !== 'error') return;
  const where = `caracal processor ${entry.processor}@v${entry.version} (${entry.owner})`;
  const detail = entry.error instanceof Error ? `: ${entry.error.message}` : entry.error === undefined ? '' : `: ${String(entry.error)}`;
  (entry.level === 'error' ? console.error : console.warn)(`${where}: ${entry.message}${detail}`);
};
