import type { SqlClient } from '@caracal/event-store';
import type { LogReader } from './log-page.js';
import { UnknownProcessorError } from './processing.errors.js';
import { consoleProcessorLogger, type ProcessorLogger } from './processor-logger.js';
import type { ProcessorRegistry } from './processor-registry.js';
import { ProcessorRunner, type ProcessorRunnerOptions, type ProcessorRunnerStatus, type StopOptions } from './processor-runner.js';
import { rebuildTogether, type RebuildTogetherResult } from './rebuild-together.js';

const DEFAULT_LEASE_MS = 15_000;
const DEFAULT_REBUILD_BATCH_SIZE = 5_000;

export interface ProcessorHostOptions {
  client: SqlClient;
  store: LogReader;
  registry: ProcessorRegistry;
  /** Names (consumer groups) to run; null: every registered processor (highest version of each). */
  names: readonly string[] | null;
  owner?: string;
  logger?: ProcessorLogger;
  /** Batch size, polling, linger, lease and retry settings for every runner (defaults: the runner's). */
  tuning?: Pick<ProcessorRunnerOptions, 'batchSize' | 'pollMs' | 'lingerMs' | 'leaseMs' | 'retry'>;
  /**
   * Catch up by reading the log once for all processors (docs/processing.md, "Rebuilding
   * together"): for the processors at the earliest checkpoint at start, when at least two
   * (after `db reset`, on a fresh database; the others' runners start at once), each batch is
   * read once and applied to every one of them in one transaction with each one's checkpoint
   * compare-and-set and lease fence, until the head; then (or at the
   * first failure) the usual runners take over. Off by default. `batchSize` of that phase:
   * default 5,000.
   */
  rebuildTogether?: boolean | { batchSize?: number };
}

/**
 * Runs a set of processors in this process: `apps/projector` in production, the gateway itself
 * in the embedded profile. Each runner takes its own lease, so several hosts may run the same
 * processors: one is active, the others stand by.
 */
export class ProcessorHost {
  private readonly runners: ProcessorRunner[];
  private readonly options: ProcessorHostOptions;
  private stopping = false;
  private starting: Promise<void> | null = null;
  private together: RebuildTogetherResult | null = null;

  constructor(options: ProcessorHostOptions) {
    this.options = options;
    const names = options.names ?? [...new Set(options.registry.all().map((processor) => processor.name))];
    this.runners = names.map((name) => {
      const processor = options.registry.find(name);
      if (!processor) throw new UnknownProcessorError(name);
      return new ProcessorRunner({ ...options.tuning, client: options.client, store: options.store, processor, owner: options.owner, logger: options.logger });
    });
  }

  start(): void {
    this.stopping = false;
    const mode = this.options.rebuildTogether;
    if (!mode || this.runners.length < 2) {
      for (const runner of this.runners) runner.start();
      return;
    }
    if (this.starting) return;
    this.starting = rebuildTogether({
      client: this.options.client,
      store: this.options.store,
      members: this.runners.map((runner) => ({ processor: runner.processor, owner: runner.owner })),
      batchSize: (typeof mode === 'object' ? mode.batchSize : undefined) ?? DEFAULT_REBUILD_BATCH_SIZE,
      leaseMs: this.options.tuning?.leaseMs ?? DEFAULT_LEASE_MS,
      logger: this.options.logger ?? consoleProcessorLogger,
      stopping: () => this.stopping,
      leftOut: (processor) => {
        if (!this.stopping) this.runners.find((runner) => runner.processor === processor)?.start();
      },
    }).then((result) => {
      this.together = result;
      // A runner already started (left out of the phase) ignores a second start.
      if (!this.stopping) for (const runner of this.runners) runner.start();
    });
  }

  /** Finishes the batch in hand of each runner, then releases its lease for a standby. */
  async stop(options: StopOptions = {}): Promise<void> {
    this.stopping = true;
    await this.starting;
    this.starting = null;
    await Promise.all(this.runners.map((runner) => runner.stop(options)));
  }

  status(): ProcessorRunnerStatus[] {
    return this.runners.map((runner) => runner.status());
  }

  /** The shared-read phase's outcome once it has ended (rebuildTogether), else null. */
  rebuildTogetherResult(): RebuildTogetherResult | null {
    return this.together;
  }
}
