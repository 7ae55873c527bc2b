import { parseAmount } from '@caracal/money';
import { Pricebook, type PricebookData } from './pricebook.js';
import { PricebookValidationError } from './pricing.errors.js';
import { isProvider } from './provider.js';
import { compileResourcePattern, InvalidResourcePatternError } from './resource-pattern.js';

type Json = Record<string, unknown>;

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** Date.parse rolls a day that does not exist over (2025-02-30 is March 2): the date must round-trip. */
function isCalendarTime(text: string): boolean {
  const match = ISO_DATE_TIME.exec(text);
  if (match === null || Number.isNaN(Date.parse(text))) return false;
  const [year, month, day] = match.slice(1, 4).map(Number);
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * Validates the pricebook's JSON and builds a `Pricebook`. Pure: the file is read by
 * `loadPricebook`. Throws `PricebookValidationError` naming the first bad field.
 */
export function parsePricebook(json: unknown): Pricebook {
  const root = object(json, '$');
  const version = text(root, 'version', 'version');
  const effectiveFrom = text(root, 'effectiveFrom', 'effectiveFrom');
  if (!isCalendarTime(effectiveFrom)) throw new PricebookValidationError('effectiveFrom', 'expected an ISO 8601 date or time that exists (e.g. 2025-01-01 or 2025-01-01T00:00:00Z)');
  const currency = text(root, 'currency', 'currency');
  if (!/^[A-Z]{3}$/.test(currency)) throw new PricebookValidationError('currency', 'expected an ISO 4217 code like "USD"');
  const source = text(root, 'source', 'source');

  const models = array(root.models, 'models').map((raw, i): PricebookData['models'][number] => {
    const at = `models[${i}]`;
    const m = object(raw, at);
    const provider = m.provider;
    if (!isProvider(provider)) throw new PricebookValidationError(`${at}.provider`, 'expected "openai" or "anthropic"');
    const kind = m.kind === undefined ? 'chat' : m.kind;
    if (kind !== 'chat' && kind !== 'embedding') throw new PricebookValidationError(`${at}.kind`, 'expected "chat" or "embedding"');
    const input = price(m, 'inputPerMillion', at);
    const output = kind === 'embedding' ? optionalPrice(m, 'outputPerMillion', at) ?? 0n : price(m, 'outputPerMillion', at);
    const cacheWrite = optionalPrice(m, 'cacheWritePerMillion', at) ?? input;
    const maxOutputTokens = integer(m, 'maxOutputTokens', at, kind === 'embedding' ? 0 : 1);
    const contextWindow = integer(m, 'contextWindow', at, 1);
    const maxTokensPerImage = m.maxTokensPerImage === undefined ? undefined : integer(m, 'maxTokensPerImage', at, 1);
    const aliases = m.aliases === undefined ? [] : array(m.aliases, `${at}.aliases`).map((a, j) => {
      if (typeof a !== 'string' || a.length === 0) throw new PricebookValidationError(`${at}.aliases[${j}]`, 'expected a non-empty string');
      return a;
    });
    return {
      provider,
      model: text(m, 'model', `${at}.model`),
      kind,
      inputPerMillionNanos: input,
      cachedInputPerMillionNanos: optionalPrice(m, 'cachedInputPerMillion', at) ?? input,
      cacheWritePerMillionNanos: cacheWrite,
      cacheWrite1hPerMillionNanos: optionalPrice(m, 'cacheWrite1hPerMillion', at) ?? cacheWrite,
      outputPerMillionNanos: output,
      maxOutputTokens,
      contextWindow,
      maxTokensPerImage,
      aliases,
    };
  });
  const seen = new Set<string>();
  models.forEach((m, i) => {
    for (const name of [m.model, ...m.aliases]) {
      const key = `${m.provider}/${name.toLowerCase()}`;
      if (seen.has(key)) throw new PricebookValidationError(`models[${i}].model`, `duplicate model name ${key}`);
      seen.add(key);
    }
  });

  const resources = (root.resources === undefined ? [] : array(root.resources, 'resources')).map((raw, i) => {
    const at = `resources[${i}]`;
    const r = object(raw, at);
    const pattern = text(r, 'pattern', `${at}.pattern`);
    let matcher;
    try {
      matcher = compileResourcePattern(pattern);
    } catch (error) {
      if (error instanceof InvalidResourcePatternError) throw new PricebookValidationError(`${at}.pattern`, error.message);
      throw error;
    }
    const description = r.description === undefined ? undefined : text(r, 'description', `${at}.description`);
    return { pattern, perRequestNanos: price(r, 'perRequest', at), description, matcher };
  });

  return new Pricebook({ version, effectiveFrom, currency, source, models, resources });
}

function object(value: unknown, at: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new PricebookValidationError(at, 'expected an object');
  return value as Json;
}

function array(value: unknown, at: string): unknown[] {
  if (!Array.isArray(value)) throw new PricebookValidationError(at, 'expected an array');
  return value;
}

function text(o: Json, key: string, at: string): string {
  const value = o[key];
  if (typeof value !== 'string' || value.trim().length === 0) throw new PricebookValidationError(at, 'expected a non-empty string');
  return value;
}

function price(o: Json, key: string, at: string): bigint {
  const value = optionalPrice(o, key, at);
  if (value === undefined) throw new PricebookValidationError(`${at}.${key}`, 'required');
  return value;
}

function optionalPrice(o: Json, key: string, at: string): bigint | undefined {
  const value = o[key];
  if (value === undefined) return undefined;
  // Prices are decimal strings: a JSON number would already have been through a float.
  if (typeof value !== 'string') throw new PricebookValidationError(`${at}.${key}`, 'expected a decimal string like "2.50"');
  try {
    return parseAmount(value);
  } catch (error) {
    throw new PricebookValidationError(`${at}.${key}`, error instanceof Error ? error.message : String(error));
  }
}

function integer(o: Json, key: string, at: string, min: number): number {
  const value = o[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new PricebookValidationError(`${at}.${key}`, `expected an integer ≥ ${min}`);
  }
  return value;
}
