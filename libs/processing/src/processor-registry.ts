import { DuplicateProcessorError, UnknownProcessorError } from './processing.errors.js';
import { describeProcessor, type Processor } from './processor.js';

/**
 * The processors a deployment knows, by name and version: what the projector runs, what
 * `db reset` resets and what `dlq retry` re-applies with. Several versions of one name may be
 * registered while a new version rebuilds beside the old one.
 */
export class ProcessorRegistry {
  private readonly processors = new Map<string, Processor>();

  constructor(processors: Iterable<Processor> = []) {
    for (const processor of processors) this.register(processor);
  }

  register(processor: Processor): this {
    const key = describeProcessor(processor);
    if (this.processors.has(key)) throw new DuplicateProcessorError(processor);
    this.processors.set(key, processor);
    return this;
  }

  /** The processor with this name and version; without a version, the highest registered. */
  get(name: string, version?: number): Processor {
    const found = this.find(name, version);
    if (!found) throw new UnknownProcessorError(name, version);
    return found;
  }

  find(name: string, version?: number): Processor | undefined {
    if (version !== undefined) return this.processors.get(describeProcessor({ name, version }));
    return this.all()
      .filter((processor) => processor.name === name)
      .sort((a, b) => b.version - a.version)[0];
  }

  all(): Processor[] {
    return [...this.processors.values()];
  }

  /** The processors whose output is a read model to derive again: what reset, snapshots and replay cover (not keptOnReset). */
  readModelProcessors(): Processor[] {
    return this.all().filter((processor) => !processor.keptOnReset);
  }

  names(): string[] {
    return [...new Set(this.all().map((processor) => processor.name))];
  }
}
