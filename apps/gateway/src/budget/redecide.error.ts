/** Another writer (process) or an in-transaction check invalidated the batch: decide it again. */
export class RedecideError extends Error {
  constructor(readonly suspendedAgentIds: readonly string[]) {
    super(`agents suspended while deciding: ${suspendedAgentIds.join(', ')}`);
    this.name = 'RedecideError';
  }
}
