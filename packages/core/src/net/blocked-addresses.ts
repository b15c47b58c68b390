import { BlockList, isIP } from 'node:net';

/**
 * Addresses no outbound fetch may reach: this machine, private networks, link-local (cloud
 * metadata at 169.254.169.254 included), carrier-grade NAT, documentation, multicast and
 * reserved ranges, and IPv6's equivalents (IPv4-mapped, IPv4-compatible and NAT64 forms too).
 */
const blockedV4 = new BlockList();
const blockedV6 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blockedV4.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 127],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  blockedV6.addSubnet(network, prefix, 'ipv6');
}

/** Whether an outbound fetch may connect to this IP address (a public unicast one). */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 4) return !blockedV4.check(address, 'ipv4');
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible forms: refused whole, whatever they embed.
  if (/^\[::(ffff:)?[0-9a-f]{1,4}:[0-9a-f]{1,4}\]$/.test(new URL(`http://[${address}]`).hostname)) return false;
  return !blockedV6.check(address, 'ipv6');
}
