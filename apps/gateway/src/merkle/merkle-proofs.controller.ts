import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { MerkleConsistencyProof, MerkleInclusionProof } from '@caracal/api-contract';
import { NotFoundError, ValidationError } from '@caracal/domain';
import type { SqlClient } from '@caracal/event-store';
import {
  loadConsistencyProof, loadInclusionProof, MerkleProofError, MerkleSealerStateError,
} from '@caracal/sealing';
import { SQL_CLIENT } from '../injection-tokens.js';
import { MerkleProofConflictError } from './merkle-proof-conflict.error.js';
import { jsonSafe } from './merkle.controller.js';

const BATCH_ID = /^[1-9][0-9]{0,18}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * RFC 9162 proofs over the sealed log (docs/sealing.md "Proofs"): an event's inclusion proof
 * against a signed head, and the consistency proof between two heads. The client verifies them
 * itself (`caracal merkle prove|consistency`); nothing here vouches for them. Read-only.
 */
@ApiTags('merkle')
@ApiBearerAuth()
@Controller('v1/merkle/proofs')
export class MerkleProofsController {
  constructor(@Inject(SQL_CLIENT) private readonly sql: SqlClient) {}

  @Get('inclusion')
  async inclusion(@Query('eventId') eventId?: string, @Query('batchId') batchId?: string): Promise<MerkleInclusionProof> {
    if (eventId === undefined || !UUID.test(eventId)) throw invalid('eventId', 'is required: the event id (a UUID)');
    if (batchId !== undefined && !BATCH_ID.test(batchId)) throw invalid('batchId', 'must be a positive integer');
    return jsonSafe(await proofOrError(() => loadInclusionProof(this.sql, eventId.toLowerCase(), batchId)));
  }

  @Get('consistency')
  async consistency(@Query('fromBatchId') fromBatchId?: string, @Query('toBatchId') toBatchId?: string): Promise<MerkleConsistencyProof> {
    if (fromBatchId === undefined || !BATCH_ID.test(fromBatchId)) throw invalid('fromBatchId', 'is required: a positive integer');
    if (toBatchId === undefined || !BATCH_ID.test(toBatchId)) throw invalid('toBatchId', 'is required: a positive integer');
    if (BigInt(fromBatchId) > BigInt(toBatchId)) throw invalid('toBatchId', 'must not be below fromBatchId');
    return jsonSafe(await proofOrError(() => loadConsistencyProof(this.sql, fromBatchId, toBatchId)));
  }
}

/** unknown_event / unknown_batch → 404 not_found; the other reasons → 409 with the reason as code. */
async function proofOrError<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (error instanceof MerkleProofError) {
      if (error.reason === 'unknown_event') throw new NotFoundError('event', error.data.eventId ?? '');
      if (error.reason === 'unknown_batch') throw new NotFoundError('merkle batch', error.data.batchId ?? 'latest');
      throw new MerkleProofConflictError(error.reason, error.message);
    }
    // Leaves missing below a head's tree size: the store was tampered with or is inconsistent.
    if (error instanceof MerkleSealerStateError) throw new MerkleProofConflictError('merkle_state_inconsistent', error.message);
    throw error;
  }
}

function invalid(field: string, message: string): ValidationError {
  return new ValidationError([{ field, message }]);
}
