import { describe, expect, it } from '@jest/globals';
import { CliError, EXIT_GATEWAY_FAILURE } from '../cli-error.js';
import { GatewayError } from '../gateway-client.js';
import { formatError } from './error-output.js';

describe('formatError', () => {
  it('prints the message and one indented line per field detail', () => {
    const error = new GatewayError(
      400,
      {
        error: 'validation_failed',
        message: 'request validation failed',
        request_id: 'r1',
        details: [{ field: 'limit', message: 'must be a positive decimal amount' }],
      },
      'request validation failed',
      ['limit: must be a positive decimal amount', 'currency: must be a 3-letter code'],
    );
    expect(formatError(error)).toBe(
      'Error: request validation failed\n  limit: must be a positive decimal amount\n  currency: must be a 3-letter code',
    );
  });

  it('prints a message without details on one line', () => {
    expect(formatError(new CliError('agent not found', EXIT_GATEWAY_FAILURE))).toBe('Error: agent not found');
  });

  it('keeps server text from moving the cursor or clearing the screen', () => {
    expect(formatError(new CliError('bad\u001b[2J\r\nname', EXIT_GATEWAY_FAILURE))).toBe('Error: bad [2J  name');
  });
});
