import * as Flags from '@oclif/core/flags';
import { CliError, EXIT_USAGE } from './cli-error.js';

/** `--metadata key=value`, repeatable. */
export const metadataFlag = Flags.string({
  summary: 'Metadata entry as key=value. Repeat the flag for several entries.',
  multiple: true,
});

/** The metadata map to send, or undefined when no --metadata was given. The value may contain `=`. */
export function metadataFromFlags(entries: readonly string[] | undefined): Record<string, string> | undefined {
  if (entries === undefined) return undefined;
  const metadata = new Map<string, string>();
  for (const entry of entries) {
    const separator = entry.indexOf('=');
    if (separator <= 0) throw new CliError(`--metadata expects key=value, got "${entry}".`, EXIT_USAGE);
    const key = entry.slice(0, separator);
    if (metadata.has(key)) throw new CliError(`--metadata ${key} is given more than once.`, EXIT_USAGE);
    metadata.set(key, entry.slice(separator + 1));
  }
  return Object.fromEntries(metadata);
}
