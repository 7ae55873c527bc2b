import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ValidationError } from '@caracal/domain';
import { FORWARDED_COMMANDS_PATH } from './budget-peer.client.js';
import { BudgetStreamCommandQueue } from './budget-stream.command-queue.js';
import { decodeCommand, encodeResult, type ForwardedCommand } from './forwarded-command.codec.js';

const MAX_COMMANDS = 256;

/**
 * Where another gateway process forwards the commands of a budget stream this process owns
 * (budget-ownership.ts). Admin-authenticated like every non-proxy route: the processes of one
 * deployment share the admin token. The whole request is refused (400, naming the field) before
 * anything is decided if one command cannot be read; otherwise each command gets its outcome.
 */
@ApiExcludeController()
@Controller()
export class BudgetPeerController {
  constructor(private readonly budgetStreams: BudgetStreamCommandQueue) {}

  @Post(FORWARDED_COMMANDS_PATH)
  @HttpCode(200)
  async decideForwarded(@Body() body: unknown): Promise<{ results: Record<string, unknown>[] }> {
    const list = (body as { commands?: unknown } | null)?.commands;
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_COMMANDS) {
      throw new ValidationError([{ field: 'commands', message: `must be a list of 1 to ${MAX_COMMANDS} commands` }]);
    }
    const commands: ForwardedCommand[] = [];
    const issues = [];
    for (const [i, input] of list.entries()) {
      const decoded = decodeCommand(input, `commands[${i}]`);
      if (decoded instanceof ValidationError) issues.push(...decoded.issues);
      else commands.push(decoded);
    }
    if (issues.length > 0) throw new ValidationError(issues);
    const results = await Promise.all(commands.map((command) => this.budgetStreams.decideForwarded(command)));
    return { results: results.map(encodeResult) };
  }
}
