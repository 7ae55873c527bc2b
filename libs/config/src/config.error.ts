/** A configuration value is missing or malformed; names the setting so an operator can fix it. */
export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    reason: string,
  ) {
    super(`configuration ${setting}: ${reason}`);
    this.name = 'ConfigError';
  }
}
