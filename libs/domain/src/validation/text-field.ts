import type { ValidationIssue } from '../errors/validation-error.js';

export interface TextRules {
  /** Required text must contain something other than whitespace. */
  required: boolean;
  maxLength: number;
}

/**
 * The rules every free-text field shares (names, reasons, descriptions). Commands come from
 * JSON, so the type is checked at run time too. Returns the field's issues (none or one).
 */
export function checkText(field: string, value: unknown, rules: TextRules): ValidationIssue[] {
  if (typeof value !== 'string') return [{ field, message: 'must be a string' }];
  if (rules.required && value.trim().length === 0) return [{ field, message: 'is required' }];
  if (value.length > rules.maxLength) {
    return [{ field, message: `must be at most ${rules.maxLength} characters (got ${value.length})` }];
  }
  return [];
}
