/** The rate line verify-range and verify-export print on stderr (human output only): events checked per second of wall time. */
export function formatVerificationRate(events: number, elapsedMs: number): string {
  const seconds = Math.max(elapsedMs, 1) / 1000;
  return `verified ${events.toLocaleString('en-US')} events in ${seconds.toFixed(1)} s (${Math.round(events / seconds).toLocaleString('en-US')} events/s)`;
}
