import { readFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCsv } from './csv.js';

const FIXTURE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'iana-special-purpose');

export interface FixtureBlock {
  block: string;
  name: string;
  registry: string;
  globallyReachable: 'True' | 'False' | 'N/A' | 'terminated';
}

/** Every block of the registry CSVs in test/fixtures/iana-special-purpose (README.md names the sources). */
export function fixtureBlocks(): FixtureBlock[] {
  return [
    ...registryBlocks('iana-ipv4-special-registry-1.csv', 'IANA IPv4 Special-Purpose'),
    ...registryBlocks('iana-ipv6-special-registry-1.csv', 'IANA IPv6 Special-Purpose'),
    ...readCsv('outside-the-registries.csv').map((row) => ({
      block: row['Address Block'],
      name: row.Name,
      registry: 'outside the special-purpose registries',
      globallyReachable: reachability(row['Globally Reachable'], 'N/A'),
    })),
  ];
}

function registryBlocks(file: string, registry: string): FixtureBlock[] {
  return readCsv(file).flatMap((row) =>
    withoutFootnotes(row['Address Block'])
      .split(/,\s*/)
      .map((block) => ({ block, name: row.Name, registry, globallyReachable: reachability(row['Globally Reachable'], row['Termination Date']) })),
  );
}

function readCsv(file: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(readFileSync(join(FIXTURE_DIR, file), 'utf8'));
  return rows.map((cells) => Object.fromEntries(header.map((column, i) => [column, cells[i] ?? ''])));
}

function reachability(cell: string, terminationDate: string): FixtureBlock['globallyReachable'] {
  const value = withoutFootnotes(cell);
  if (value === '' && terminationDate !== 'N/A') return 'terminated';
  if (value === 'True' || value === 'False' || value === 'N/A') return value;
  throw new Error(`unexpected Globally Reachable value ${JSON.stringify(cell)}`);
}

function withoutFootnotes(cell: string): string {
  return cell.replace(/\s*\[\d+\]/g, '').trim();
}

// An oracle written apart from the gateway's: Node's BlockList and bigint arithmetic, where the
// gateway uses ipaddr.js.

const V4_BITS = 32n;
const V6_BITS = 128n;
const IPV4_MASK = 0xffffffffn;

export function toBigInt(address: string): bigint {
  if (isIP(address) === 4) return address.split('.').reduce((value, octet) => (value << 8n) | BigInt(octet), 0n);
  let text = address;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = toBigInt(dotted[1]);
    text = `${text.slice(0, -dotted[1].length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  return groups.reduce((value, group) => (value << 16n) | BigInt(`0x${group}`), 0n);
}

export function fromBigInt(value: bigint, family: 4 | 6): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((shift) => ((value >> shift) & 0xffn).toString()).join('.');
  return Array.from({ length: 8 }, (_, i) => ((value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(':');
}

function familyOf(block: string): 4 | 6 {
  return block.includes(':') ? 6 : 4;
}

/** The start, middle and end of a block, and the addresses just below and above it (where they exist). */
export function probeAddresses(block: string): { inside: string[]; outside: string[] } {
  const [network, prefixText] = block.split('/');
  const family = familyOf(block);
  const bits = family === 4 ? V4_BITS : V6_BITS;
  const size = 1n << (bits - BigInt(prefixText));
  const start = toBigInt(network);
  const end = start + size - 1n;
  const inside = [...new Set([start, start + size / 2n, end])].map((value) => fromBigInt(value, family));
  const outside = [start - 1n, end + 1n].filter((value) => value >= 0n && value < 1n << bits).map((value) => fromBigInt(value, family));
  return { inside, outside };
}

/** IPv6 forms judged by the IPv4 addresses they carry (see address-policy.ts for why). */
const EMBEDDED_IPV4: Record<string, (value: bigint) => bigint[]> = {
  '::ffff:0:0/96': (value) => [value & IPV4_MASK],
  '64:ff9b::/96': (value) => [value & IPV4_MASK],
  '2002::/16': (value) => [(value >> 80n) & IPV4_MASK],
  '2001::/32': (value) => [(value >> 64n) & IPV4_MASK, (value & IPV4_MASK) ^ IPV4_MASK],
};

export interface ExpectedVerdict {
  allowed: boolean;
  /** The most specific fixture block holding the address. */
  block: FixtureBlock | null;
}

export function expectedVerdict(blocks: readonly FixtureBlock[], address: string): ExpectedVerdict {
  const family = isIP(address) === 4 ? 4 : 6;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const holding = blocks
    .filter((entry) => familyOf(entry.block) === family)
    .filter((entry) => {
      const [network, prefix] = entry.block.split('/');
      const list = new BlockList();
      list.addSubnet(network, Number(prefix), type);
      return list.check(address, type);
    })
    .sort((a, b) => Number(b.block.split('/')[1]) - Number(a.block.split('/')[1]));
  const block = holding[0] ?? null;
  if (block === null) return { allowed: true, block };
  const embed = EMBEDDED_IPV4[block.block];
  if (embed) {
    const allowed = embed(toBigInt(address)).every((ipv4) => expectedVerdict(blocks, fromBigInt(ipv4, 4)).allowed);
    return { allowed, block };
  }
  return { allowed: block.globallyReachable === 'True', block };
}
