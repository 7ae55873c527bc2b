import { InvalidUrlError } from './invalid-url.error.js';

/** A normalised http(s) URL, split where globs match it part by part. */
export interface NormalisedUrl {
  /** The whole normalised URL: what regex entries match and what the gateway forwards. */
  href: string;
  scheme: 'http' | 'https';
  /** Lower case, punycode, no trailing dot; IPv6 in brackets. */
  host: string;
  /** '' for the scheme's default port. */
  port: string;
  /** Path and query ('/' at least); the fragment is gone. */
  pathAndQuery: string;
}

export interface UrlParseOptions {
  /** Glob patterns may use '*' in the host; real URLs may not. */
  allowHostWildcard: boolean;
}

// Whitespace and control characters are silently stripped by the WHATWG parser ("ht\ttps://")
// and read differently by other parsers; a backslash is a "/" to WHATWG but not to everyone.
// Refusing them means the URL we check is the URL every later hop sees.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const AMBIGUOUS_CHARACTERS = /[\u0000-\u0020\u007f\\]/;
// Strict prefix: the WHATWG parser also accepts "https:host" and "https:///host".
const SCHEME_AND_AUTHORITY = /^(https?):\/\/([^/?#]*)/i;
const HOST_NAME = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/;
const WILDCARD_HOST_NAME = /^[a-z0-9_*-]+(\.[a-z0-9_*-]+)*$/;
const IPV6_HOST = /^\[[0-9a-f:.]+\]$/;
const UNRESERVED = /^[A-Za-z0-9._~-]$/;

/**
 * Normalises an http(s) URL so that equivalent spellings compare equal (RFC 3986 §6.2.2 plus
 * WHATWG host parsing): lower-case scheme and host, trailing dot and default port dropped, dot
 * segments resolved, unreserved characters percent-decoded, other escapes in upper-case hex,
 * fragment dropped. Throws InvalidUrlError for anything it will not vouch for.
 */
export function normaliseUrl(raw: string): string {
  return parseUrl(raw, { allowHostWildcard: false }).href;
}

export function parseUrl(raw: string, options: UrlParseOptions): NormalisedUrl {
  if (typeof raw !== 'string') throw new InvalidUrlError(String(raw), 'must be a string');
  if (AMBIGUOUS_CHARACTERS.test(raw)) {
    throw new InvalidUrlError(raw, 'contains whitespace, a control character or a backslash');
  }
  const prefix = SCHEME_AND_AUTHORITY.exec(raw);
  if (prefix === null) throw new InvalidUrlError(raw, 'must start with http:// or https:// followed by a host');
  const authority = prefix[2];
  if (authority.includes('@')) {
    // "https://api.openai.com@evil.com/" goes to evil.com: credentials in URLs only ever mislead.
    throw new InvalidUrlError(raw, 'userinfo ("user@host") is not allowed');
  }
  if (authority === '') throw new InvalidUrlError(raw, 'has no host');

  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidUrlError(raw, 'cannot be parsed (check the host and port)');
  }
  const scheme = url.protocol === 'https:' ? 'https' : 'http';
  // "api.example.com." is the same DNS name as "api.example.com".
  const host = url.hostname.endsWith('.') ? url.hostname.slice(0, -1) : url.hostname;
  const hostName = options.allowHostWildcard ? WILDCARD_HOST_NAME : HOST_NAME;
  if (!IPV6_HOST.test(host) && !hostName.test(host)) {
    throw new InvalidUrlError(raw, `host ${JSON.stringify(host)} is not a valid host name`);
  }
  // The WHATWG parser has already dropped the default port and resolved dot segments,
  // including encoded ones ("%2e%2e").
  const port = url.port;
  const pathAndQuery = normalisePercentEncoding(raw, url.pathname + url.search);
  const href = `${scheme}://${host}${port === '' ? '' : `:${port}`}${pathAndQuery}`;
  return { href, scheme, host, port, pathAndQuery };
}

/** Decodes escapes of unreserved characters ("%7E" → "~") and upper-cases the hex of the rest. */
function normalisePercentEncoding(raw: string, text: string): string {
  if (/%(?![0-9A-Fa-f]{2})/.test(text)) {
    throw new InvalidUrlError(raw, 'has a "%" that is not followed by two hex digits');
  }
  return text.replace(/%([0-9A-Fa-f]{2})/g, (_escape, hex: string) => {
    const character = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(character) ? character : `%${hex.toUpperCase()}`;
  });
}
