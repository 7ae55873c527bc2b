import ipaddr from 'ipaddr.js';
import { isIP } from 'node:net';
import { SPECIAL_PURPOSE_BLOCKS, type SpecialPurposeBlock } from './special-purpose-blocks.js';

export interface AddressVerdict {
  address: string;
  /** Whether an agent may reach the address without an allowlist entry naming the host. */
  allowed: boolean;
  /** The most specific block holding the address; null for ordinary (public) IPv4. */
  block: SpecialPurposeBlock | null;
  /** The IPv4 addresses the address carries, each judged on its own (mapped, NAT64, 6to4, Teredo). */
  embedded: AddressVerdict[];
}

type Bytes = number[];

/**
 * IPv6 forms whose traffic ends at an IPv4 address written into them: they are as reachable as
 * those addresses, so a public 6to4 or NAT64 target passes and a tunnelled 127.0.0.1 does not.
 * - IPv4-mapped: a dual-stack socket connects to the IPv4 address itself (RFC 4291 §2.5.5.2).
 * - NAT64 well-known prefix: the translator connects to it; RFC 6052 §3.1 forbids the prefix
 *   for non-global IPv4, and refusing the whole prefix would break every IPv4-only API on an
 *   IPv6-only host behind DNS64.
 * - 6to4: the packets are sent to the embedded site address (RFC 3056 §2).
 * - Teredo: the server and the client's mapped address (stored inverted) are both contacted
 *   (RFC 4380 §4); both must be public.
 * The local-use NAT64 prefix (64:ff9b:1::/48) has no fixed place for the IPv4 address (RFC 8215)
 * and is not globally reachable: it is refused whole, like the deprecated compatible and SIIT forms.
 */
const EMBEDDED_IPV4: Record<string, (bytes: Bytes) => Bytes[]> = {
  '::ffff:0:0/96': (bytes) => [bytes.slice(12, 16)],
  '64:ff9b::/96': (bytes) => [bytes.slice(12, 16)],
  '2002::/16': (bytes) => [bytes.slice(2, 6)],
  '2001::/32': (bytes) => [bytes.slice(4, 8), bytes.slice(12, 16).map((byte) => byte ^ 0xff)],
};

interface ParsedBlock {
  block: SpecialPurposeBlock;
  range: [ipaddr.IPv4 | ipaddr.IPv6, number];
}

/** Most specific first, so a globally reachable anycast /32 wins over the /24 around it. */
function parsedBlocks(kind: 'ipv4' | 'ipv6'): ParsedBlock[] {
  return SPECIAL_PURPOSE_BLOCKS.map((block) => ({ block, range: ipaddr.parseCIDR(block.block) }))
    .filter(({ range }) => range[0].kind() === kind)
    .sort((a, b) => b.range[1] - a.range[1]);
}

const BLOCKS = { ipv4: parsedBlocks('ipv4'), ipv6: parsedBlocks('ipv6') };

/**
 * Judges an IP address by the special-purpose registries: a block that is not "Globally
 * Reachable = True" is refused (its most specific row decides), except the IPv6 forms that embed
 * IPv4 addresses, which are judged by those. Anything that is not an IP address is refused.
 */
export function judgeAddress(address: string): AddressVerdict {
  // Node's check is inet_pton's: no octal, hex or short IPv4 forms, which ipaddr.js would accept.
  const family = isIP(address);
  if (family === 0) return { address, allowed: false, block: null, embedded: [] };
  return judge(address, family === 4 ? ipaddr.IPv4.parse(address) : ipaddr.IPv6.parse(canonicalIpv6(address)));
}

/**
 * WHATWG's serialisation (the one URLs get) has no dotted tail: ipaddr.js reads "::a.b.c.d" as
 * IPv4-mapped (its legacy reading) where the socket connects to the IPv4-compatible ::a.b.c.d,
 * and libuv prints DNS answers in that form. A zone index does not change the address.
 */
function canonicalIpv6(address: string): string {
  return new URL(`http://[${address.replace(/%.*$/, '')}]/`).hostname.slice(1, -1);
}

function judge(address: string, parsed: ipaddr.IPv4 | ipaddr.IPv6): AddressVerdict {
  const match = BLOCKS[parsed.kind()].find(({ range }) => parsed.match(range));
  if (!match) return { address, allowed: true, block: null, embedded: [] };
  const embed = EMBEDDED_IPV4[match.block.block];
  if (embed) {
    const embedded = embed(parsed.toByteArray()).map((bytes) => {
      const ipv4 = ipaddr.fromByteArray(bytes);
      return judge(ipv4.toString(), ipv4);
    });
    return { address, allowed: embedded.every((verdict) => verdict.allowed), block: match.block, embedded };
  }
  return { address, allowed: match.block.globallyReachable === 'True', block: match.block, embedded: [] };
}

/** "127.0.0.1 (127.0.0.0/8 Loopback)"; an embedding address names what it carries. */
export function describeAddress(verdict: AddressVerdict): string {
  const where = verdict.block ? `${verdict.block.block} ${verdict.block.name}` : verdict.allowed ? 'public' : 'not an IP address';
  const own = `${verdict.address} (${where})`;
  if (verdict.embedded.length === 0) return own;
  return `${own}, which carries ${verdict.embedded.map(describeAddress).join(' and ')}`;
}
