import { DomainError } from './domain-error.js';

export interface ValidationIssue {
  field: string;
  message: string;
}

/** The command is malformed. Carries every bad field at once, so a user fixes them in one go. */
export class ValidationError extends DomainError {
  readonly code = 'validation_failed';

  constructor(readonly issues: readonly ValidationIssue[]) {
    super(`Validation failed: ${issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ')}`);
  }
}
