// SSRF guard: decides which addresses outbound fetches may connect to. Feed and article URLs come
// from the outside world, so a link to http://169.254.169.254/ or a name that resolves to
// 127.0.0.1 must not reach the metadata service or our own Redis. The check runs on the address
// actually connected: `lookup` is handed to node:http(s), so a DNS answer that changes between a
// check and the connect (rebinding) cannot slip through.
import dns from 'node:dns';
import net from 'node:net';
import type { LookupAddress, LookupAllOptions, LookupOneOptions } from 'node:dns';
import { PermanentError } from './errors.js';

/** Special-purpose IPv4 ranges (IANA registry) that are never a public web server. */
const BLOCKED_V4: readonly [string, number][] = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, incl. cloud metadata 169.254.169.254
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // TEST-NET-1
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, incl. broadcast 255.255.255.255
];

/** Special-purpose IPv6 ranges. IPv4-mapped / NAT64 / 6to4 are judged by the IPv4 inside. */
const BLOCKED_V6: readonly [string, number][] = [
  ['::', 96], // unspecified, IPv4-compatible (deprecated); ::1 loopback is checked separately
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard
  ['2001::', 23], // IETF protocol assignments, incl. Teredo 2001::/32
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
];

const blockedList = new net.BlockList();
for (const [a, p] of BLOCKED_V4) blockedList.addSubnet(a, p, 'ipv4');
for (const [a, p] of BLOCKED_V6) blockedList.addSubnet(a, p, 'ipv6');
blockedList.addAddress('::1', 'ipv6');

/** Parse an IPv6 literal into 16 bytes; null when it is not one. */
function ipv6Bytes(ip: string): number[] | null {
  let s = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (net.isIPv6(s) === false) return null;
  const tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted?.[1]) {
    for (const part of dotted[1].split('.')) tail.push(Number(part));
    s = s.slice(0, -dotted[1].length) + '0:0';
  }
  const [head, rest] = s.includes('::') ? s.split('::') : [s, undefined];
  const hs = head ? head.split(':') : [];
  const rs = rest ? rest.split(':') : [];
  const groups = [...hs, ...Array(8 - hs.length - rs.length).fill('0'), ...rs].map((g) => parseInt(g, 16));
  const bytes = groups.flatMap((g) => [g >> 8, g & 0xff]);
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** The IPv4 address carried inside an IPv6 one (mapped, NAT64, 6to4), if any. */
function embeddedIpv4(ip: string): string | null {
  const b = ipv6Bytes(ip);
  if (!b) return null;
  const isZero = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  const v4 = (o: number) => b.slice(o, o + 4).join('.');
  if (isZero(0, 10) && b[10] === 0xff && b[11] === 0xff) return v4(12); // ::ffff:a.b.c.d
  if (isZero(0, 10) && b[10] === 0 && b[11] === 0 && !isZero(12, 16)) return v4(12); // ::a.b.c.d
  if (b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && isZero(4, 12)) return v4(12); // 64:ff9b::/96
  if (b[0] === 0x20 && b[1] === 0x02) return v4(2); // 2002::/16 6to4
  return null;
}

/**
 * True for any address a fetch must not reach by default: loopback, private, link-local
 * (cloud metadata), CGNAT, "this network", multicast, reserved, documentation ranges, IPv6
 * loopback / ULA / link-local / multicast, and IPv6 forms that carry such an IPv4 inside.
 * Anything that is not an IP literal is blocked too (fail closed).
 */
export function isBlockedAddress(ip: string): boolean {
  const bare = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = net.isIP(bare);
  if (family === 4) return blockedList.check(bare, 'ipv4');
  if (family !== 6) return true;
  const inner = embeddedIpv4(bare);
  if (inner !== null) return blockedList.check(inner, 'ipv4');
  return blockedList.check(bare, 'ipv6');
}

export type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

