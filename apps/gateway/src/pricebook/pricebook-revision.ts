import type { Pricebook } from '@caracal/pricing';

/** A pricebook as the gateway uses it (parsed) and as it was published (the document). */
export interface PricebookRevision {
  book: Pricebook;
  document: Record<string, unknown>;
  /** null for the pricebook shipped in the repository. */
  publishedAt: string | null;
}
