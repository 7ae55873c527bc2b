import { describe, expect, it } from '@jest/globals';
import { AgentSuspendedError, BudgetExceededError, NotFoundError, ValidationError, type ReserveSpend } from '@caracal/domain';
import { decodeCommand, decodeResult, encodeCommand, encodeResult, type ForwardedCommand } from './forwarded-command.codec.js';
import { StaleAccessError } from './stale-access.error.js';

const ROOT = '0193a5b0-0000-7000-8000-000000000001';
const hold: ReserveSpend = {
  type: 'ReserveSpend', reservationId: '0193a5b0-0000-7000-8000-0000000000aa', requestId: 'req-1', agentId: ROOT,
  agentChain: [{ agentId: ROOT, status: 'active' }], resource: 'https://api.openai.com/v1/chat/completions', model: 'gpt-4o-mini',
  amountNanos: 123_456_789_012_345n, currency: 'USD', now: new Date('2026-12-06T10:00:00.123Z'), ttlMs: 900_000,
};

/** Through JSON, as between two processes. */
const overTheWire = <T>(value: T): unknown => JSON.parse(JSON.stringify(value));

describe('forwarded budget commands', () => {
  it('carry a hold, a settlement and a release to the owner unchanged', () => {
    const commands: ForwardedCommand[] = [
      { rootAgentId: ROOT, command: hold, access: { keyId: 'key-1', entryId: 'entry-1' } },
      { rootAgentId: ROOT, command: { type: 'SettleSpend', reservationId: hold.reservationId, amountNanos: 99n, usage: { input_tokens: 12, output_tokens: null }, pricebookVersion: 'v3', now: new Date('2026-12-06T10:00:01Z') }, access: null },
      { rootAgentId: ROOT, command: { type: 'ReleaseReservation', reservationId: hold.reservationId, reason: 'upstream_error', now: new Date('2026-12-06T10:00:02Z') }, access: null },
    ];
    for (const command of commands) expect(decodeCommand(overTheWire(encodeCommand(command)), 'commands[0]')).toEqual(command);
  });

  it('refuse a command with bad fields, naming every one', () => {
    const bad = { ...(overTheWire(encodeCommand({ rootAgentId: ROOT, command: hold, access: null })) as Record<string, unknown>), amountNanos: 1.5, now: 'yesterday', agentChain: [] };
    const decoded = decodeCommand(bad, 'commands[3]');
    expect(decoded).toBeInstanceOf(ValidationError);
    expect((decoded as ValidationError).issues.map((issue) => issue.field)).toEqual(['commands[3].now', 'commands[3].agentChain', 'commands[3].amountNanos']);
    expect((decodeCommand({ type: 'ExpireReservations' }, 'commands[0]') as ValidationError).issues[0]).toEqual({ field: 'commands[0].type', message: 'must be one of ReserveSpend, SettleSpend, ReleaseReservation' });
    expect((decodeCommand('x', 'commands[0]') as ValidationError).issues[0]).toEqual({ field: 'commands[0]', message: 'must be an object' });
  });

  it('bring refusals back as the same domain errors, with their figures', () => {
    const exceeded = new BudgetExceededError({
      policyId: 'p1', agentId: ROOT, timeWindow: 'daily', windowType: 'rolling', windowStart: '2026-12-05T10:00:00.000Z', windowEnd: '2026-12-06T10:00:00.000Z',
      limitNanos: 10n ** 20n, spentNanos: 5n, heldNanos: 6n, remainingNanos: -1n, requestedNanos: 7n,
    });
    const refusals = [exceeded, new AgentSuspendedError('parent', ROOT), new StaleAccessError('key-1'), new NotFoundError('open reservation', 'r1'), new ValidationError([{ field: 'amountNanos', message: 'must be positive' }])];
    for (const error of refusals) {
      const back = decodeResult(overTheWire(encodeResult({ ok: false, error })));
      expect(back).toEqual({ ok: false, error });
      expect((back as { error: Error }).error).toBeInstanceOf(error.constructor);
      expect((back as { error: Error }).error.message).toBe(error.message);
      expect({ ...(back as { error: Error }).error }).toEqual({ ...error }); // details, agent ids, key ids
    }
  });

  it('bring back with an admitted hold the budget left on its path', () => {
    const events = [{ type: 'SpendReserved', schemaVersion: 1, data: { reservationId: hold.reservationId } }] as never[];
    for (const remainingNanos of [-5n, 0n, 10n ** 21n, null]) {
      expect(decodeResult(overTheWire(encodeResult({ ok: true, events, remainingNanos })))).toEqual({ ok: true, events, remainingNanos });
    }
    expect(decodeResult(overTheWire(encodeResult({ ok: true, events })))).toEqual({ ok: true, events });
    expect(decodeResult({ ok: true, events, remainingNanos: '1e9' })).toEqual({ ok: true, events });
  });

  it('read an answer of unknown shape as a failure, never as an admission', () => {
    expect(decodeResult(null)).toEqual({ failed: 'the owner sent no outcome' });
    expect(decodeResult({ ok: true })).toEqual({ failed: 'the owner sent an outcome of unknown shape' });
    expect(decodeResult({ ok: 'yes', events: [] })).toEqual({ failed: 'the owner sent an outcome of unknown shape' });
    expect(decodeResult({ failed: 'store_unavailable' })).toEqual({ failed: 'store_unavailable' });
  });
});
