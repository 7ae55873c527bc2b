export interface PricebookPublished {
  type: 'PricebookPublished';
  schemaVersion: 1;
  data: {
    version: string;
    /** The whole pricebook document as published (prices as decimal strings). */
    document: Record<string, unknown>;
    actor: string;
  };
}

export type PricebookEvent = PricebookPublished;
