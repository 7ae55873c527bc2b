import {
  AgentSuspendedError,
  BudgetExceededError,
  ConflictError,
  DomainError,
  NotFoundError,
  ValidationError,
  type AgentStatus,
  type BudgetEvent,
  type BudgetExceededDetails,
  type ChainAgent,
  type ReservationCommand,
  type ValidationIssue,
} from '@caracal/domain';
import type { Outcome } from './budget-stream.writer.js';
import type { RememberedAccess } from './remembered-access.js';
import { StaleAccessError } from './stale-access.error.js';

/** A hold, settlement or release on its way to the budget stream's owner (budget-ownership.ts). */
export interface ForwardedCommand {
  rootAgentId: string;
  command: Exclude<ReservationCommand, { type: 'ExpireReservations' }>;
  access: RememberedAccess | null;
}

/**
 * What the owner answers for one forwarded command: its outcome (for an admitted hold, with the
 * budget left on the hold's path just after it), or why it could not decide it.
 */
export type ForwardedResult = (Outcome & { remainingNanos?: bigint | null }) | { failed: string };

// The JSON sent between gateway processes: amounts as decimal strings of nanos, times as ISO strings.

/** An amount in nanos as it travels: a decimal integer string (a JSON number would lose digits). */
const NANOS_TEXT = /^-?\d{1,30}$/;

export function encodeCommand({ rootAgentId, command, access }: ForwardedCommand): Record<string, unknown> {
  const amount = 'amountNanos' in command ? { amountNanos: command.amountNanos.toString() } : {};
  return { rootAgentId, access, ...command, ...amount, now: command.now.toISOString() };
}

/** Reads one forwarded command; a ValidationError names every bad field under `at`. */
export function decodeCommand(input: unknown, at: string): ForwardedCommand | ValidationError {
  const read = new FieldReader(input, at);
  const type = read.oneOf('type', ['ReserveSpend', 'SettleSpend', 'ReleaseReservation'] as const);
  const rootAgentId = read.text('rootAgentId');
  const reservationId = read.text('reservationId');
  const now = read.time('now');
  const access = read.access('access');
  let command: ForwardedCommand['command'] | null = null;
  if (type === 'ReserveSpend') {
    command = {
      type, reservationId, now,
      requestId: read.text('requestId'),
      agentId: read.text('agentId'),
      agentChain: read.chain('agentChain'),
      resource: read.text('resource'),
      model: read.nullableText('model'),
      amountNanos: read.nanos('amountNanos'),
      currency: read.text('currency'),
      ttlMs: read.integer('ttlMs'),
    };
  } else if (type === 'SettleSpend') {
    command = { type, reservationId, now, amountNanos: read.nanos('amountNanos'), usage: read.usage('usage'), pricebookVersion: read.text('pricebookVersion') };
  } else if (type === 'ReleaseReservation') {
    command = { type, reservationId, now, reason: read.text('reason') };
  }
  if (read.issues.length > 0 || command === null) return new ValidationError(read.issues);
  return { rootAgentId, command, access };
}

export function encodeResult(result: ForwardedResult): Record<string, unknown> {
  if ('failed' in result) return result;
  if (result.ok) {
    const { remainingNanos } = result;
    return remainingNanos === undefined ? { ok: true, events: result.events } : { ok: true, events: result.events, remainingNanos: remainingNanos === null ? null : `${remainingNanos}` };
  }
  return { ok: false, error: encodeError(result.error) };
}

/** The owner's answer as this process's Outcome; anything unreadable is a failure, never an admission. */
export function decodeResult(input: unknown): ForwardedResult {
  if (typeof input !== 'object' || input === null) return { failed: 'the owner sent no outcome' };
  const value = input as Record<string, unknown>;
  if (typeof value.failed === 'string') return { failed: value.failed };
  if (value.ok === true && Array.isArray(value.events)) {
    const events = value.events as BudgetEvent[];
    if (value.remainingNanos === null) return { ok: true, events, remainingNanos: null };
    if (typeof value.remainingNanos === 'string' && NANOS_TEXT.test(value.remainingNanos)) return { ok: true, events, remainingNanos: BigInt(value.remainingNanos) };
    return { ok: true, events };
  }
  if (value.ok === false && typeof value.error === 'object' && value.error !== null) return { ok: false, error: decodeError(value.error as Record<string, unknown>) };
  return { failed: 'the owner sent an outcome of unknown shape' };
}

function encodeError(error: DomainError): Record<string, unknown> {
  if (error instanceof BudgetExceededError) {
    const d = error.details;
    return {
      code: error.code, message: error.message,
      details: { ...d, limitNanos: `${d.limitNanos}`, spentNanos: `${d.spentNanos}`, heldNanos: `${d.heldNanos}`, remainingNanos: `${d.remainingNanos}`, requestedNanos: `${d.requestedNanos}` },
    };
  }
  if (error instanceof AgentSuspendedError) return { code: error.code, message: error.message, agentId: error.agentId, requestingAgentId: error.requestingAgentId };
  if (error instanceof StaleAccessError) return { code: error.code, message: error.message, keyId: error.keyId };
  if (error instanceof NotFoundError) return { code: error.code, message: error.message, entity: error.entity, id: error.id };
  if (error instanceof ValidationError) return { code: error.code, message: error.message, issues: error.issues };
  return { code: error.code, message: error.message };
}

