/**
 * What a hold was admitted on when the gateway used the access it remembered for the agent's key
 * instead of reading it for this request: the key and the allowlist entry that let the target
 * through. The hold's commit confirms both (budget-transaction.hook.ts), so a revocation or a
 * removal that committed before the hold still refuses it.
 */
export interface RememberedAccess {
  keyId: string;
  entryId: string;
}
