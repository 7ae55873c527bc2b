import { ChangePolicyHandler } from './change-policy.command.js';
import { CreatePolicyHandler } from './create-policy.command.js';
import { DeactivatePolicyHandler } from './deactivate-policy.command.js';
import { PolicyLocation } from './policy-location.js';

export const POLICY_COMMAND_HANDLERS = [PolicyLocation, CreatePolicyHandler, ChangePolicyHandler, DeactivatePolicyHandler];
