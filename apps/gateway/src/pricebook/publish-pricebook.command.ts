import { CommandHandler, type ICommandHandler, Command } from '@nestjs/cqrs';
import { decidePricebook, PRICEBOOK_STREAM, pricebookDecider, ValidationError } from '@caracal/domain';
import { parsePricebook, PricebookValidationError } from '@caracal/pricing';
import { AggregateRepository, type CommandContext } from '../event-sourcing/aggregate-repository.js';
import type { PricebookRevision } from './pricebook-revision.js';
import { PricebookProvider } from './pricebook.provider.js';

export class PublishPricebookCommand extends Command<PricebookRevision> {
  constructor(
    readonly document: Record<string, unknown>,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(PublishPricebookCommand)
export class PublishPricebookHandler implements ICommandHandler<PublishPricebookCommand> {
  constructor(
    private readonly repository: AggregateRepository,
    private readonly pricebooks: PricebookProvider,
  ) {}

  async execute({ document, context }: PublishPricebookCommand): Promise<PricebookRevision> {
    let book;
    try {
      book = parsePricebook(document);
    } catch (error) {
      if (error instanceof PricebookValidationError) throw new ValidationError([{ field: error.field, message: error.problem }]);
      throw error;
    }
    await this.repository.execute(PRICEBOOK_STREAM, pricebookDecider, (state) =>
      decidePricebook(state, { type: 'PublishPricebook', version: book.version, document, actor: context.actor }), context);
    await this.pricebooks.refresh();
    return this.pricebooks.currentRevision();
  }
}
