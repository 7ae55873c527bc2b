// Property: whatever an operator (or a script) passes to any command — control characters, NUL,
// lone surrogates, huge strings, numbers at every edge, flag-like values, unknown flags — the CLI
// never crashes. It either refuses with a message that names the flag (a usage error, nothing
// sent), or sends its request and prints the answer or the gateway's error. Commands run in
// process against a throw-away server standing in for the gateway (test/support/canned-gateway.ts),
// which answers each request with the command's canned answer, a 400 or a 500.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { Command } from '@oclif/core';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CannedGateway, NOT_FOUND, type Answerer, type CannedAnswer } from '@caracal/test-support/canned-gateway.js';
import { cliCommandIds, loadCliCommand } from '@caracal/test-support/cli-command-ids.js';
import { OUTPUT_CASES } from '@caracal/test-support/cli-output-cases.js';
import { runCliCommand } from '@caracal/test-support/run-cli-command.js';

/** Runs per command; all commands together stay within a few seconds. */
const RUNS_PER_COMMAND = 40;

/** Flags whose value is a local path: generated names are kept inside the scratch directory. */
const PATH_FLAGS = new Set(['file', 'out', 'key-file', 'public-key', 'data-dir']);
/** Commands that may succeed without calling the gateway. */
const LOCAL_COMMANDS = new Set(['backup restore', 'merkle event-key rotate', 'merkle key generate', 'merkle key rotate', 'merkle key export-public', 'merkle verify-export']);

let gateway: CannedGateway;
let dir: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  gateway = await CannedGateway.start();
});
afterAll(async () => {
  await gateway.close();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'caracal-cli-hostile-'));
  process.env.CARACAL_URL = gateway.url;
  process.env.CARACAL_TOKEN = 'test-token';
  process.env.CARACAL_DATA_DIR = join(dir, '.caracal');
  process.env.CARACAL_MERKLE_SIGNING_KEY_FILE = join(dir, 'no-such-key.pem');
});
afterEach(() => {
  process.env = { ...savedEnv };
  rmSync(dir, { recursive: true, force: true });
  jest.restoreAllMocks();
});

// Values.

const EDGE_NUMBERS = [
  '0', '-0', '1', '-1', '2147483647', '2147483648', '-2147483649', '4294967296', '9007199254740991', '9007199254740993', '-9007199254740993',
  '18446744073709551616', '1e308', '1e309', '-1e309', '5e-324', 'NaN', 'Infinity', '-Infinity', '0x10', '0b1', '1_000', '1.5', '.5', '1.', '١٢',
  '', ' ', ' 1', '1 ',
];
const PLAUSIBLE = [
  '3f2c5a9e-1b7d-4c1e-9a55-0d6f1e2a3b4c', '2024-01-01T00:00:00Z', '2025-02-30T00:00:00Z', 'now', '100.00', 'USD', 'daily', 'glob', 'team=ml', '=x',
  'a=', 'https://api.openai.com/v1/chat/completions', 'http://[::1]/', 'openai', 'anthropic',
];
const FLAG_LIKE = ['-', '--', '--json', '-h', '--help', '--no-json', '--token=x', '--limit=1'];
const LONE_SURROGATES = ['\uD800', '\uDFFF', 'a\uDC00b', '\uDBFF\uDBFF'];

const controlText = fc.string({ unit: fc.integer({ min: 0, max: 0x1f }).map((code) => String.fromCharCode(code)), maxLength: 8 });
const anyCodeUnits = fc.string({ unit: 'binary', maxLength: 40 });

const hostileValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...EDGE_NUMBERS),
  fc.constantFrom(...PLAUSIBLE),
  fc.constantFrom(...FLAG_LIKE),
  fc.constantFrom(...LONE_SURROGATES),
  controlText,
  controlText.map((text) => `a${text}\u0000b`),
  anyCodeUnits,
  fc.constantFrom(50_000, 1_000_000).map((length) => 'x'.repeat(length)),
  fc.constantFrom('__proto__', 'constructor', 'prototype', '__proto__=1', 'toString=x'),
);

/** A path value inside the scratch directory (the name is hostile, the directory is not). */
function insideScratch(value: string): string {
  return join(dir, value.replaceAll('/', '_').replaceAll('..', '__') || '_');
}

// The gateway's answers: the command's canned answer, or an error.

function answerer(pick: 'ok' | 'bad request' | 'server error', routes: readonly [string, CannedAnswer][]): Answerer {
  if (pick === 'bad request') {
    return () => ({ status: 400, body: { error: 'validation_failed', message: 'Validation failed: x: bad', request_id: 'r', details: [{ field: 'x', message: 'bad' }] } });
  }
  if (pick === 'server error') return () => ({ status: 500, body: { error: 'internal_error', message: 'internal error; quote request id r', request_id: 'r' } });
  return (method, path) => {
    const exact = routes.find(([route]) => route === `${method} ${path}`);
    const sameShape = routes.find(([route]) => route.startsWith(`${method} `) && route.split('/').length === path.split('/').length);
    return (exact ?? sameShape)?.[1] ?? NOT_FOUND;
  };
}

