import { Body, Controller, Get, Param, Put, Query } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { NotFoundError, ValidationError } from '@caracal/domain';
import { isProvider } from '@caracal/pricing';
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
  get(): Document {
    const { document, publishedAt } = this.pricebooks.currentRevision();
    return { ...document, publishedAt };
  }

  @Get('models/:model')
  model(@Param('model') model: string, @Query('provider') provider?: string): Document {
    const providers = provider === undefined ? ['openai', 'anthropic'] : [provider];
    if (!providers.every(isProvider)) throw new ValidationError([{ field: 'provider', message: 'provider must be "openai" or "anthropic"' }]);
    const book = this.pricebooks.current();
    for (const name of providers) {
      const price = isProvider(name) ? book.priceFor(name, model) : null;
      if (price === null) continue;
      const entries = (this.pricebooks.currentRevision().document.models ?? []) as Document[];
      const entry = entries.find((e) => e.provider === name && e.model === price.model);
      return { ...(entry ?? {}), matchedFrom: model, pricebookVersion: book.version };
    }
    throw new NotFoundError('priced model', model);
  }

  @Put()
  @ApiBody({ description: 'A whole pricebook document, in the format of pricebook/pricebook.json', schema: { type: 'object' } })
  async publish(@Body() document: Document, @CommandCtx() ctx: CommandContext): Promise<Document> {
    if (typeof document !== 'object' || document === null || Array.isArray(document)) {
      throw new ValidationError([{ field: 'body', message: 'the body must be a pricebook document (a JSON object)' }]);
    }
    const revision = await this.commands.execute(new PublishPricebookCommand(document, ctx));
    return { ...revision.document, publishedAt: revision.publishedAt };
  }
}
