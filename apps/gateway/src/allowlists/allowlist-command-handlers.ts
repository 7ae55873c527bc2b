import { AddAllowlistEntryHandler } from './add-allowlist-entry.command.js';
import { AllowlistTester } from './allowlist-tester.js';
import { RemoveAllowlistEntryHandler } from './remove-allowlist-entry.command.js';

export const ALLOWLIST_COMMAND_HANDLERS = [AddAllowlistEntryHandler, RemoveAllowlistEntryHandler, AllowlistTester];
