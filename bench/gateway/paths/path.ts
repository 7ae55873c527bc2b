import type { BenchChild } from '../child-process.js';
import type { LoadSpec } from '../load-spec.js';

/** What the load generator needs to send to a path, and which processes serve it. */
export interface RunningPath {
  request: Pick<LoadSpec, 'origins' | 'path' | 'headerSets' | 'body'>;
  /** The path's own processes (the mock upstream and PostgreSQL are measured apart). */
  processes: BenchChild[];
  /** Caracal's paths: resolves once its processors have handled the whole log (ms waited, null past the deadline). */
  processorsCaughtUp?(): Promise<number | null>;
  stop(): Promise<void>;
}

/** One way of getting a request to the mock upstream: direct, through a peer, or through Caracal. */
export interface BenchPath {
  name: string;
  /** Whether latency at c=1 is measured (the 64-budget path is measured at c=64 only). */
  measuresC1: boolean;
  /** The PostgreSQL database it writes to, whose statistics are read; null for none. */
  database: string | null;
  /** Starts the path's processes (once per round). */
  start(): Promise<RunningPath>;
  /** Removes what the path keeps across rounds (databases, data directories). */
  dispose(): Promise<void>;
}

/** The request every path forwards: a small OpenAI chat completion. */
export const CHAT_BODY = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello.' }], max_tokens: 16 });
