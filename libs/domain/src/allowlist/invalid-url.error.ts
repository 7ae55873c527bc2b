/**
 * A URL the gateway will not match (and so will not forward): not http(s), carries userinfo,
 * contains characters that parsers disagree on, or cannot be parsed. `reason` says which.
 */
export class InvalidUrlError extends Error {
  constructor(
    readonly input: string,
    readonly reason: string,
  ) {
    super(`Invalid URL ${JSON.stringify(input)}: ${reason}`);
    this.name = 'InvalidUrlError';
  }
}
