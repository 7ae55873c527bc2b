import type { CliError } from '../cli-error.js';
import { singleLine } from './fields.js';

/**
 * `Error: <message>` and one indented line per detail, e.g. for a 400:
 *
 *   Error: request validation failed
 *     limit: must be a positive decimal string
 */
export function formatError(error: CliError): string {
  return [`Error: ${singleLine(error.message)}`, ...error.detailLines.map((line) => `  ${singleLine(line)}`)].join('\n');
}
