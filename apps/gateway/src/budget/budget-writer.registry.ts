import type { BudgetStreamWriter } from './budget-stream.writer.js';

/**
 * One writer per budget stream in this process, made on first use and dropped once it has been
 * idle for `idleMs` (nothing queued, lingering or being committed): a gateway that serves many
 * budgets over its life keeps only those in use in memory. A dropped writer's successor loads the
 * stream again (snapshot, then the tail), so nothing is lost but warm state; the stream's version
 * check still orders every commit.
 */
export class BudgetWriterRegistry {
  private readonly writers = new Map<string, BudgetStreamWriter>();

  constructor(
    private readonly create: (rootAgentId: string) => BudgetStreamWriter,
    private readonly idleMs: number,
  ) {}

  get(rootAgentId: string): BudgetStreamWriter {
    let writer = this.writers.get(rootAgentId);
    if (!writer) {
      writer = this.create(rootAgentId);
      this.writers.set(rootAgentId, writer);
    }
    return writer;
  }

  all(): BudgetStreamWriter[] {
    return [...this.writers.values()];
  }

  get size(): number {
    return this.writers.size;
  }

  /** Drops the writers idle since before nowMs − idleMs; returns how many. */
  evictIdle(nowMs: number = Date.now()): number {
    let evicted = 0;
    for (const [rootAgentId, writer] of this.writers) {
      if (writer.idleSince(nowMs - this.idleMs)) {
        this.writers.delete(rootAgentId);
        evicted += 1;
      }
    }
    return evicted;
  }
}
