import { describe, expect, it } from '@jest/globals';
import { expectedVerdict, fixtureBlocks, probeAddresses } from '@caracal/test-support/special-purpose-fixture.js';
import { describeAddress, judgeAddress } from './address-policy.js';
import { SPECIAL_PURPOSE_BLOCKS } from './special-purpose-blocks.js';

const blocks = fixtureBlocks();

describe('address policy', () => {
  it('carries every block of the IANA special-purpose registries, as the registries say, and nothing else', () => {
    const byBlock = (a: { block: string; name: string }, b: { block: string; name: string }) => `${a.block} ${a.name}`.localeCompare(`${b.block} ${b.name}`);
    expect([...SPECIAL_PURPOSE_BLOCKS].sort(byBlock)).toEqual([...blocks].sort(byBlock));
    expect(blocks.filter((block) => block.registry === 'IANA IPv4 Special-Purpose')).toHaveLength(26);
    expect(blocks.filter((block) => block.registry === 'IANA IPv6 Special-Purpose')).toHaveLength(25);
  });

  // The table test: for each block, its first, middle and last addresses and the ones just
  // outside it get the verdict of the most specific block holding them ("Globally Reachable =
  // True" passes; the IPv4-embedding forms pass when what they carry does).
  it.each(blocks.map((block) => [`${block.block} ${block.name}`, block] as const))('judges %s at its edges, inside and just outside', (_label, block) => {
    const { inside, outside } = probeAddresses(block.block);
    for (const address of [...inside, ...outside]) {
      const expected = expectedVerdict(blocks, address);
      const verdict = judgeAddress(address);
      expect({ address, allowed: verdict.allowed, block: verdict.block?.block ?? null, name: verdict.block?.name ?? null }).toEqual({
        address,
        allowed: expected.allowed,
        block: expected.block?.block ?? null,
        name: expected.block?.name ?? null,
      });
    }
    for (const address of inside) {
      const holder = expectedVerdict(blocks, address).block;
      expect(holder === null ? 0 : Number(holder.block.split('/')[1])).toBeGreaterThanOrEqual(Number(block.block.split('/')[1]));
    }
  });

  it.each([
    ['::127.0.0.1', 'IPv4-compatible Address (deprecated)'],
    ['::ffff:0:127.0.0.1', 'IPv4-translated Address (SIIT)'],
    ['::ffff:0:808:808', 'IPv4-translated Address (SIIT)'],
    ['::8.8.8.8', 'IPv4-compatible Address (deprecated)'],
    ['fec0::1', 'Site-Local Unicast (deprecated)'],
    ['2001:10::1', 'Deprecated (previously ORCHID)'],
    ['::ffff:127.0.0.1', 'IPv4-mapped Address'],
    ['::ffff:7f00:1', 'IPv4-mapped Address'],
    ['::ffff:a9fe:a9fe', 'IPv4-mapped Address'],
    ['64:ff9b::10.0.0.1', 'IPv4-IPv6 Translat.'],
    ['64:ff9b:1::808:808', 'IPv4-IPv6 Translat.'],
    ['2002:7f00:1::1', '6to4'],
    // RFC 4380's example: server 65.54.227.120, client 192.0.2.45 (documentation).
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'TEREDO'],
    ['2001::1', 'TEREDO'],
    ['fd00:ec2::254', 'Unique-Local'],
    ['169.254.169.254', 'Link Local'],
    ['100.100.100.200', 'Shared Address Space'],
    ['ff02::1', 'Multicast'],
    ['239.255.255.250', 'Multicast'],
    ['4000::1', 'Not Global Unicast'],
    ['fe80::1%eth0', 'Link-Local Unicast'],
  ])('refuses %s (%s)', (address, name) => {
    const verdict = judgeAddress(address);
    expect(verdict.allowed).toBe(false);
    expect(verdict.block?.name).toBe(name);
  });

  it.each([
    ['8.8.8.8', null],
    ['2606:4700::6810:84e5', 'Global Unicast'],
    ['::ffff:8.8.8.8', 'IPv4-mapped Address'],
    ['64:ff9b::808:808', 'IPv4-IPv6 Translat.'],
    ['2002:808:808::1', '6to4'],
    // Teredo to server 65.54.227.120 and client 8.8.8.8 (stored inverted: f7f7:f7f7).
    ['2001:0:4136:e378:8000:63bf:f7f7:f7f7', 'TEREDO'],
    ['192.0.0.9', 'Port Control Protocol Anycast'],
    ['2001:1::1', 'Port Control Protocol Anycast'],
  ])('accepts %s (%s)', (address, name) => {
    const verdict = judgeAddress(address);
    expect(verdict.allowed).toBe(true);
    expect(verdict.block?.name ?? null).toBe(name);
  });

  it('refuses what is not an IP address, and names what an embedding address carries', () => {
    expect(judgeAddress('not-an-ip')).toEqual({ address: 'not-an-ip', allowed: false, block: null, embedded: [] });
    expect(describeAddress(judgeAddress('::ffff:7f00:1'))).toBe('::ffff:7f00:1 (::ffff:0:0/96 IPv4-mapped Address), which carries 127.0.0.1 (127.0.0.0/8 Loopback)');
    expect(describeAddress(judgeAddress('8.8.8.8'))).toBe('8.8.8.8 (public)');
    expect(describeAddress(judgeAddress('example.com'))).toBe('example.com (not an IP address)');
  });
});
