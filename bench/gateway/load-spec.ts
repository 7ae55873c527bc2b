/** What the load generator sends, the same way for every path. */
export interface LoadSpec {
  /** Request i of worker w goes to origins[w % origins.length] (several gateway processes). */
  origins: string[];
  path: string;
  /** Worker w sends headerSets[w % headerSets.length] (one agent key per worker for 64 budgets). */
  headerSets: Record<string, string>[];
  body: string;
  concurrency: number;
  /** Run for this long, or until `requests` have completed. */
  durationMs?: number;
  requests?: number;
}

export interface LoadResult {
  completed: number;
  ok: number;
  /** Answers that were not 2xx, by status; "error" for requests that got no answer. */
  failures: Record<string, number>;
  elapsedMs: number;
  p50Ms: number;
  p99Ms: number;
  /** Time from the start at which each tenth of `requests` had completed (requests mode only). */
  sliceEndsMs: number[];
  /** The generator's own CPU while it ran (user + system). */
  cpuMs: number;
}
