import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parsePricebook } from './pricebook.parse.js';
import type { Pricebook } from './pricebook.js';
import { PricebookValidationError } from './pricing.errors.js';

/** `pricebook/pricebook.json` at the repository root (works from `libs/` and `dist/libs/`). */
export function defaultPricebookPath(): string {
  const here = fileURLToPath(import.meta.url);
  const root = here.replace(/[\\/](?:dist[\\/])?libs[\\/]pricing[\\/]src[\\/][^\\/]+$/, '');
  return `${root}/pricebook/pricebook.json`;
}

/** The only I/O of libs/pricing: reads and validates a pricebook file. */
export async function loadPricebook(path: string = defaultPricebookPath()): Promise<Pricebook> {
  const text = await readFile(path, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PricebookValidationError('$', `not JSON (${path}): ${error instanceof Error ? error.message : String(error)}`);
  }
  return parsePricebook(json);
}
