/**
 * What the registries say of a block's "Globally Reachable" column; `terminated` for the rows
 * whose allocation ended (their cells are empty).
 */
export type GloballyReachable = 'True' | 'False' | 'N/A' | 'terminated';

export interface SpecialPurposeBlock {
  /** One CIDR block (the registry row "192.0.0.170/32, 192.0.0.171/32" is two). */
  block: string;
  name: string;
  registry: 'IANA IPv4 Special-Purpose' | 'IANA IPv6 Special-Purpose' | 'outside the special-purpose registries';
  globallyReachable: GloballyReachable;
}

const IPV4 = 'IANA IPv4 Special-Purpose';
const IPV6 = 'IANA IPv6 Special-Purpose';
const OUTSIDE = 'outside the special-purpose registries';

/**
 * The IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890), row for row as last
 * updated by IANA on 2025-10-09, and the blocks that are not globally reachable but live in other
 * registries (multicast, the deprecated IPv6 forms, IPv6 outside global unicast). Copied from
 * test/fixtures/iana-special-purpose/, which names the sources; address-policy.spec.ts fails if
 * this table and the fixture differ.
 */
export const SPECIAL_PURPOSE_BLOCKS: readonly SpecialPurposeBlock[] = [
  { block: '0.0.0.0/8', name: '"This network"', registry: IPV4, globallyReachable: 'False' },
  { block: '0.0.0.0/32', name: '"This host on this network"', registry: IPV4, globallyReachable: 'False' },
  { block: '10.0.0.0/8', name: 'Private-Use', registry: IPV4, globallyReachable: 'False' },
  { block: '100.64.0.0/10', name: 'Shared Address Space', registry: IPV4, globallyReachable: 'False' },
  { block: '127.0.0.0/8', name: 'Loopback', registry: IPV4, globallyReachable: 'False' },
  { block: '169.254.0.0/16', name: 'Link Local', registry: IPV4, globallyReachable: 'False' },
  { block: '172.16.0.0/12', name: 'Private-Use', registry: IPV4, globallyReachable: 'False' },
  { block: '192.0.0.0/24', name: 'IETF Protocol Assignments', registry: IPV4, globallyReachable: 'False' },
  { block: '192.0.0.0/29', name: 'IPv4 Service Continuity Prefix', registry: IPV4, globallyReachable: 'False' },
  { block: '192.0.0.8/32', name: 'IPv4 dummy address', registry: IPV4, globallyReachable: 'False' },
  { block: '192.0.0.9/32', name: 'Port Control Protocol Anycast', registry: IPV4, globallyReachable: 'True' },
  { block: '192.0.0.10/32', name: 'Traversal Using Relays around NAT Anycast', registry: IPV4, globallyReachable: 'True' },
  { block: '192.0.0.170/32', name: 'NAT64/DNS64 Discovery', registry: IPV4, globallyReachable: 'False' },
  { block: '192.0.0.171/32', name: 'NAT64/DNS64 Discovery', registry: IPV4, globallyReachable: 'False' },
  { block: '192.0.2.0/24', name: 'Documentation (TEST-NET-1)', registry: IPV4, globallyReachable: 'False' },
  { block: '192.31.196.0/24', name: 'AS112-v4', registry: IPV4, globallyReachable: 'True' },
  { block: '192.52.193.0/24', name: 'AMT', registry: IPV4, globallyReachable: 'True' },
  { block: '192.88.99.0/24', name: 'Deprecated (6to4 Relay Anycast)', registry: IPV4, globallyReachable: 'terminated' },
  { block: '192.88.99.2/32', name: '6a44-relay anycast address', registry: IPV4, globallyReachable: 'False' },
  { block: '192.168.0.0/16', name: 'Private-Use', registry: IPV4, globallyReachable: 'False' },
  { block: '192.175.48.0/24', name: 'Direct Delegation AS112 Service', registry: IPV4, globallyReachable: 'True' },
  { block: '198.18.0.0/15', name: 'Benchmarking', registry: IPV4, globallyReachable: 'False' },
  { block: '198.51.100.0/24', name: 'Documentation (TEST-NET-2)', registry: IPV4, globallyReachable: 'False' },
  { block: '203.0.113.0/24', name: 'Documentation (TEST-NET-3)', registry: IPV4, globallyReachable: 'False' },
  { block: '240.0.0.0/4', name: 'Reserved', registry: IPV4, globallyReachable: 'False' },
  { block: '255.255.255.255/32', name: 'Limited Broadcast', registry: IPV4, globallyReachable: 'False' },

  { block: '::1/128', name: 'Loopback Address', registry: IPV6, globallyReachable: 'False' },
  { block: '::/128', name: 'Unspecified Address', registry: IPV6, globallyReachable: 'False' },
  { block: '::ffff:0:0/96', name: 'IPv4-mapped Address', registry: IPV6, globallyReachable: 'False' },
  { block: '64:ff9b::/96', name: 'IPv4-IPv6 Translat.', registry: IPV6, globallyReachable: 'True' },
  { block: '64:ff9b:1::/48', name: 'IPv4-IPv6 Translat.', registry: IPV6, globallyReachable: 'False' },
  { block: '100::/64', name: 'Discard-Only Address Block', registry: IPV6, globallyReachable: 'False' },
  { block: '100:0:0:1::/64', name: 'Dummy IPv6 Prefix', registry: IPV6, globallyReachable: 'False' },
  { block: '2001::/23', name: 'IETF Protocol Assignments', registry: IPV6, globallyReachable: 'False' },
  { block: '2001::/32', name: 'TEREDO', registry: IPV6, globallyReachable: 'N/A' },
  { block: '2001:1::1/128', name: 'Port Control Protocol Anycast', registry: IPV6, globallyReachable: 'True' },
  { block: '2001:1::2/128', name: 'Traversal Using Relays around NAT Anycast', registry: IPV6, globallyReachable: 'True' },
  { block: '2001:1::3/128', name: 'DNS-SD Service Registration Protocol Anycast', registry: IPV6, globallyReachable: 'True' },
  { block: '2001:2::/48', name: 'Benchmarking', registry: IPV6, globallyReachable: 'False' },
  { block: '2001:3::/32', name: 'AMT', registry: IPV6, globallyReachable: 'True' },
  { block: '2001:4:112::/48', name: 'AS112-v6', registry: IPV6, globallyReachable: 'True' },
  { block: '2001:10::/28', name: 'Deprecated (previously ORCHID)', registry: IPV6, globallyReachable: 'terminated' },
  { block: '2001:20::/28', name: 'ORCHIDv2', registry: IPV6, globallyReachable: 'True' },
  { block: '2001:30::/28', name: 'Drone Remote ID Protocol Entity Tags (DETs) Prefix', registry: IPV6, globallyReachable: 'True' },
  { block: '2001:db8::/32', name: 'Documentation', registry: IPV6, globallyReachable: 'False' },
  { block: '2002::/16', name: '6to4', registry: IPV6, globallyReachable: 'N/A' },
  { block: '2620:4f:8000::/48', name: 'Direct Delegation AS112 Service', registry: IPV6, globallyReachable: 'True' },
  { block: '3fff::/20', name: 'Documentation', registry: IPV6, globallyReachable: 'False' },
  { block: '5f00::/16', name: 'Segment Routing (SRv6) SIDs', registry: IPV6, globallyReachable: 'False' },
  { block: 'fc00::/7', name: 'Unique-Local', registry: IPV6, globallyReachable: 'False' },
  { block: 'fe80::/10', name: 'Link-Local Unicast', registry: IPV6, globallyReachable: 'False' },

  // Multicast has registries of its own (RFC 5771, RFC 4291 §2.7); a TCP connection to it is never an API call.
  { block: '224.0.0.0/4', name: 'Multicast', registry: OUTSIDE, globallyReachable: 'False' },
  { block: 'ff00::/8', name: 'Multicast', registry: OUTSIDE, globallyReachable: 'False' },
  // The IPv6 Address Space registry: only 2000::/3 is Global Unicast; the rest is reserved or
  // special, so it is refused unless a more specific row above says otherwise.
  { block: '::/0', name: 'Not Global Unicast', registry: OUTSIDE, globallyReachable: 'False' },
  { block: '2000::/3', name: 'Global Unicast', registry: OUTSIDE, globallyReachable: 'True' },
  // Deprecated forms that nothing public uses and that stacks may still read as IPv4 or route locally.
  { block: '::/96', name: 'IPv4-compatible Address (deprecated)', registry: OUTSIDE, globallyReachable: 'False' },
  { block: '::ffff:0:0:0/96', name: 'IPv4-translated Address (SIIT)', registry: OUTSIDE, globallyReachable: 'False' },
  { block: 'fec0::/10', name: 'Site-Local Unicast (deprecated)', registry: OUTSIDE, globallyReachable: 'False' },
];
