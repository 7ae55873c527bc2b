/**
 * A URL glob as the allowlist reads it (DESIGN.md "Gateway"): matched part by part, never across
 * the host/path boundary. `*` in the host matches within the host (no `/`, `:` or `@`); `*` in
 * the path (query included) matches anything, `/` included. A pattern without a path matches the
 * root only. Scheme and host are case-insensitive; the path is case-sensitive.
 */
export interface ResourcePattern {
  readonly source: string;
  /** Literal (non-`*`) characters: the more, the more specific. */
  readonly specificity: number;
  matches(normalisedUrl: string): boolean;
}

const PATTERN = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]+)([/?].*)?$/i;

export class InvalidResourcePatternError extends Error {
  constructor(
    readonly pattern: string,
    problem: string,
  ) {
    super(`Invalid resource pattern ${JSON.stringify(pattern)}: ${problem}`);
    this.name = 'InvalidResourcePatternError';
  }
}

export function compileResourcePattern(source: string): ResourcePattern {
  const match = PATTERN.exec(source);
  if (match === null) throw new InvalidResourcePatternError(source, 'expected scheme://host[:port][/path], e.g. https://api.example.com/*');
  const [, scheme, host, path = '/'] = match;
  if (scheme.includes('*')) throw new InvalidResourcePatternError(source, 'the scheme cannot contain *');
  if (host.includes('@')) throw new InvalidResourcePatternError(source, 'userinfo is not allowed');
  const origin = new RegExp(`^${escape(scheme.toLowerCase())}://${globToRegex(host.toLowerCase(), '[^/:@?#]*')}$`);
  const rest = new RegExp(`^${globToRegex(path, '.*')}$`, 's');
  const specificity = source.replace(/\*/g, '').length;
  return {
    source,
    specificity,
    matches(url: string): boolean {
      const parts = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]+)([/?].*)?$/i.exec(url);
      if (parts === null) return false;
      const [, urlOrigin, urlRest = '/'] = parts;
      return origin.test(urlOrigin.toLowerCase()) && rest.test(urlRest);
    },
  };
}

function globToRegex(glob: string, star: string): string {
  return glob.split('*').map(escape).join(star);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
