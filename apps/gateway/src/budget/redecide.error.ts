/** Another writer (process) or an in-transaction check invalidated the batch: decide it again. */
export class RedecideError extends Error {
  constructor(
    readonly suspendedAgentIds: readonly string[],
    /** Keys whose remembered access (RememberedAccess) no longer holds. */
    readonly staleKeyIds: readonly string[] = [],
  ) {
    super(`decided on what changed since: agents suspended [${suspendedAgentIds.join(', ')}], access changed for keys [${staleKeyIds.join(', ')}]`);
    this.name = 'RedecideError';
  }
}
