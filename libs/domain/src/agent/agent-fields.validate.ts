import type { ValidationIssue } from '../errors/validation-error.js';
import { checkText } from '../validation/text-field.js';

// Field rules shared by RegisterAgent and UpdateAgent (and by key commands for keys).

const AGENT_NAME_MAX_LENGTH = 100;
const AGENT_OWNER_MAX_LENGTH = 200;
const AGENT_DESCRIPTION_MAX_LENGTH = 1000;
const METADATA_MAX_KEYS = 50;
const METADATA_KEY_MAX_LENGTH = 100;
const METADATA_VALUE_MAX_LENGTH = 1000;

// Names show up in CLI output, URLs and logs: a safe character set with no leading punctuation.
const AGENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

export function checkAgentName(value: unknown): ValidationIssue[] {
  const textIssues = checkText('name', value, { required: true, maxLength: AGENT_NAME_MAX_LENGTH });
  if (textIssues.length > 0) return textIssues;
  if (!AGENT_NAME.test(value as string)) {
    return [{ field: 'name', message: 'must start with a letter or digit and contain only letters, digits, ".", "_" and "-"' }];
  }
  return [];
}

export function checkAgentOwner(value: unknown): ValidationIssue[] {
  return checkText('owner', value, { required: true, maxLength: AGENT_OWNER_MAX_LENGTH });
}

export function checkAgentDescription(value: unknown): ValidationIssue[] {
  return checkText('description', value, { required: false, maxLength: AGENT_DESCRIPTION_MAX_LENGTH });
}

export function checkMetadata(value: unknown): ValidationIssue[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [{ field: 'metadata', message: 'must be an object of string values' }];
  }
  const entries = Object.entries(value);
  if (entries.length > METADATA_MAX_KEYS) {
    return [{ field: 'metadata', message: `must have at most ${METADATA_MAX_KEYS} keys (got ${entries.length})` }];
  }
  return entries.flatMap(([key, entry]) => {
    const field = `metadata.${key}`;
    if (key.length === 0 || key.length > METADATA_KEY_MAX_LENGTH) {
      return [{ field, message: `keys must be 1 to ${METADATA_KEY_MAX_LENGTH} characters` }];
    }
    return checkText(field, entry, { required: false, maxLength: METADATA_VALUE_MAX_LENGTH });
  });
}

export function checkKeyId(field: string, value: unknown): ValidationIssue[] {
  return checkText(field, value, { required: true, maxLength: 100 });
}

/** The SHA-256 of the random key, lower-case hex. It identifies the key without revealing it. */
export function checkKeyHash(field: string, value: unknown): ValidationIssue[] {
  if (typeof value !== 'string' || !SHA256_HEX.test(value)) {
    return [{ field, message: 'must be a SHA-256 digest in lower-case hex (64 characters)' }];
  }
  return [];
}