function decodeError(error: Record<string, unknown>): DomainError {
  const message = String(error.message);
  switch (error.code) {
    case 'budget_exceeded': {
      const d = error.details as Record<string, string | null>;
      return new BudgetExceededError({
        policyId: String(d.policyId), agentId: String(d.agentId),
        timeWindow: d.timeWindow as BudgetExceededDetails['timeWindow'], windowType: d.windowType as BudgetExceededDetails['windowType'],
        windowStart: d.windowStart, windowEnd: d.windowEnd,
        limitNanos: BigInt(String(d.limitNanos)), spentNanos: BigInt(String(d.spentNanos)), heldNanos: BigInt(String(d.heldNanos)),
        remainingNanos: BigInt(String(d.remainingNanos)), requestedNanos: BigInt(String(d.requestedNanos)),
      });
    }
    case 'agent_suspended':
      return new AgentSuspendedError(String(error.agentId), String(error.requestingAgentId));
    case 'stale_access':
      return new StaleAccessError(String(error.keyId));
    case 'not_found':
      return new NotFoundError(String(error.entity), String(error.id));
    case 'validation_failed':
      return new ValidationError(Array.isArray(error.issues) ? (error.issues as ValidationIssue[]) : [{ field: 'command', message }]);
    default:
      return new ConflictError(message);
  }
}

const AGENT_STATUSES: readonly AgentStatus[] = ['unregistered', 'active', 'suspended'];

/** Reads the fields of one object, collecting an issue per bad field instead of stopping at the first. */
class FieldReader {
  readonly issues: ValidationIssue[] = [];
  private readonly value: Record<string, unknown>;

  constructor(input: unknown, private readonly at: string) {
    const isObject = typeof input === 'object' && input !== null && !Array.isArray(input);
    if (!isObject) this.issues.push({ field: at, message: 'must be an object' });
    this.value = isObject ? (input as Record<string, unknown>) : {};
  }

  text(name: string): string {
    const value = this.value[name];
    if (typeof value === 'string' && value.length > 0) return value;
    return this.fail(name, 'must be a non-empty string', '');
  }

  nullableText(name: string): string | null {
    return this.value[name] === null ? null : this.text(name);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | null {
    const value = this.value[name];
    if (allowed.includes(value as T)) return value as T;
    return this.fail(name, `must be one of ${allowed.join(', ')}`, null);
  }

  integer(name: string): number {
    const value = this.value[name];
    if (Number.isSafeInteger(value)) return value as number;
    return this.fail(name, 'must be an integer', 0);
  }

  nanos(name: string): bigint {
    const value = this.value[name];
    if (typeof value === 'string' && NANOS_TEXT.test(value)) return BigInt(value);
    return this.fail(name, 'must be a decimal string of nanos', 0n);
  }

  time(name: string): Date {
    const value = this.value[name];
    const time = typeof value === 'string' ? new Date(value) : null;
    if (time !== null && !Number.isNaN(time.getTime())) return time;
    return this.fail(name, 'must be an ISO 8601 time', new Date(0));
  }

  chain(name: string): ChainAgent[] {
    const value = this.value[name];
    const valid = Array.isArray(value) && value.length > 0 && value.every((agent: unknown) => {
      const a = agent as Record<string, unknown> | null;
      return typeof a === 'object' && a !== null && typeof a.agentId === 'string' && AGENT_STATUSES.includes(a.status as AgentStatus);
    });
    if (valid) return (value as ChainAgent[]).map(({ agentId, status }) => ({ agentId, status }));
    return this.fail(name, 'must be a non-empty list of { agentId, status }', []);
  }

  usage(name: string): Record<string, number | null> {
    const value = this.value[name];
    const valid = typeof value === 'object' && value !== null && !Array.isArray(value)
      && Object.values(value).every((n) => n === null || Number.isFinite(n));
    if (valid) return value as Record<string, number | null>;
    return this.fail(name, 'must be an object of numbers or nulls', {});
  }

  access(name: string): RememberedAccess | null {
    const value = this.value[name] as Record<string, unknown> | null | undefined;
    if (value === null || value === undefined) return null;
    if (typeof value === 'object' && typeof value.keyId === 'string' && typeof value.entryId === 'string') return { keyId: value.keyId, entryId: value.entryId };
    return this.fail(name, 'must be null or { keyId, entryId }', null);
  }

  private fail<T>(name: string, message: string, placeholder: T): T {
    this.issues.push({ field: `${this.at}.${name}`, message });
    return placeholder;
  }
}
