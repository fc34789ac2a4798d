import { describe, expect, it } from 'vitest';
import type { LookupAddress } from 'node:dns';
import { createNetGuard, isBlockedAddress } from '../../../src/shared/net-guard.js';
import { PermanentError } from '../../../src/shared/errors.js';

describe('isBlockedAddress', () => {
  it.each([
    '127.0.0.1', '127.8.9.10', '10.0.0.1', '10.255.255.255', '172.16.0.1', '172.31.255.254', '192.168.1.1',
    '169.254.169.254', '169.254.0.1', '100.64.0.1', '100.127.255.255', '0.0.0.0', '0.1.2.3',
    '224.0.0.1', '239.255.255.250', '240.0.0.1', '255.255.255.255', '192.0.2.1', '198.18.0.1',
    '::1', '::', 'fc00::1', 'fd12:3456::1', 'fe80::1', 'fe80::1%eth0', 'ff02::1',
    '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:169.254.169.254', '[::1]',
    '64:ff9b::a00:1', '2002:a00:1::1', '2001:db8::1', '2001:0:4136:e378::1',
    'localhost', 'not-an-ip', '',
  ])('blocks %s', (ip) => {
    expect(isBlockedAddress(ip)).toBe(true);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.15.0.1', '172.32.0.1', '100.63.255.255', '100.128.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '2002:808:808::1'])(
    'lets %s through',
    (ip) => {
      expect(isBlockedAddress(ip)).toBe(false);
    },
  );
});

describe('createNetGuard', () => {
  it('permits public addresses and nothing private by default', () => {
    const g = createNetGuard([]);
    expect(g.isPermitted('8.8.8.8')).toBe(true);
    expect(g.isPermitted('127.0.0.1', 'localhost')).toBe(false);
    expect(() => g.assertPermitted('169.254.169.254', 'metadata.internal')).toThrow(PermanentError);
  });

  it('allows by IP, CIDR (v4 and v6) and hostname', () => {
    const g = createNetGuard(['127.0.0.1', '10.1.0.0/16', 'fd00::/8', 'feeds.intranet', '.corp.example']);
    expect(g.isPermitted('127.0.0.1')).toBe(true);
    expect(g.isPermitted('::ffff:127.0.0.1')).toBe(true);
    expect(g.isPermitted('127.0.0.2')).toBe(false);
    expect(g.isPermitted('10.1.200.3')).toBe(true);
    expect(g.isPermitted('10.2.0.1')).toBe(false);
    expect(g.isPermitted('fd00::5')).toBe(true);
    expect(g.isPermitted('10.9.9.9', 'feeds.intranet')).toBe(true);
    expect(g.isPermitted('10.9.9.9', 'FEEDS.INTRANET.')).toBe(true);
    expect(g.isPermitted('10.9.9.9', 'news.corp.example')).toBe(true);
    expect(g.isPermitted('10.9.9.9', 'corp.example.evil')).toBe(false);
    expect(g.isPermitted('169.254.169.254', 'other.host')).toBe(false);
  });

  it('names the host, the address and the config key in its error', () => {
    try {
      createNetGuard().assertPermitted('10.0.0.5', 'evil.example');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(PermanentError);
      expect((err as PermanentError).code).toBe('blocked_address');
      expect((err as PermanentError).message).toMatch(/evil\.example \(10\.0\.0\.5\).*network\.allow/);
    }
  });

  it('rejects a bad CIDR at construction', () => {
    expect(() => createNetGuard(['10.0.0.0/40'])).toThrow(/CIDR/);
  });

  it('lookup refuses a name that resolves to loopback, in both callback forms', async () => {
    const g = createNetGuard([]);
    const one = await new Promise<unknown>((resolve) => g.lookup('localhost', { family: 4 }, (err) => resolve(err)));
    expect(one).toBeInstanceOf(PermanentError);
    const all = await new Promise<unknown>((resolve) => g.lookup('localhost', { all: true }, (err) => resolve(err)));
    expect((all as PermanentError).code).toBe('blocked_address');
  });

  it('lookup yields the address when the name or address is allowed', async () => {
    const g = createNetGuard(['127.0.0.1']);
    const addr = await new Promise<string>((resolve, reject) =>
      g.lookup('localhost', { family: 4 }, (err, address) => (err ? reject(err) : resolve(address as string))),
    );
    expect(addr).toBe('127.0.0.1');
    const all = await new Promise<LookupAddress[]>((resolve, reject) =>
      g.lookup('localhost', { all: true, family: 4 }, (err, a) => (err ? reject(err) : resolve(a as LookupAddress[]))),
    );
    expect(all.map((a) => a.address)).toEqual(['127.0.0.1']);
  });
});
