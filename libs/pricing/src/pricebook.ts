import type { Provider } from './provider.js';
import type { ResourcePattern } from './resource-pattern.js';

/** Prices of one model, in nano-units of the pricebook's currency per million tokens. */
export interface ModelPrice {
  readonly provider: Provider;
  /** The pricebook's canonical name (`gpt-4o`), not the requested snapshot. */
  readonly model: string;
  readonly kind: 'chat' | 'embedding';
  readonly inputPerMillionNanos: bigint;
  /** Cache reads (OpenAI cached tokens, Anthropic `cache_read_input_tokens`); defaults to input. */
  readonly cachedInputPerMillionNanos: bigint;
  /** Anthropic 5-minute cache writes; defaults to input. */
  readonly cacheWritePerMillionNanos: bigint;
  /** Anthropic 1-hour cache writes; defaults to the 5-minute rate. */
  readonly cacheWrite1hPerMillionNanos: bigint;
  readonly outputPerMillionNanos: bigint;
  /** The most output tokens one call may produce (0 for embeddings). */
  readonly maxOutputTokens: number;
  /** The most input tokens one call (one input, for embeddings) may carry. */
  readonly contextWindow: number;
  /** Upper bound of the tokens one image costs; undefined = not bounded (the context window is used). */
  readonly maxTokensPerImage: number | undefined;
}

/** A per-request price for a non-LLM resource, matched by URL glob. */
export interface ResourcePrice {
  readonly pattern: string;
  readonly perRequestNanos: bigint;
  readonly description: string | undefined;
}

export interface PricebookData {
  readonly version: string;
  readonly effectiveFrom: string;
  readonly currency: string;
  readonly source: string;
  readonly models: readonly (ModelPrice & { readonly aliases: readonly string[] })[];
  readonly resources: readonly (ResourcePrice & { readonly matcher: ResourcePattern })[];
}

// A requested name may add a snapshot suffix to a pricebook name: `gpt-4o-2024-08-06`,
// `claude-sonnet-4-20250514`, `claude-3-5-haiku-latest`. Anything else (`o3-pro`, `ft:…`,
// `gpt-4o-audio-preview`) must be priced by its own entry: a variant may cost more than its base.
const SNAPSHOT_SUFFIX = /^-(?:\d{4}-\d{2}-\d{2}|\d{8}|\d{4}|latest)$/;

/** A validated, immutable pricebook. Build one with `parsePricebook` or `loadPricebook`. */
export class Pricebook {
  private readonly byProvider: Map<Provider, { name: string; price: ModelPrice }[]>;

  constructor(private readonly data: PricebookData) {
    this.byProvider = new Map();
    for (const entry of data.models) {
      const names = [entry.model, ...entry.aliases];
      const list = this.byProvider.get(entry.provider) ?? [];
      for (const name of names) list.push({ name: name.toLowerCase(), price: stripAliases(entry) });
      this.byProvider.set(entry.provider, list);
    }
    // Longest name first, so the first match is the longest (most specific) one.
    for (const list of this.byProvider.values()) list.sort((a, b) => b.name.length - a.name.length);
  }

  get version(): string {
    return this.data.version;
  }

  get effectiveFrom(): string {
    return this.data.effectiveFrom;
  }

  get currency(): string {
    return this.data.currency;
  }

  get source(): string {
    return this.data.source;
  }

  get models(): readonly ModelPrice[] {
    return this.data.models.map(stripAliases);
  }

  get resources(): readonly ResourcePrice[] {
    return this.data.resources.map(({ pattern, perRequestNanos, description }) => ({ pattern, perRequestNanos, description }));
  }

  /**
   * The price of `model` at `provider`: an exact name or alias, or a pricebook name followed by a
   * snapshot suffix (`-2024-08-06`, `-20250514`, `-latest`); the longest matching name wins.
   * Null when the model is not in the pricebook (the caller fails closed).
   */
  priceFor(provider: Provider, model: string): ModelPrice | null {
    const wanted = model.toLowerCase();
    for (const { name, price } of this.byProvider.get(provider) ?? []) {
      if (wanted === name) return price;
      if (wanted.startsWith(name) && SNAPSHOT_SUFFIX.test(wanted.slice(name.length))) return price;
    }
    return null;
  }

  /**
   * The per-request price of a normalised URL (the allowlist's normalisation). When several
   * patterns match, the most specific (most literal characters) wins; ties go to file order.
   */
  priceForResource(normalisedUrl: string): ResourcePrice | null {
    let best: (typeof this.data.resources)[number] | null = null;
    for (const resource of this.data.resources) {
      if (!resource.matcher.matches(normalisedUrl)) continue;
      if (best === null || resource.matcher.specificity > best.matcher.specificity) best = resource;
    }
    return best === null ? null : { pattern: best.pattern, perRequestNanos: best.perRequestNanos, description: best.description };
  }
}

function stripAliases(entry: PricebookData['models'][number]): ModelPrice {
  const { aliases: _aliases, ...price } = entry;
  return price;
}
