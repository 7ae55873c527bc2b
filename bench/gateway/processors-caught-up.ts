import { setTimeout as sleep } from 'node:timers/promises';

interface HealthReport {
  checks?: { processors?: Record<string, { eventsBehind?: number }> };
}

/**
 * Waits until every processor has handled every event in the log, as the gateway's /health
 * reports it, for at most `deadlineMs`; returns how long that took, or null if it did not happen.
 * The c=64 load before a c=1 window leaves the processors a backlog (they get less CPU than the
 * gateway while it is saturated): a c=1 window started on it would measure requests competing
 * with that catch-up, not an agent calling one request after another.
 */
export async function processorsCaughtUp(gatewayUrl: string, deadlineMs = 60_000): Promise<number | null> {
  const started = Date.now();
  while (Date.now() - started < deadlineMs) {
    // Each call bounded by what is left of the deadline, so a /health that never answers ends the wait too.
    const report = await fetch(new URL('/health', gatewayUrl), { signal: AbortSignal.timeout(Math.max(1, deadlineMs - (Date.now() - started))) })
      .then((response) => response.json() as Promise<HealthReport>)
      .catch(() => ({}) as HealthReport);
    const processors = Object.values(report.checks?.processors ?? {});
    if (processors.length > 0 && processors.every((processor) => processor.eventsBehind === 0)) return Date.now() - started;
    await sleep(100);
  }
  return null;
}
