import { describe, expect, it } from '@jest/globals';
import { checkArgvText, refusePrototypeFlags } from './argv-text-check.js';
import { CliError, EXIT_USAGE } from './cli-error.js';

function refusal(check: () => void): CliError {
  try {
    check();
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('checkArgvText', () => {
  it('accepts any other text, surrogate pairs and control characters included', () => {
    expect(() => checkArgvText({ name: 'a\tb\u001b😀', metadata: ['k=v', 'é=ü'], json: true, limit: 5 }, 'flag')).not.toThrow();
  });

  it.each([
    [{ name: 'a\u0000b' }, 'flag', '--name contains a NUL character'],
    [{ metadata: ['ok=1', 'k=\u0000'] }, 'flag', '--metadata contains a NUL character'],
    [{ 'agent-id': '\uD800' }, 'flag', '--agent-id contains a lone UTF-16 surrogate'],
    [{ model: 'x\uDC00' }, 'flag', '--model contains a lone UTF-16 surrogate'],
    [{ dir: '\uDBFF\uDBFF' }, 'argument', 'argument <dir> contains a lone UTF-16 surrogate'],
  ] as const)('refuses %j naming it (exit 2)', (values, kind, message) => {
    const error = refusal(() => checkArgvText(values as Record<string, unknown>, kind));
    expect(error.exitCode).toBe(EXIT_USAGE);
    expect(error.message.startsWith(message)).toBe(true);
  });
});

describe('refusePrototypeFlags', () => {
  it.each(['--constructor', '--__proto__=1', '--toString', '--no-hasOwnProperty'])('refuses %s as a nonexistent flag', (arg) => {
    expect(refusal(() => refusePrototypeFlags(['--agent-id', 'a', arg])).message).toBe(`Nonexistent flag: ${arg.split('=')[0]}`);
  });

  it('leaves real flags and values alone', () => {
    expect(() => refusePrototypeFlags(['--agent-id', 'constructor', '--name=toString', '--json'])).not.toThrow();
  });
});
