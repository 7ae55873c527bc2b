import { DomainError } from '@caracal/domain';

/**
 * The hold's commit found the remembered access no longer true (the key revoked, or the
 * allowlist entry removed): no hold was taken. The proxy reads the access again and answers on
 * what it reads.
 */
export class StaleAccessError extends DomainError {
  readonly code = 'stale_access';

  constructor(readonly keyId: string) {
    super(`the access remembered for key ${keyId} changed; read it again`);
  }
}
