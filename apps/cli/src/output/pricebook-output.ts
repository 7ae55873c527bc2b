import type { PricebookDocument, PricebookModel, PricedModel } from '@caracal/api-contract';
import { formatFields } from './fields.js';
import { formatTable, type Column } from './table.js';
import { orDash } from './values.js';

// Prices print as the document states them; a price the document leaves out prints as what the
// gateway charges instead (docs/pricing.md): cached input defaults to input, an embedding has no output.

function kindOf(model: PricebookModel): string {
  return model.kind ?? 'chat';
}

function outputPrice(model: PricebookModel): string {
  return model.outputPerMillion ?? (kindOf(model) === 'embedding' ? '- (embedding)' : '-');
}

function cachedInputPrice(model: PricebookModel): string {
  return model.cachedInputPerMillion ?? `${model.inputPerMillion} (= input)`;
}

function aliasList(model: PricebookModel): string {
  return model.aliases === undefined || model.aliases.length === 0 ? '-' : model.aliases.join(', ');
}

export function formatPricebook(book: PricebookDocument): string {
  const header = formatFields([
    ['Version', book.version],
    ['Effective from', book.effectiveFrom],
    ['Currency', book.currency],
    ['Published', book.publishedAt ?? 'shipped with the gateway (never published through the API)'],
  ]);
  const modelColumns: Column<PricebookModel>[] = [
    { header: 'PROVIDER', value: (m) => m.provider },
    { header: 'MODEL', value: (m) => m.model },
    { header: 'KIND', value: kindOf },
    { header: `INPUT/1M ${book.currency}`, value: (m) => m.inputPerMillion, alignRight: true },
    { header: 'CACHED/1M', value: cachedInputPrice, alignRight: true },
    { header: 'OUTPUT/1M', value: (m) => m.outputPerMillion ?? '-', alignRight: true },
  ];
  const models = book.models.length === 0 ? 'No model prices.' : formatTable(book.models, modelColumns);
  const resourceList = book.resources ?? [];
  const resources = resourceList.length === 0
    ? 'No per-request resource prices.'
    : formatTable(resourceList, [
        { header: 'RESOURCE PATTERN', value: (r) => r.pattern },
        { header: `PER REQUEST ${book.currency}`, value: (r) => r.perRequest, alignRight: true },
        { header: 'DESCRIPTION', value: (r) => orDash(r.description) },
      ]);
  return [header, '', models, '', resources].join('\n');
}

export function formatModelPrice(price: PricedModel): string {
  return formatFields([
    ['Provider', price.provider],
    ['Model', price.model],
    ['Kind', kindOf(price)],
    ['Requested as', price.matchedFrom],
    ['Aliases', aliasList(price)],
    ['Input / 1M tokens', price.inputPerMillion],
    ['Cached input / 1M', cachedInputPrice(price)],
    ['Output / 1M tokens', outputPrice(price)],
    ['Max output tokens', String(price.maxOutputTokens)],
    ['Context window', String(price.contextWindow)],
    ['Pricebook version', price.pricebookVersion],
  ]);
}
