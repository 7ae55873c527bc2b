export type ExportBundleFailure = 'out_dir_not_empty' | 'truncated_export' | 'unreadable_bundle' | 'unknown_format_version';

/** An export bundle that cannot be written or read at all (as opposed to one that fails verification). */
export class ExportBundleError extends Error {
  constructor(
    readonly reason: ExportBundleFailure,
    message: string,
    readonly path?: string,
  ) {
    super(message);
    this.name = 'ExportBundleError';
  }
}