interface FlagShape {
  type: 'boolean' | 'option';
  options?: readonly string[];
  multiple?: boolean;
  required?: boolean;
}

/** argv for one command: each flag maybe present (required ones mostly), values hostile or plausible, unknown flags now and then. */
function argvFor(command: Command.Class): fc.Arbitrary<string[]> {
  const flags = Object.entries({ ...(command.baseFlags ?? {}), ...(command.flags ?? {}) }) as [string, FlagShape][];
  const parts = flags.map(([name, flag]) => {
    const value = flag.options ? fc.oneof(fc.constantFrom(...flag.options), hostileValue) : hostileValue;
    const pathSafe = PATH_FLAGS.has(name) ? value.map(insideScratch) : name === 'url' || name === 'gateway-url' ? value.filter((text) => !/https?:/i.test(text)) : value;
    const occurrence: fc.Arbitrary<readonly string[]> = flag.type === 'boolean'
      ? fc.oneof(fc.constant([`--${name}`]), fc.constant([`--no-${name}`]), pathSafe.map((text): string[] => [`--${name}=${text}`]))
      : fc.oneof(pathSafe.map((text) => [`--${name}`, text]), pathSafe.map((text) => [`--${name}=${text}`]));
    const occurrences = flag.multiple ? fc.array(occurrence, { minLength: 1, maxLength: 3 }).map((list) => list.flat()) : occurrence;
    return fc.option(occurrences, { freq: flag.required ? 8 : 2, nil: undefined }).map((given) => given ?? []);
  });
  const positional = Object.keys(command.args ?? {}).map(() => fc.option(hostileValue.map((text) => [insideScratch(text)]), { nil: undefined }).map((given) => given ?? []));
  const unknown = fc.option(fc.constantFrom('--bogus', '--__proto__', '--constructor', '--toString', '--no-hasOwnProperty', '-x', '--JSON', '---json', 'extra-word'), { freq: 6, nil: undefined });
  return fc.tuple(fc.tuple(...parts, ...positional), unknown).chain(([given, stray]) =>
    fc.shuffledSubarray(given.filter((part) => part.length > 0), { minLength: given.filter((part) => part.length > 0).length }).map((ordered) => [
      ...ordered.flat(),
      ...(stray === undefined ? [] : [stray]),
    ]),
  );
}

/** A usage error names what to fix: one of the flags (given or the command's) or arguments, or the unexpected argument. */
function namesAFlag(message: string, argv: readonly string[], command: Command.Class): boolean {
  const names = [...Object.keys(command.flags ?? {}), ...Object.keys(command.baseFlags ?? {}), ...Object.keys(command.args ?? {})];
  // Every flag-like word given, also inside a value (`--json=--limit=1` is read as --limit=1).
  const given = argv.flatMap((arg) => arg.match(/(?<![\w-])--?[A-Za-z_][\w-]*/g) ?? []);
  return [...names, ...given].some((name) => message.includes(name)) || /^Unexpected arguments?: /.test(message);
}

const CRASH = /TypeError|RangeError|URIError|SyntaxError|ReferenceError|\n\s+at |\bat .*\.(ts|js):\d+/;

describe('every command with hostile flags', () => {
  it.each(cliCommandIds())('%s: refuses naming the flag, or sends its request; never crashes', async (id) => {
    const command = await loadCliCommand(id);
    // The command's canned answers (of the full case); the set-up files it writes are not used.
    const routes = (await OUTPUT_CASES[id].runs('full', dir)).flatMap((run) => Object.entries(run.routes));
    await fc.assert(
      fc.asyncProperty(argvFor(command), fc.constantFrom('ok' as const, 'ok' as const, 'bad request' as const, 'server error' as const), async (argv, pick) => {
        gateway.answer = answerer(pick, routes);
        const sentBefore = gateway.requests.length;
        let run;
        try {
          run = await runCliCommand(command, argv);
        } catch (error) {
          throw new Error(`caracal ${id} ${JSON.stringify(argv).slice(0, 500)} crashed: ${(error as Error).stack}`, { cause: error });
        }
        const sent = gateway.requests.length - sentBefore;
        const message = `${run.stderr}${run.oclifError ?? ''}`;
        expect(message).not.toMatch(CRASH);
        if (run.exitCode === 0) {
          if (!LOCAL_COMMANDS.has(id)) expect(sent).toBeGreaterThan(0);
        } else if (sent === 0 && !LOCAL_COMMANDS.has(id)) {
          expect(run.exitCode).toBe(2);
          expect(run.stdout).toBe('');
          expect(namesAFlag(message, argv, command)).toBe(true);
        } else {
          expect(`${run.stdout}${message}`.trim()).not.toBe('');
        }
      }),
      { numRuns: RUNS_PER_COMMAND },
    );
  });
});
