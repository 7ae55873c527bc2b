import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { ItemList, MerkleKey } from '@caracal/api-contract';
import type { SqlClient } from '@caracal/event-store';
import { loadKeyRecords } from '@caracal/sealing';
import { SQL_CLIENT } from '../injection-tokens.js';

/**
 * The public keys heads are signed with (merkle_keys), retired ones included so old heads verify.
 * Private keys are never stored, so there is none to leak. An auditor should compare these with
 * a copy they trust: whoever can write merkle_keys can list a key of their own.
 */
@ApiTags('merkle')
@ApiBearerAuth()
@Controller('v1/merkle/keys')
export class MerkleKeysController {
  constructor(@Inject(SQL_CLIENT) private readonly sql: SqlClient) {}

  @Get()
  async list(): Promise<ItemList<MerkleKey>> {
    return { items: await loadKeyRecords(this.sql) };
  }
}
