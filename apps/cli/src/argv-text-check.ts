import { CliError, EXIT_USAGE } from './cli-error.js';

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Refuses a flag or argument value no request or file name can carry: a NUL character (file
 * paths and C strings end at it; a shell cannot even pass one) or a lone UTF-16 surrogate (it has
 * no UTF-8 encoding, so the value sent would not be the value given).
 */
export function checkArgvText(values: Record<string, unknown>, kind: 'flag' | 'argument'): void {
  for (const [name, value] of Object.entries(values)) {
    for (const text of Array.isArray(value) ? value : [value]) {
      if (typeof text !== 'string') continue;
      const label = kind === 'flag' ? `--${name}` : `argument <${name}>`;
      if (text.includes('\u0000')) throw new CliError(`${label} contains a NUL character; no file name or request can carry it.`, EXIT_USAGE);
      if (LONE_SURROGATE.test(text)) {
        throw new CliError(`${label} contains a lone UTF-16 surrogate (not a character); it cannot be sent as UTF-8.`, EXIT_USAGE);
      }
    }
  }
}

/**
 * oclif looks flag names up in a plain object, so `--toString` is taken as a flag and
 * `--constructor` fails as "Unexpected flag Object": no command has such a flag, say so.
 */
export function refusePrototypeFlags(argv: readonly string[]): void {
  for (const arg of argv) {
    const name = /^--(?:no-)?([^=]+)/.exec(arg)?.[1];
    if (name !== undefined && name in Object.prototype) throw new CliError(`Nonexistent flag: ${arg.split('=')[0]}`, EXIT_USAGE);
  }
}
