import type { EventStore, SqlClient } from '../../event-store/src/index.js';
import { UnknownProcessorError } from './processing.errors.js';
import type { ProcessorLogger } from './processor-logger.js';
import type { ProcessorRegistry } from './processor-registry.js';
import { ProcessorRunner, type ProcessorRunnerOptions, type ProcessorRunnerStatus } from './processor-runner.js';

export interface ProcessorHostOptions {
  client: SqlClient;
  store: Pick<EventStore, 'readAll'>;
  registry: ProcessorRegistry;
  /** Names (consumer groups) to run; null: every registered processor (highest version of each). */
  names: readonly string[] | null;
  owner?: string;
  logger?: ProcessorLogger;
  /** Batch size, polling, lease and retry settings for every runner (defaults: the runner's). */
  tuning?: Pick<ProcessorRunnerOptions, 'batchSize' | 'pollMs' | 'leaseMs' | 'retry'>;
}

/**
 * Runs a set of processors in this process: `apps/projector` in production, the gateway itself
 * in the embedded profile. Each runner takes its own lease, so several hosts may run the same
 * processors: one is active, the others stand by.
 */
export class ProcessorHost {
  private readonly runners: ProcessorRunner[];

  constructor(options: ProcessorHostOptions) {
    const names = options.names ?? [...new Set(options.registry.all().map((processor) => processor.name))];
    this.runners = names.map((name) => {
      const processor = options.registry.find(name);
      if (!processor) throw new UnknownProcessorError(name);
      return new ProcessorRunner({ ...options.tuning, client: options.client, store: options.store, processor, owner: options.owner, logger: options.logger });
    });
  }

  start(): void {
    for (const runner of this.runners) runner.start();
  }

  /** Finishes the batch in hand of each runner, then releases its lease for a standby. */
  async stop(): Promise<void> {
    await Promise.all(this.runners.map((runner) => runner.stop()));
  }

  status(): ProcessorRunnerStatus[] {
    return this.runners.map((runner) => runner.status());
  }
}
