/** The `pricebook` stream: every version ever published, newest last. */
export interface PricebookState {
  versions: readonly string[];
}

export const initialPricebookState: PricebookState = Object.freeze({ versions: [] });

export const PRICEBOOK_STREAM = 'pricebook';
