import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError } from '@caracal/domain';
import type { SqlClient } from '@caracal/event-store';
import { SQL_CLIENT } from '../injection-tokens.js';

/**
 * Policies live on their delegation root's budget stream; the read model (written in the same
 * transaction as the events) says which root a policy id belongs to.
 */
@Injectable()
export class PolicyLocation {
  constructor(@Inject(SQL_CLIENT) private readonly sql: SqlClient) {}

  async rootAgentOf(policyId: string): Promise<string> {
    const { rows } = await this.sql.query<{ root_agent_id: string }>(
      'SELECT a.root_agent_id FROM policies p JOIN agents a ON a.agent_id = p.agent_id WHERE p.policy_id = $1',
      [policyId],
    );
    if (rows.length === 0) throw new NotFoundError('policy', policyId);
    return String(rows[0].root_agent_id);
  }
}
