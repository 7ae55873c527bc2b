import { describe, expect, it } from '@jest/globals';
import { globalFlagsAfterCommand } from './global-flags-first.js';

describe('globalFlagsAfterCommand', () => {
  it.each([
    [['--url', 'http://g:1', 'agent', 'list'], ['agent', 'list', '--gateway-url', 'http://g:1']],
    [['--url=http://g:1', 'agent', 'list', '--owner', 'o'], ['agent', 'list', '--gateway-url=http://g:1', '--owner', 'o']],
    [['--token', 't', '--json', '--data-dir', 'd', 'policy', 'get', '--policy-id', 'p'], ['policy', 'get', '--token', 't', '--json', '--data-dir', 'd', '--policy-id', 'p']],
    [['--gateway-url', 'http://g:1', 'merkle', 'verify-export', './dir'], ['merkle', 'verify-export', './dir', '--gateway-url', 'http://g:1']],
  ])('moves leading global flags after the command: %j', (argv, expected) => {
    expect(globalFlagsAfterCommand(argv)).toEqual(expected);
  });

  it('keeps allowlist test --url (the URL under test) apart from a leading gateway --url', () => {
    expect(globalFlagsAfterCommand(['--url', 'http://g:1', 'allowlist', 'test', '--agent-id', 'a', '--url', 'https://x/'])).toEqual([
      'allowlist', 'test', '--gateway-url', 'http://g:1', '--agent-id', 'a', '--url', 'https://x/',
    ]);
  });

  it.each([
    [['agent', 'list', '--url', 'http://g:1']],
    [['--help']],
    [['--version']],
    [['--json']],
    [['--url']],
    [['--url', 'http://g:1']],
    [['--verbose', 'agent', 'list']],
    [['--json', '--help', 'agent', 'list']],
    [[]],
  ])('leaves anything else for oclif to answer: %j', (argv) => {
    expect(globalFlagsAfterCommand(argv)).toEqual(argv);
  });
});