export interface NetGuard {
  /** May a connection to `address` go ahead? `hostname` is the name it was reached by, if any. */
  isPermitted(address: string, hostname?: string): boolean;
  /** Throws PermanentError('blocked_address') when `address` is not permitted. */
  assertPermitted(address: string, hostname?: string): void;
  /** A drop-in `lookup` for node:http(s)/net that only ever yields permitted addresses. */
  lookup: (hostname: string, options: LookupOneOptions | LookupAllOptions | number, cb: LookupCallback) => void;
}

/** The error every blocked connection produces; says what to change if it was meant. */
export class BlockedAddressError extends PermanentError {
  constructor(
    readonly hostname: string | undefined,
    readonly address: string,
  ) {
    const what = hostname && hostname !== address ? `${hostname} (${address})` : address;
    super(
      'blocked_address',
      `refusing to connect to ${what}: private, loopback, link-local or reserved address. ` +
        `If this host is meant to be fetched, add it (hostname, IP or CIDR) to the network.allow config.`,
    );
  }
}

export function blockedAddressError(hostname: string | undefined, address: string): BlockedAddressError {
  return new BlockedAddressError(hostname, address);
}

/**
 * Build a guard. `allow` entries are hostnames (`feeds.intranet.example`; a leading dot,
 * `.intranet.example`, also allows every subdomain), IP addresses, or CIDRs (`10.1.0.0/16`,
 * `fd00::/8`). An allowed hostname lets its name through whatever it resolves to; an allowed IP
 * or CIDR lets that address through whichever name led there.
 */
export function createNetGuard(allow: readonly string[] = []): NetGuard {
  const allowedIps = new net.BlockList();
  const names = new Set<string>();
  const suffixes: string[] = [];
  for (const raw of allow) {
    const entry = raw.trim().toLowerCase().replace(/^\[|\]$/g, '');
    if (entry === '') continue;
    const cidr = /^(.+)\/(\d{1,3})$/.exec(entry);
    if (cidr?.[1] && net.isIP(cidr[1])) {
      const type = net.isIP(cidr[1]) === 4 ? 'ipv4' : 'ipv6';
      const prefix = Number(cidr[2]);
      if (prefix > (type === 'ipv4' ? 32 : 128)) throw new Error(`network.allow: bad CIDR prefix in ${raw}`);
      allowedIps.addSubnet(cidr[1], prefix, type);
    } else if (net.isIP(entry)) {
      allowedIps.addAddress(entry, net.isIP(entry) === 4 ? 'ipv4' : 'ipv6');
    } else if (entry.startsWith('.')) {
      suffixes.push(entry);
    } else {
      names.add(entry.replace(/\.$/, ''));
    }
  }

  const nameAllowed = (hostname?: string): boolean => {
    if (!hostname) return false;
    const h = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
    return names.has(h) || suffixes.some((s) => h.endsWith(s));
  };
  const isPermitted = (address: string, hostname?: string): boolean => {
    const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
    if (!isBlockedAddress(bare)) return true;
    if (nameAllowed(hostname)) return true;
    const family = net.isIP(bare);
    if (family === 0) return false;
    if (allowedIps.check(bare, family === 4 ? 'ipv4' : 'ipv6')) return true;
    // An allow entry for 127.0.0.1 also covers ::ffff:127.0.0.1.
    const inner = family === 6 ? embeddedIpv4(bare) : null;
    return inner !== null && allowedIps.check(inner, 'ipv4');
  };

  const lookup: NetGuard['lookup'] = (hostname, options, cb) => {
    const opts = typeof options === 'number' ? { family: options } : options;
    dns.lookup(hostname, { ...opts, all: true }, (err, addresses) => {
      if (err) return cb(err, opts.all ? [] : '');
      const permitted = addresses.filter((a) => isPermitted(a.address, hostname));
      if (permitted.length === 0) {
        const first = addresses[0]?.address ?? 'no address';
        return cb(blockedAddressError(hostname, first) as unknown as NodeJS.ErrnoException, opts.all ? [] : '');
      }
      if (opts.all) return cb(null, permitted);
      const one = permitted[0]!;
      return cb(null, one.address, one.family);
    });
  };

  return {
    isPermitted,
    assertPermitted(address, hostname) {
      if (!isPermitted(address, hostname)) throw blockedAddressError(hostname, address);
    },
    lookup,
  };
}
