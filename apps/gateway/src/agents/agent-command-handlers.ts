import { IssueAgentKeyHandler } from './issue-agent-key.command.js';
import { ReactivateAgentHandler } from './reactivate-agent.command.js';
import { RegisterAgentHandler } from './register-agent.command.js';
import { RevokeAgentKeyHandler } from './revoke-agent-key.command.js';
import { RotateAgentKeyHandler } from './rotate-agent-key.command.js';
import { SuspendAgentHandler } from './suspend-agent.command.js';
import { UpdateAgentHandler } from './update-agent.command.js';

export const AGENT_COMMAND_HANDLERS = [
  RegisterAgentHandler,
  UpdateAgentHandler,
  SuspendAgentHandler,
  ReactivateAgentHandler,
  IssueAgentKeyHandler,
  RotateAgentKeyHandler,
  RevokeAgentKeyHandler,
];
