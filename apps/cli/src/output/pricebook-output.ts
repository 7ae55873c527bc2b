import { formatFields } from './fields.js';
import { formatTable } from './table.js';

export interface PricebookModel {
  provider: string;
  model: string;
  inputPerMillion: string;
  outputPerMillion: string;
  cachedInputPerMillion?: string;
  maxOutputTokens?: number;
  contextWindow?: number;
}

export interface PricebookResource {
  pattern: string;
  perRequest: string;
  description?: string;
}

export interface PricebookDocument {
  version: string;
  effectiveFrom: string;
  currency: string;
  source?: string;
  publishedAt: string | null;
  models: PricebookModel[];
  resources?: PricebookResource[];
}

export function formatPricebook(book: PricebookDocument): string {
  const header = formatFields([
    ['Version', book.version],
    ['Effective from', book.effectiveFrom],
    ['Currency', book.currency],
    ['Published', book.publishedAt ?? 'shipped with the gateway (never published through the API)'],
  ]);
  const models = formatTable(book.models, [
    { header: 'PROVIDER', value: (m) => m.provider },
    { header: 'MODEL', value: (m) => m.model },
    { header: `INPUT/1M ${book.currency}`, value: (m) => m.inputPerMillion, alignRight: true },
    { header: 'CACHED/1M', value: (m) => m.cachedInputPerMillion ?? '-', alignRight: true },
    { header: 'OUTPUT/1M', value: (m) => m.outputPerMillion, alignRight: true },
  ]);
  const resources = (book.resources ?? []).length === 0
    ? 'No per-request resource prices.'
    : formatTable(book.resources ?? [], [
        { header: 'RESOURCE PATTERN', value: (r) => r.pattern },
        { header: `PER REQUEST ${book.currency}`, value: (r) => r.perRequest, alignRight: true },
      ]);
  return [header, '', models, '', resources].join('\n');
}

export function formatModelPrice(price: PricebookModel & { matchedFrom?: string; pricebookVersion?: string }): string {
  return formatFields([
    ['Provider', price.provider],
    ['Model', price.model],
    ['Requested as', price.matchedFrom ?? price.model],
    ['Input / 1M tokens', price.inputPerMillion],
    ['Cached input / 1M', price.cachedInputPerMillion ?? '-'],
    ['Output / 1M tokens', price.outputPerMillion],
    ['Max output tokens', String(price.maxOutputTokens ?? '-')],
    ['Pricebook version', price.pricebookVersion ?? '-'],
  ]);
}
