import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPricebookPath } from '@caracal/pricing';

/**
 * The shipped pricebook plus a per-request price for a test resource (the mock upstream), so a
 * test can make every request cost exactly `perRequest`.
 */
export function pricebookWithResource(pattern: string, perRequest: string): string {
  const book = JSON.parse(readFileSync(defaultPricebookPath(), 'utf8')) as { resources?: unknown[] };
  book.resources = [...(book.resources ?? []), { pattern, perRequest, description: 'test resource' }];
  const path = join(mkdtempSync(join(tmpdir(), 'caracal-pricebook-')), 'pricebook.json');
  writeFileSync(path, JSON.stringify(book));
  return path;
}
