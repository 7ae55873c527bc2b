// Pricebook (docs/api.md "Pricebook"). The gateway answers with the document as it was published
// (pricebook/pricebook.json's format, docs/pricing.md): fields the format leaves optional are absent
// when the publisher left them out.

export interface PricebookModel {
  provider: string;
  model: string;
  /** Absent means `chat`. */
  kind?: string;
  aliases?: string[];
  inputPerMillion: string;
  /** Absent for embedding models: they produce no output tokens. */
  outputPerMillion?: string;
  /** Absent means the input price. */
  cachedInputPerMillion?: string;
  cacheWritePerMillion?: string;
  cacheWrite1hPerMillion?: string;
  maxOutputTokens: number;
  contextWindow: number;
  maxTokensPerImage?: number;
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
  source: string;
  /** Null for the pricebook shipped with the gateway. */
  publishedAt: string | null;
  models: PricebookModel[];
  resources?: PricebookResource[];
}

/** GET /v1/pricebook/models/{model}: the model's entry, the name it was asked by and the version. */
export interface PricedModel extends PricebookModel {
  matchedFrom: string;
  pricebookVersion: string;
}
