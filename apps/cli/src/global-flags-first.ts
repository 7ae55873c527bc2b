// oclif finds the command from the words at the start of argv, so `caracal --url X agent list`
// would look for a command named "--url". Operators write global flags first (as with git, kubectl),
// so bin/caracal.js moves the global flags that come before the command to just after its words.

/** Global flags that take a value (`--url X` or `--url=X`). */
const VALUED = new Set(['--url', '--gateway-url', '--token', '--data-dir']);
/** Global flags that stand alone. */
const BOOLEAN = new Set(['--json']);

/**
 * `--url X agent list --owner o` → `agent list --gateway-url X --owner o`. A leading `--url` moves
 * as `--gateway-url`, its alias on every command, because `allowlist test` reads `--url` as the
 * URL under test. argv that does not start with global flags, or where something other than a
 * global flag comes before the command, is returned unchanged for oclif to answer.
 */
export function globalFlagsAfterCommand(argv: readonly string[]): string[] {
  const moved: string[] = [];
  let index = 0;
  while (index < argv.length && argv[index].startsWith('-')) {
    const arg = argv[index];
    const name = arg.includes('=') ? arg.slice(0, arg.indexOf('=')) : arg;
    const asMoved = name === '--url' ? `--gateway-url${arg.slice(name.length)}` : arg;
    if (BOOLEAN.has(arg)) {
      moved.push(arg);
      index += 1;
    } else if (VALUED.has(name) && name !== arg) {
      moved.push(asMoved);
      index += 1;
    } else if (VALUED.has(arg) && index + 1 < argv.length) {
      moved.push(asMoved, argv[index + 1]);
      index += 2;
    } else {
      return [...argv];
    }
  }
  if (moved.length === 0) return [...argv];
  let commandEnd = index;
  while (commandEnd < argv.length && !argv[commandEnd].startsWith('-')) commandEnd += 1;
  if (commandEnd === index) return [...argv];
  return [...argv.slice(index, commandEnd), ...moved, ...argv.slice(commandEnd)];
}
