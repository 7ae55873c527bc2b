import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { PRICEBOOK_STREAM } from '@caracal/domain';
import type { EventStore } from '@caracal/event-store';
import { parsePricebook, type Pricebook } from '@caracal/pricing';
import { EVENT_STORE, PRICEBOOK } from '../injection-tokens.js';
import type { PricebookRevision } from './pricebook-revision.js';

const REFRESH_EVERY_MS = 5000;

/**
 * The pricebook in force: the latest `PricebookPublished` event, or the shipped file before any
 * was published. Each process re-reads the stream's version every few seconds, so a published
 * price reaches every gateway within that time without a restart.
 */
@Injectable()
export class PricebookProvider implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Pricebook');
  private revision: PricebookRevision;
  private seenVersion = 0n;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(PRICEBOOK) shipped: PricebookRevision,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {
    this.revision = shipped;
  }

  current(): Pricebook {
    return this.revision.book;
  }

  currentRevision(): PricebookRevision {
    return this.revision;
  }

  async refresh(): Promise<void> {
    const version = await this.store.streamVersion(PRICEBOOK_STREAM);
    if (version === this.seenVersion) return;
    const [latest] = await this.store.readStream(PRICEBOOK_STREAM, { direction: 'backward', maxCount: 1 });
    const document = latest.data.document as Record<string, unknown>;
    this.revision = { book: parsePricebook(document), document, publishedAt: latest.recordedAt.toISOString() };
    this.seenVersion = version;
  }

  async onModuleInit(): Promise<void> {
    await this.refresh().catch((error: Error) => this.logger.warn(`using the shipped pricebook for now: ${error.message}`));
    this.timer = setInterval(() => {
      this.refresh().catch((error: Error) => this.logger.warn(`pricebook refresh failed: ${error.message}`));
    }, REFRESH_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
