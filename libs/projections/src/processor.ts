// The processor contract comes from the runtime (libs/processing): the runner applies each batch
// with its checkpoint in one transaction, then calls afterCommit.
export type { Processor } from '@caracal/processing';
