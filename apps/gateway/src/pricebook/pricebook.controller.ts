import { Body, Controller, Get, Param, Put, Query } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { NotFoundError, ValidationError } from '@caracal/domain';
import { isProvider } from '@caracal/pricing';
import type { PricebookDocument, PricedModel } from '@caracal/api-contract';
import type { CommandContext } from '../event-sourcing/aggregate-repository.js';
import { CommandCtx } from '../http/command-context.decorator.js';
import { PricebookProvider } from './pricebook.provider.js';
import { PublishPricebookCommand } from './publish-pricebook.command.js';

type Document = Record<string, unknown>;

@ApiTags('pricebook')
@ApiBearerAuth()
@Controller('v1/pricebook')
export class PricebookController {
  constructor(
    private readonly commands: CommandBus,
    private readonly pricebooks: PricebookProvider,
  ) {}

  @Get()
  get(): PricebookDocument {
    const { document, publishedAt } = this.pricebooks.currentRevision();
    return { ...published(document), publishedAt };
  }

  @Get('models/:model')
  model(@Param('model') model: string, @Query('provider') provider?: string): PricedModel {
    const providers = provider === undefined ? ['openai', 'anthropic'] : [provider];
    if (!providers.every(isProvider)) throw new ValidationError([{ field: 'provider', message: 'provider must be "openai" or "anthropic"' }]);
    const book = this.pricebooks.current();
    for (const name of providers) {
      const price = isProvider(name) ? book.priceFor(name, model) : null;
      if (price === null) continue;
      const entry = published(this.pricebooks.currentRevision().document).models.find((e) => e.provider === name && e.model === price.model);
      if (entry !== undefined) return { ...entry, matchedFrom: model, pricebookVersion: book.version };
    }
    throw new NotFoundError('priced model', model);
  }

  @Put()
  @ApiBody({ description: 'A whole pricebook document, in the format of pricebook/pricebook.json', schema: { type: 'object' } })
  async publish(@Body() document: Document, @CommandCtx() ctx: CommandContext): Promise<PricebookDocument> {
    if (typeof document !== 'object' || document === null || Array.isArray(document)) {
      throw new ValidationError([{ field: 'body', message: 'the body must be a pricebook document (a JSON object)' }]);
    }
    const revision = await this.commands.execute(new PublishPricebookCommand(document, ctx));
    return { ...published(revision.document), publishedAt: revision.publishedAt };
  }
}

/**
 * The document as published. Its shape was checked against the pricebook schema when it was
 * published (or shipped), so tsc cannot check it here: the cast is the one unchecked answer.
 */
function published(document: Document): Omit<PricebookDocument, 'publishedAt'> {
  return document as unknown as Omit<PricebookDocument, 'publishedAt'>;
}
