/** Exit code for a failure reported by the gateway (4xx/5xx) or for not reaching it at all. */
export const EXIT_GATEWAY_FAILURE = 1;
/** Exit code for a command the operator has to fix before retrying; oclif uses 2 for its own usage errors. */
export const EXIT_USAGE = 2;

/**
 * A failure the CLI expects and explains: printed as `Error: <message>` followed by the detail
 * lines, never with a stack trace, and the process exits with `exitCode`.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly detailLines: readonly string[] = [],
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * A failure the command's own output already shows (`db health-check` printing an unhealthy
 * report): the process exits with `exitCode` and nothing more is printed.
 */
export class ReportedFailure extends CliError {
  constructor(exitCode: number) {
    super('', exitCode);
    this.name = 'ReportedFailure';
  }
}
