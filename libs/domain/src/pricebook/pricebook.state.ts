/** The `pricebook` stream: every version ever published, newest last, and the newest document. */
export interface PricebookState {
  versions: readonly string[];
  /** The document of the newest version as published; null before the first. */
  latestDocument: Readonly<Record<string, unknown>> | null;
}

export const initialPricebookState: PricebookState = Object.freeze({ versions: [], latestDocument: null });

export const PRICEBOOK_STREAM = 'pricebook';
