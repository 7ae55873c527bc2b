import { basename } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';

type FlagOptions = NonNullable<ParseArgsConfig['options']>;

/**
 * A bench's command-line flags, parsed strictly. `--help` (or `-h`) lists the flags with their
 * defaults and exits; a flag the bench does not know, or one missing its value, is named in one
 * line followed by the list, with exit status 2, instead of a stack trace.
 */
export function parseBenchFlags<const T extends FlagOptions>(options: T) {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(usage(options));
    process.exit(0);
  }
  try {
    return parseArgs({ args, options }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage(options)}`);
    process.exit(2);
  }
}

function usage(options: FlagOptions): string {
  const script = basename(process.argv[1] ?? 'bench');
  const lines = Object.entries(options).map(([name, option]) => {
    const flag = option.type === 'string' ? `--${name} <value>` : `--${name}`;
    const fallback = option.default === undefined || option.default === false ? '' : `  (default: ${String(option.default)})`;
    return `  ${flag}${fallback}`;
  });
  return [`usage: node ${script} [flags]`, 'flags:', ...lines].join('\n');
}
