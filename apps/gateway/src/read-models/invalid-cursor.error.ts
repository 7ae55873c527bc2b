/** A pagination cursor that this server did not hand out. */
export class InvalidCursorError extends Error {
  readonly field = 'cursor';
  constructor() {
    super('cursor is not a cursor returned by a previous page');
    this.name = 'InvalidCursorError';
  }
}
